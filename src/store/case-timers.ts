import type { Transaction } from "kysely";
import type { DatabaseSchema } from "./schema.js";

/**
 * "Look at this case now": every command that changes a case calls this inside its own
 * transaction, so the timer worker (src/jobs/timer-worker.ts) is sure to see the change (new
 * events to notify about, clocks that started or stopped) even if the process dies right after
 * the commit. The worker then moves `due_at` to the case's next escalation step.
 */
export async function wakeCase(trx: Transaction<DatabaseSchema>, caseId: string, at: Date): Promise<void> {
  const dueAt = at.toISOString();
  await trx
    .insertInto("case_timers")
    .values({ case_id: caseId, due_at: dueAt, processed_seq: 0, attempts: 0, last_error: null })
    .onConflict((conflict) => conflict.column("case_id").doUpdateSet({ due_at: dueAt, attempts: 0 }))
    .execute();
}
