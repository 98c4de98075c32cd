import { type Kysely, sql } from "kysely";
import type { DialectName } from "../database.js";

/**
 * Mail: the programs' OpenPGP keys, every message received (raw, encrypted, kept even when it
 * cannot be parsed), the Message-IDs that thread replies to their case, and per-case reply
 * addresses.
 *
 * - `program_keys`: a program's key pairs; the private key is encrypted like report content
 *   (AAD `program-key:<fingerprint>`). The newest unretired key signs and is published; older
 *   ones still decrypt mail sent to them.
 * - `inbound_mail`: one row per message accepted by the listener or fetched over IMAP, written
 *   before anything else is done with it, so nothing received is lost. `status` says what became
 *   of it; `problem` why a person must look (a code and a sentence, never content).
 * - `mail_threads`: sha-256 of Message-IDs we sent or received for a case, so In-Reply-To and
 *   References find the case. Never the subject.
 * - `case_reply_addresses`: sha-256 of the token in a case's reply address (`security+<token>@…`).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable("program_keys")
    .addColumn("fingerprint", "text", (c) => c.primaryKey())
    .addColumn("program", "text", (c) => c.notNull())
    .addColumn("public_key", "text", (c) => c.notNull())
    .addColumn("private_key_ct", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("retired_at", "text")
    .execute();
  await db.schema.createIndex("program_keys_program").on("program_keys").column("program").execute();

  await db.schema
    .createTable("inbound_mail")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("received_at", "text", (c) => c.notNull())
    .addColumn("via", "text", (c) => c.notNull().check(sql`via in ('smtp', 'imap')`))
    .addColumn("program", "text")
    .addColumn("case_id", "text", (c) => c.references("cases.id").onDelete("set null"))
    .addColumn("message_id_hash", "text")
    .addColumn("raw_ct", dialect === "postgres" ? "bytea" : "blob", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .check(
          sql`status in ('received', 'case-opened', 'case-reply', 'duplicate', 'auto-reply', 'needs-attention', 'dismissed')`,
        ),
    )
    .addColumn("problem", "text")
    .addColumn("handled_at", "text")
    .execute();
  await db.schema
    .createIndex("inbound_mail_status")
    .on("inbound_mail")
    .columns(["status", "received_at"])
    .execute();
  await db.schema
    .createIndex("inbound_mail_message_id_hash")
    .on("inbound_mail")
    .column("message_id_hash")
    .execute();

  await db.schema
    .createTable("mail_threads")
    .addColumn("message_id_hash", "text", (c) => c.primaryKey())
    .addColumn("case_id", "text", (c) => c.notNull().references("cases.id").onDelete("cascade"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("case_reply_addresses")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("case_id", "text", (c) => c.notNull().unique().references("cases.id").onDelete("cascade"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("case_reply_addresses").execute();
  await db.schema.dropTable("mail_threads").execute();
  await db.schema.dropTable("inbound_mail").execute();
  await db.schema.dropTable("program_keys").execute();
}
