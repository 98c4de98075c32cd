import { caseLabel, parseCaseReference } from "../domain/cases/case-number.js";
import { looksLikeCaseId } from "./case-lookup.js";
import type { Store } from "./database.js";

/** The case `embargo erase` names: by id, or by its reference (`KITSU-12`). */
export async function findCaseToErase(
  store: Store,
  text: string,
): Promise<{ id: string; label: string } | undefined> {
  const query = store.db.selectFrom("cases").select(["id", "program", "number"]);
  if (looksLikeCaseId(text)) {
    const row = await query.where("id", "=", text).executeTakeFirst();
    return row === undefined ? undefined : { id: row.id, label: caseLabel(row) };
  }
  const reference = parseCaseReference(text);
  if (reference?.program === undefined) return undefined;
  const row = await query
    .where("program", "=", reference.program)
    .where("number", "=", reference.number)
    .executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, label: caseLabel(row) };
}
