import type { Kysely } from "kysely";
import type { DialectName } from "../database.js";

/**
 * `case_reads`: when each member last opened each case (issue 15), so the inbox can mark the
 * cases with news from the reporter since (src/store/case-reads.ts). One row per member and case,
 * upserted when the case page is shown to them.
 *
 * `seen_seq` is the last event of the case the page showed them; "news" is a reporter's event
 * after it. Event numbers rather than times: the page's read and the reporter's write can fall in
 * the same millisecond, and a message that came in while the page was being read is still news.
 * `read_at` says when, for people. Internal metadata, like the followers: no content.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable("case_reads")
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("case_id", "text", (c) => c.notNull().references("cases.id"))
    .addColumn("seen_seq", "integer", (c) => c.notNull())
    .addColumn("read_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("case_reads_pkey", ["user_id", "case_id"])
    .execute();
}

export async function down(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.dropTable("case_reads").execute();
}
