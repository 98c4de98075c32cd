/**
 * Per-case key ids. A case has two keys of its own (src/store/case-keys.ts): `c-<caseId>` for its
 * report, events and files, `p-<caseId>` for the reporter's contact details, so either can be
 * erased by destroying its key. Data keys are `k<n>`, so the two kinds cannot be confused.
 */
export type CaseKeyScope = "content" | "contact";

/** A loaded case key; `erased` once destroyed; `absent` for a case made before per-case keys. */
export type CaseKeyState = Buffer | "erased" | "absent";

const CASE_KEY_ID = /^[cp]-[a-z2-7]{16}$/;

export function caseKeyId(caseId: string, scope: CaseKeyScope): string {
  return `${scope === "content" ? "c" : "p"}-${caseId}`;
}

export function isCaseKeyId(id: string): boolean {
  return CASE_KEY_ID.test(id);
}
