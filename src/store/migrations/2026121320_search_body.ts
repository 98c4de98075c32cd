import { type Kysely, sql } from "kysely";
import type { DialectName } from "../database.js";

/**
 * `cases.search_index_version`: whether the case's blind index (`case_title_terms`, see
 * src/store/search-index.ts) holds its report and conversation too (2), or they are still to be
 * indexed (null: every case until now, whose title alone is indexed, and every new report, whose
 * other texts are indexed off the intake path). The rows need the data keys to be made, which a
 * migration does not have: `indexPendingCases` makes them, at server start and before a search.
 *
 * A column rather than a new table: the report's and conversation's words go in the same table as
 * the title's (a word anywhere in the case matches). Adding a nullable column changes no row. The
 * partial index holds only the pending cases, so looking for them before every search costs one
 * lookup, whatever the number of cases.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("cases").addColumn("search_index_version", "integer").execute();
  await db.schema
    .createIndex("cases_search_pending")
    .on("cases")
    .column("id")
    .where(sql.ref("search_index_version"), "is", null)
    .execute();
}

export async function down(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.dropIndex("cases_search_pending").execute();
  await db.schema.alterTable("cases").dropColumn("search_index_version").execute();
}
