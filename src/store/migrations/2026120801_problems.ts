import { type Kysely, sql } from "kysely";

/**
 * Problem management (`incident.register.problemManagement`, src/domain/problems): a record per
 * underlying problem of a program, which the cases that recur from it or reveal it are linked to.
 *
 * - `problems`: one row per problem, numbered per program (P-1, P-2, …; unique with the program).
 *   Its title and root cause are one encrypted JSON (`content_ct`, AAD `problem:<id>:content`),
 *   like a report's text: they describe weaknesses. State and stamps are plaintext, as a case's are.
 * - `problem_cases`: which problem a case is linked to (at most one: the key is the case). Written
 *   only by the case commands that also append `case.problem_linked` / `case.problem_unlinked` to
 *   the case's chain, in the same transaction; the chain keeps the history, this row the present.
 * - `problem_counters`: the last number given in each program. Taking the next one is an upsert on
 *   this row, which locks it: two problems opened at once in one program get different numbers
 *   (a `max(number) + 1` would give both the same one on PostgreSQL).
 */
const STATES = sql`('open', 'known-error', 'resolved')`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("problems")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("program", "text", (c) => c.notNull())
    .addColumn("number", "integer", (c) => c.notNull().check(sql`number > 0`))
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ${STATES}`))
    .addColumn("content_ct", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("updated_by", "text", (c) => c.notNull())
    .addUniqueConstraint("problems_program_number", ["program", "number"])
    .execute();

  await db.schema
    .createTable("problem_cases")
    .addColumn("case_id", "text", (c) => c.primaryKey().references("cases.id"))
    .addColumn("problem_id", "text", (c) => c.notNull().references("problems.id"))
    .addColumn("linked_at", "text", (c) => c.notNull())
    .addColumn("linked_by", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("problem_cases_problem_id").on("problem_cases").column("problem_id").execute();

  await db.schema
    .createTable("problem_counters")
    .addColumn("program", "text", (c) => c.primaryKey())
    .addColumn("last_number", "integer", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("problem_counters").execute();
  await db.schema.dropTable("problem_cases").execute();
  await db.schema.dropTable("problems").execute();
}
