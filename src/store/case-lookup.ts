import type { Store } from "./database.js";

/**
 * Case ids are 16 base32 characters (randomId or sortableId, src/store/ids.ts); anything else is
 * not worth a query.
 */
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

/**
 * What decides who may see a case (src/web/permissions.ts CaseFacts): its program, assignee and,
 * when confidential, the members named on it; undefined when there is no such case.
 */
export async function caseAccessFactsOf(
  store: Store,
  caseId: string,
): Promise<
  { program: string; assignee: string | null; confidential: boolean; members: string[] } | undefined
> {
  if (!looksLikeCaseId(caseId)) return undefined;
  const row = await store.db
    .selectFrom("cases")
    .select(["program", "assignee", "confidential"])
    .where("id", "=", caseId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const confidential = row.confidential === 1;
  const members = confidential
    ? (
        await store.db.selectFrom("case_members").select("user_id").where("case_id", "=", caseId).execute()
      ).map((m) => m.user_id)
    : [];
  return { program: row.program, assignee: row.assignee, confidential, members };
}
