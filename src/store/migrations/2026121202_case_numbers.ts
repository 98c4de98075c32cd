import { type Kysely, sql } from "kysely";
import type { DialectName } from "../database.js";

/**
 * Case numbers (issue 15): a short human reference per program, `KITSU-12`
 * (src/domain/cases/case-number.ts), for the team and the reporter to quote and search by.
 *
 * - `cases.number`: the case's number in its program, unique with the program. Nullable only
 *   because SQLite adds a NOT NULL column only with a default; intake always sets it, and the
 *   cases already stored are numbered here, per program in the order they were received (then
 *   by id, so two reports of one instant get an order too). A unique index allows several nulls
 *   on both engines, so rows built by hand (bench fixtures) need not name it.
 * - `case_counters`: the last number given in each program, started at the highest backfilled
 *   one. Taking the next is an upsert on this row in the transaction that inserts the case
 *   (src/store/case-numbers.ts), as `problem_counters`: it locks the row, so concurrent reports
 *   get different numbers, and a number is never given twice even if a case were removed.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("cases").addColumn("number", "integer").execute();
  // UPDATE … FROM: PostgreSQL, and SQLite since 3.33.
  await sql`
    update cases set number = numbered.n
    from (
      select id, row_number() over (partition by program order by received_at, id) as n from cases
    ) as numbered
    where numbered.id = cases.id`.execute(db);
  await db.schema
    .createIndex("cases_program_number")
    .on("cases")
    .columns(["program", "number"])
    .unique()
    .execute();

  await db.schema
    .createTable("case_counters")
    .addColumn("program", "text", (c) => c.primaryKey())
    .addColumn("last_number", "integer", (c) => c.notNull())
    .execute();
  await sql`
    insert into case_counters (program, last_number)
    select program, max(number) from cases where number is not null group by program`.execute(db);
}

export async function down(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.dropTable("case_counters").execute();
  await db.schema.dropIndex("cases_program_number").execute();
  await db.schema.alterTable("cases").dropColumn("number").execute();
}
