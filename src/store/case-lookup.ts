import type { Store } from "./database.js";

/** Case ids are randomId()s (src/store/ids.ts); anything else is not worth a query. */
const CASE_ID = /^[a-z2-7]{16}$/;

export function looksLikeCaseId(value: string): boolean {
  return CASE_ID.test(value);
}

/**
 * The program a case belongs to, or undefined when there is no such case: enough to decide who
 * may act on it before anything is decrypted.
 */
export async function caseProgramOf(store: Store, caseId: string): Promise<string | undefined> {
  if (!looksLikeCaseId(caseId)) return undefined;
  const row = await store.db
    .selectFrom("cases")
    .select("program")
    .where("id", "=", caseId)
    .executeTakeFirst();
  return row?.program;
}
