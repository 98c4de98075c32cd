import { type Kysely, sql } from "kysely";
import type { DialectName } from "../database.js";

/**
 * Report intake: data keys, cases, the hash-chained event log and attachments. Column types are
 * the portable subset (text, integer, and blob/bytea for encrypted attachment bytes);
 * timestamps are ISO-8601 UTC text, see src/store/schema.ts.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable("encryption_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("wrapped_key", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("retired_at", "text")
    .execute();

  await db.schema
    .createTable("cases")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("program", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull().check(sql`source in ('web', 'api', 'email')`))
    .addColumn("asset_id", "text")
    .addColumn("received_at", "text", (c) => c.notNull())
    .addColumn("acknowledge_by", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("reporter_token_hash", "text", (c) => c.notNull().unique())
    .addColumn("report_ct", "text", (c) => c.notNull())
    .addColumn("contact_ct", "text")
    .addColumn("event_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_event_hash", "text", (c) => c.notNull())
    .execute();
  // The inbox: a program's cases in one state, newest or oldest first.
  await db.schema
    .createIndex("cases_program_state_received_at")
    .on("cases")
    .columns(["program", "state", "received_at"])
    .execute();
  // Across programs: by arrival, and by the acknowledgement deadline (clocks, escalation).
  await db.schema.createIndex("cases_received_at").on("cases").column("received_at").execute();
  await db.schema.createIndex("cases_acknowledge_by").on("cases").column("acknowledge_by").execute();

  await db.schema
    .createTable("case_events")
    .addColumn("case_id", "text", (c) => c.notNull().references("cases.id"))
    .addColumn("seq", "integer", (c) => c.notNull().check(sql`seq >= 1`))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("payload_ct", "text", (c) => c.notNull())
    .addColumn("prev_hash", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("case_events_pkey", ["case_id", "seq"])
    .execute();

  await db.schema
    .createTable("attachments")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("case_id", "text", (c) => c.notNull().references("cases.id"))
    .addColumn("event_seq", "integer", (c) => c.notNull())
    .addColumn("meta_ct", "text", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("data", dialect === "postgres" ? "bytea" : "blob", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("uploaded_by", "text", (c) => c.notNull().check(sql`uploaded_by in ('reporter', 'team')`))
    .addForeignKeyConstraint("attachments_event_fkey", ["case_id", "event_seq"], "case_events", [
      "case_id",
      "seq",
    ])
    .execute();
  await db.schema.createIndex("attachments_case_id").on("attachments").column("case_id").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("attachments").execute();
  await db.schema.dropTable("case_events").execute();
  await db.schema.dropTable("cases").execute();
  await db.schema.dropTable("encryption_keys").execute();
}
