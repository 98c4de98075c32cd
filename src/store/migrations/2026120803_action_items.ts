import { type Kysely, sql } from "kysely";

/**
 * The case's work items with a due date of their own (src/domain/incident/action-items.ts):
 *
 * - `case_action_items`: one row per postmortem action item (a process or code change, with its
 *   owner and due date), and one per channel of the task to tell affected users once it is done.
 *   Only what the clocks need, in plain columns: which item, whose, due when, done when. What the
 *   items say (titles, notes) is case content and lives in the case's encrypted, hash-chained
 *   events, which the case page reads; this table is their index for the timer worker and the
 *   inbox, written in the same transaction as the events. Ids are per case ("1", "2", … for
 *   action items; `notify-<channel>` for the user notification task).
 * - `cases.action_items_due_at`: the earliest due date of an open row, kept by the commands that
 *   change them, so `next_due_at` (src/store/deadlines.ts) can include it without a join.
 */
const KINDS = sql`('process', 'code', 'user-notification')`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("case_action_items")
    .addColumn("case_id", "text", (c) => c.notNull().references("cases.id").onDelete("cascade"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ${KINDS}`))
    .addColumn("owner", "text")
    .addColumn("due_at", "text", (c) => c.notNull())
    .addColumn("done_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("case_action_items_pkey", ["case_id", "id"])
    .execute();
  // "What do I own that is open?" across cases, for a later overview of a member's items.
  await db.schema.createIndex("case_action_items_owner").on("case_action_items").column("owner").execute();
  await db.schema.alterTable("cases").addColumn("action_items_due_at", "text").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("cases").dropColumn("action_items_due_at").execute();
  await db.schema.dropTable("case_action_items").execute();
}
