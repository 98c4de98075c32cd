import type { Kysely } from "kysely";
import type { DialectName } from "../database.js";

/**
 * Confidential cases (issue 16): `cases.confidential` (1: only the members named in
 * `case_members` may see the case, administrators included) and the names. The list changes only
 * through src/commands/confidentiality.ts, with a `case.confidentiality_changed` event each time.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .alterTable("cases")
    .addColumn("confidential", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable("case_members")
    .addColumn("case_id", "text", (c) => c.notNull().references("cases.id").onDelete("cascade"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("added_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("case_members_pkey", ["case_id", "user_id"])
    .execute();
  await db.schema.createIndex("case_members_user").on("case_members").column("user_id").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("case_members").execute();
  await db.schema.alterTable("cases").dropColumn("confidential").execute();
}
