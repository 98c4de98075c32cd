import { type Kysely, sql } from "kysely";
import type { DialectName } from "../database.js";

/**
 * A membership may be limited to the cases assigned to the member or to a team group they
 * belong to (issue 16: an outside contractor). `all` (every case of the program) is what every
 * membership before this one meant.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .alterTable("memberships")
    .addColumn("scope", "text", (c) => c.notNull().defaultTo("all").check(sql`scope in ('all', 'assigned')`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("memberships").dropColumn("scope").execute();
}
