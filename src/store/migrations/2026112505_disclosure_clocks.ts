import type { Kysely } from "kysely";

/**
 * The facts the disclosure clocks run on (src/domain/clocks/disclosure.ts), one nullable
 * timestamp column each on `cases`:
 *
 * - `fix_released_at`: when the fix was released; the policy's disclosure phases (relative to the
 *   fix release) and clocks that start at `fix-released` run from it.
 * - `privacy_incident_at`: since when the case is a privacy incident (the team became aware); the
 *   policy's `disclosure.authorityNotification` clock starts then.
 * - `authority_notify_by`: that clock's deadline, set with `privacy_incident_at` from the policy,
 *   so `next_due_at` (src/store/deadlines.ts) can include it without the policy.
 * - `authority_notified_at`: when the authority was notified; stops that clock.
 *
 * SQLite adds one column per ALTER TABLE, so each is its own statement.
 */
const CASE_COLUMNS = [
  "fix_released_at",
  "privacy_incident_at",
  "authority_notify_by",
  "authority_notified_at",
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of CASE_COLUMNS) {
    await db.schema.alterTable("cases").addColumn(column, "text").execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of [...CASE_COLUMNS].reverse()) {
    await db.schema.alterTable("cases").dropColumn(column).execute();
  }
}
