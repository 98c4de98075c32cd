import type { Kysely } from "kysely";
import type { DialectName } from "../database.js";

/**
 * `cases.opened_by`: the team member who opened the case, when it is an incident the team logged
 * itself (incident.register; src/commands/open-incident.ts) rather than a report; null for
 * reports. Its `source` stays the door it came through (the staff form: `web`; the API: `api`).
 *
 * A column of its own rather than a new `source` value: `source` has a check constraint, and
 * SQLite changes one only by rebuilding `cases`, which the tables that reference it forbid inside
 * the migration's transaction. Adding a nullable column changes no row.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("cases").addColumn("opened_by", "text").execute();
}

export async function down(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("cases").dropColumn("opened_by").execute();
}
