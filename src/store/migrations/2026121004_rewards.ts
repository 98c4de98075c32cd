import { type Kysely, sql } from "kysely";

/**
 * Rewards (issue 13, `recognition.reward`; rules in src/domain/rewards/decision.ts).
 *
 * - `case_rewards`: a projection of the case's reward events (`reward.proposed`, `.approved`,
 *   `.paid`, `.declined`, `.withdrawn`), one row per case with its latest proposal, for the
 *   finance export and listings. Written only by the commands of src/commands/rewards.ts, in the
 *   same transaction as the events they append through runCaseCommand; the chain keeps the
 *   history, this row the present (like `problem_cases`). The amount, currency, gift and the
 *   payment's facts are confidential: one encrypted JSON (`amount_ct`, AAD
 *   `case-reward:<case id>:amount`); the status and the kind are plaintext, as a case's state is.
 */
const STATUSES = sql`('proposed', 'approved', 'paid', 'declined', 'withdrawn')`;
const KINDS = sql`('bounty', 'gift')`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("case_rewards")
    .addColumn("case_id", "text", (c) => c.primaryKey().references("cases.id"))
    .addColumn("program", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ${STATUSES}`))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ${KINDS}`))
    .addColumn("amount_ct", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("case_rewards_program").on("case_rewards").column("program").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("case_rewards").execute();
}
