import type { Kysely } from "kysely";
import type { DialectName } from "../database.js";

/**
 * `cases.reporter_publishes_at`: the date the reporter told the team they intend to publish on
 * (Kulupu's written warning, `disclosure.reporterWarning`; src/commands/reporter-warning.ts), as
 * the ISO instant of the start of that day (UTC); null when they gave none or withdrew it. It
 * joins `next_due_at` (src/store/deadlines.ts) and the timer worker tells the team once when it
 * comes. The reporter's message stays in the encrypted `reporter.publication_intent` event; only
 * the date is a column, as the other deadlines are. Nullable: adding it changes no row.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("cases").addColumn("reporter_publishes_at", "text").execute();
}

export async function down(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("cases").dropColumn("reporter_publishes_at").execute();
}
