import { type Kysely, sql } from "kysely";

/**
 * Advisories (issue 13, src/commands/advisories.ts): a program's security advisories, each written
 * for a case or standalone (a fix found internally), and their published revisions.
 *
 * - `advisories`: one row per advisory. Its draft (title, description, products, credits, …) is one
 *   encrypted JSON (`content_ct`, AAD `advisory:<id>:content`): until published it describes an
 *   unfixed weakness. `draft_version` counts the draft's changes; an approval (`approved_by`) holds
 *   for the version it was given on and is cleared by the next change. The tracking number (and
 *   id, `EMBARGO-KAFE-2026-0001`) is given on first publication, so the public numbering never
 *   reveals a draft. At most one advisory per case.
 * - `advisory_revisions`: each publication, numbered 1, 2, … per advisory; `record_json` is the
 *   published AdvisoryRecord as canonical JSON, kept byte for byte and never updated. Plain text:
 *   it is public.
 * - `advisory_counters`: the last tracking number given in each program; taken by an upsert that
 *   locks the row (as `problem_counters`), so two first publications at once get different numbers.
 */
const STATES = sql`('draft', 'published')`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("advisories")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("program", "text", (c) => c.notNull())
    .addColumn("case_id", "text", (c) => c.unique().references("cases.id"))
    .addColumn("tracking_number", "integer", (c) => c.check(sql`tracking_number > 0`))
    .addColumn("tracking_id", "text", (c) => c.unique())
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ${STATES}`))
    .addColumn("content_ct", "text", (c) => c.notNull())
    .addColumn("draft_version", "integer", (c) => c.notNull())
    .addColumn("published_version", "integer")
    .addColumn("approved_by", "text")
    .addColumn("approved_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("updated_by", "text", (c) => c.notNull())
    .addUniqueConstraint("advisories_program_tracking_number", ["program", "tracking_number"])
    .execute();
  await db.schema.createIndex("advisories_program").on("advisories").columns(["program", "state"]).execute();

  await db.schema
    .createTable("advisory_revisions")
    .addColumn("advisory_id", "text", (c) => c.notNull().references("advisories.id"))
    .addColumn("number", "integer", (c) => c.notNull().check(sql`number > 0`))
    .addColumn("published_at", "text", (c) => c.notNull())
    .addColumn("approved_by", "text", (c) => c.notNull())
    .addColumn("published_by", "text", (c) => c.notNull())
    .addColumn("record_json", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("advisory_revisions_pk", ["advisory_id", "number"])
    .execute();

  await db.schema
    .createTable("advisory_counters")
    .addColumn("program", "text", (c) => c.primaryKey())
    .addColumn("last_number", "integer", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("advisory_counters").execute();
  await db.schema.dropTable("advisory_revisions").execute();
  await db.schema.dropTable("advisories").execute();
}
