import type { Kysely, Transaction } from "kysely";
import { caseLabel } from "../domain/cases/case-number.js";
import type { DatabaseSchema } from "./schema.js";

/**
 * The program's next case number (`KITSU-12`; migration 2026121202), taken in the transaction
 * that inserts the case. The upsert locks the program's counter row until that transaction ends,
 * so concurrent reports wait for each other instead of taking the same number (on PostgreSQL;
 * SQLite has one writer, and the group commit runs each report in a savepoint of one transaction,
 * so a report that fails rolls its number back with it and leaves no gap). One statement.
 */
export async function takeCaseNumber(trx: Transaction<DatabaseSchema>, program: string): Promise<number> {
  const row = await trx
    .insertInto("case_counters")
    .values({ program, last_number: 1 })
    .onConflict((conflict) =>
      conflict
        .column("program")
        .doUpdateSet((eb) => ({ last_number: eb("case_counters.last_number", "+", 1) })),
    )
    .returning("last_number")
    .executeTakeFirstOrThrow();
  return row.last_number;
}

/**
 * How mail names the case (`caseLabel`: `KITSU-12`, or its id's first characters), read for
 * messages built without the case row at hand: receipts, and team mail that leaves the details
 * out at sending. Pass the transaction when there is one: on SQLite a query on the store would
 * wait for it. A case that is gone is named by its id.
 */
export async function readCaseLabel(db: Kysely<DatabaseSchema>, caseId: string): Promise<string> {
  const row = await db
    .selectFrom("cases")
    .select(["id", "program", "number"])
    .where("id", "=", caseId)
    .executeTakeFirst();
  return caseLabel(row ?? { id: caseId, program: "", number: null });
}
