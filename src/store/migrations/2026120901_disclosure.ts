import { type Kysely, sql } from "kysely";

/**
 * Coordinated disclosure (issue 12): the identifiers a case is known by, and what has been
 * published about affected releases.
 *
 * - `case_identifiers`: a case's CVE id (kind `cve`, at most one per case) and its aliases (GHSA
 *   ids, HackerOne report numbers, …; kind `alias`). Stored upper-cased in `value`; unique per
 *   program, so one CVE id cannot name two cases of a program. Plaintext on purpose: an identifier
 *   is not the report's content, and `embargo guard` must find the ones still under embargo.
 *   Written only by the case commands that also append `case.identifiers_changed` to the case's
 *   chain, in the same transaction; the chain keeps the history, these rows the present.
 * - `published_affected`: the affected-release matrix of disclosed cases, one row per product and
 *   version range, as `GET /api/v1/programs/{program}/affected` answers it. Written when a case is
 *   disclosed (and rewritten when its matrix changes after that); nothing about a case under
 *   embargo is ever in it. Public data by definition, so plaintext.
 */
const KINDS = sql`('cve', 'alias')`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("case_identifiers")
    .addColumn("program", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("case_id", "text", (c) => c.notNull().references("cases.id"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ${KINDS}`))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("case_identifiers_pk", ["program", "value"])
    .execute();
  await db.schema.createIndex("case_identifiers_case_id").on("case_identifiers").column("case_id").execute();

  await db.schema
    .createTable("published_affected")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("program", "text", (c) => c.notNull())
    .addColumn("case_id", "text", (c) => c.notNull().references("cases.id"))
    .addColumn("product", "text", (c) => c.notNull())
    .addColumn("product_name", "text", (c) => c.notNull())
    .addColumn("versions", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("fixed_in", "text")
    .addColumn("cve_id", "text")
    .addColumn("published_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("published_affected_lookup")
    .on("published_affected")
    .columns(["program", "product"])
    .execute();
  await db.schema.createIndex("published_affected_case").on("published_affected").column("case_id").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("published_affected").execute();
  await db.schema.dropTable("case_identifiers").execute();
}
