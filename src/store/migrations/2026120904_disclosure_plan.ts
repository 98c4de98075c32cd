import type { Kysely } from "kysely";
import type { DialectName } from "../database.js";

/**
 * `cases.disclosure_due_at`: the earliest due date of an open task of the case's disclosure plan
 * (the policy's `disclosure.phases[].actions[]`, src/domain/disclosure/plan.ts), as ISO text; null
 * when none is open or the plan has no dated task yet. It joins `next_due_at`
 * (src/store/deadlines.ts); the tasks themselves live in the case's encrypted events. Kept by the
 * plan's commands (src/commands/disclosure-plan.ts) and by the timer worker, which sees the changes
 * other commands make (the fix release dates the tasks, closing the case completes one).
 * Nullable: adding it changes no row.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("cases").addColumn("disclosure_due_at", "text").execute();
}

export async function down(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("cases").dropColumn("disclosure_due_at").execute();
}
