import type { Kysely } from "kysely";
import type { DialectName } from "../database.js";

/**
 * Per-case data keys and erasure (issue 17).
 * - `case_keys`: one key for a case's report, conversation and files (`c-<caseId>`) and one for
 *   the reporter's contact details (`p-<caseId>`), each wrapped by the keyring's data key
 *   (`key_ct`). Erasing sets `key_ct` to null: what was encrypted under it is gone for good
 *   (crypto-shredding), in this database and in every copy made after.
 * - `case_events.payload_digest`: written only when an event's payload is erased, so the hash
 *   chain (which hashes the plaintext's digest) still verifies without the plaintext.
 * - `cases.erased_at`, `cases.contact_erased_at`, `cases.files_erased_at`: what was erased, when.
 * - `backup_log`: the backups `embargo backup` made, so an erasure can name the older ones that
 *   still hold what it erased.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable("case_keys")
    .addColumn("key_id", "text", (c) => c.primaryKey())
    .addColumn("case_id", "text", (c) => c.notNull().references("cases.id").onDelete("cascade"))
    .addColumn("key_ct", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("destroyed_at", "text")
    .execute();
  await db.schema.createIndex("case_keys_case").on("case_keys").column("case_id").execute();
  await db.schema.alterTable("case_events").addColumn("payload_digest", "text").execute();
  await db.schema.alterTable("cases").addColumn("erased_at", "text").execute();
  await db.schema.alterTable("cases").addColumn("contact_erased_at", "text").execute();
  await db.schema.alterTable("cases").addColumn("files_erased_at", "text").execute();
  await db.schema
    .createTable("backup_log")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("file", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("backup_log").execute();
  await db.schema.alterTable("cases").dropColumn("files_erased_at").execute();
  await db.schema.alterTable("cases").dropColumn("contact_erased_at").execute();
  await db.schema.alterTable("cases").dropColumn("erased_at").execute();
  await db.schema.alterTable("case_events").dropColumn("payload_digest").execute();
  await db.schema.dropTable("case_keys").execute();
}
