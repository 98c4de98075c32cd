import { type Kysely, sql } from "kysely";

/**
 * Durable timers and the notification outbox (src/jobs/).
 *
 * - `case_timers`: one row per case that has had a change: written by every case
 *   command in the same transaction as its change (due at once: "look at this case"), and then
 *   moved by the timer worker to the case's next escalation step. When there is none the row is
 *   kept, due 9999-12-31 (src/jobs/timer-worker.ts NEVER): it remembers which events were already
 *   told of (`processed_seq`), and the case's next change makes it due again.
 *   A tick reads only rows with `due_at <= now` through the index, so its cost follows what is
 *   due, not how many cases are open.
 * - `case_escalations`: the escalation steps already taken (their idempotency keys), so a step is
 *   taken once however often the schedule is recomputed.
 * - `outbox`: notifications to deliver, each with a unique idempotency key that receivers see;
 *   workers lease rows (`lease_until`) so two instances never send the same row at once, and a
 *   crash between sending and marking sent leads to a resend with the same key.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("case_timers")
    .addColumn("case_id", "text", (c) => c.primaryKey().references("cases.id").onDelete("cascade"))
    .addColumn("due_at", "text", (c) => c.notNull())
    .addColumn("processed_seq", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_error", "text")
    .execute();
  await db.schema.createIndex("case_timers_due_at").on("case_timers").column("due_at").execute();

  await db.schema
    .createTable("case_escalations")
    .addColumn("step_key", "text", (c) => c.primaryKey())
    .addColumn("case_id", "text", (c) => c.notNull().references("cases.id").onDelete("cascade"))
    .addColumn("at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("case_escalations_case_id").on("case_escalations").column("case_id").execute();

  await db.schema
    .createTable("outbox")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("idempotency_key", "text", (c) => c.notNull().unique())
    .addColumn("program", "text", (c) => c.notNull())
    .addColumn("case_id", "text", (c) => c.references("cases.id").onDelete("set null"))
    .addColumn("channel", "text", (c) => c.notNull().check(sql`channel in ('email', 'webhook')`))
    /** `email`, or `webhook:<id>` of the program's policy: never an address. */
    .addColumn("destination", "text", (c) => c.notNull())
    .addColumn("event", "text", (c) => c.notNull())
    .addColumn("message_ct", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('pending', 'sent', 'failed')`))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "text", (c) => c.notNull())
    .addColumn("lease_until", "text")
    .addColumn("leased_by", "text")
    .addColumn("last_error", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("sent_at", "text")
    .execute();
  await db.schema
    .createIndex("outbox_status_next_attempt_at")
    .on("outbox")
    .columns(["status", "next_attempt_at"])
    .execute();
  await db.schema.createIndex("outbox_case_id").on("outbox").column("case_id").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("outbox").execute();
  await db.schema.dropTable("case_escalations").execute();
  await db.schema.dropTable("case_timers").execute();
}
