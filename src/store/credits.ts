import type { Kysely, Transaction } from "kysely";
import { z } from "zod";
import { decryptText, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { disclosedAtOf } from "../domain/announcements/publish-gate.js";
import { embargoEnd } from "../domain/clocks/disclosure.js";
import {
  CREDIT_CHANGED_EVENT,
  type CreditStatus,
  type CreditStatusFacts,
  creditStatus,
} from "../domain/credit/choice.js";
import type { CreditChoice } from "../domain/credit/rules.js";
import type { PublishedCredit } from "../domain/credit/snippet.js";
import { withMovedDates } from "../domain/disclosure/plan.js";
import type { Policy } from "../policy/schema.js";
import { aad } from "./aad.js";
import { caseEventsOfTypes, type DecryptedEvent } from "./case-event-read.js";
import { reportSchema } from "./cases.js";
import { clockFactsOfRow } from "./clock-facts.js";
import { PLAN_EVENT_TYPES, planRecordsOf } from "./disclosure-plan.js";
import type { CasesTable, DatabaseSchema } from "./schema.js";

/**
 * The reporter's credit as the store holds it: the report's original choice (in `report_ct`), the
 * reporter's changes (`reporter.credit_changed` events, encrypted like every payload) and the
 * team's marks that the credit was given in a place (`case.credit_given`). The rules are pure
 * (src/domain/credit); this module reads their facts.
 */

type Db = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;

export const creditChoiceSchema = z.object({
  mode: z.enum(["name", "handle", "anonymous"]),
  name: z.string().optional(),
  link: z.string().optional(),
});
export const creditChangedPayload = z.object({ credit: creditChoiceSchema });
export const creditGivenPayload = z.object({ place: z.string(), note: z.string() });

const STATE_CHANGED = "case.state_changed";
const FACT_EVENTS = [STATE_CHANGED, CREDIT_CHANGED_EVENT, ...PLAN_EVENT_TYPES];

/** The reporter's changes of their choice among a case's events, oldest first (unreadable ones skipped). */
export function creditChangesOf(events: readonly Pick<DecryptedEvent, "type" | "payload">[]): CreditChoice[] {
  return events.flatMap((event) => {
    if (event.type !== CREDIT_CHANGED_EVENT) return [];
    const parsed = creditChangedPayload.safeParse(event.payload);
    return parsed.success ? [stripUndefined(parsed.data.credit)] : [];
  });
}

function stripUndefined(choice: z.infer<typeof creditChoiceSchema>): CreditChoice {
  return {
    mode: choice.mode,
    ...(choice.name === undefined ? {} : { name: choice.name }),
    ...(choice.link === undefined ? {} : { link: choice.link }),
  };
}

/** The credit facts of a case from its row (the report decrypted) and events, at `now`. */
export async function caseCreditFacts(
  db: Db,
  keyring: Keyring,
  policy: Policy,
  row: CasesTable,
  now: Date,
): Promise<CreditStatusFacts> {
  await keyring.ensure([keyIdOf(row.report_ct)], db);
  const report = reportSchema.parse(JSON.parse(decryptText(keyring, row.report_ct, aad.report(row.id))));
  const events = await caseEventsOfTypes(db, keyring, row.id, FACT_EVENTS);
  const facts = withMovedDates(clockFactsOfRow(row, undefined), planRecordsOf(events));
  return {
    original: stripUndefined(report.credit),
    changes: creditChangesOf(events),
    state: row.state,
    outcome: row.outcome,
    fixedAt: row.fixed_at === null ? null : new Date(row.fixed_at),
    closedAt: row.closed_at === null ? null : new Date(row.closed_at),
    disclosedAt: disclosedAtOf(events),
    embargo: embargoEnd(policy, facts, now),
  };
}

/** A case's credit status (choice, decision, publication) at `now`; undefined for an unknown case. */
export async function readCreditStatus(
  db: Db,
  keyring: Keyring,
  policy: Policy,
  caseId: string,
  now: Date,
): Promise<CreditStatus | undefined> {
  const row = await db.selectFrom("cases").selectAll().where("id", "=", caseId).executeTakeFirst();
  if (row === undefined) return undefined;
  return creditStatus(policy, await caseCreditFacts(db, keyring, policy, row, now));
}

/**
 * The credits the program has published by `now`, newest first: the credited reporters (by the
 * policy's rules) of its cases whose credit is published, with the case's CVE id and when it was
 * published. Never a case id or a title. `since`: only those published on or after it.
 */
export async function readPublishedCredits(
  db: Db,
  keyring: Keyring,
  policy: Policy,
  now: Date,
  since?: Date,
): Promise<PublishedCredit[]> {
  if (policy.recognition.credit === undefined) return [];
  const rows = await db
    .selectFrom("cases")
    .selectAll()
    .where("program", "=", policy.program.slug)
    .where((eb) =>
      eb.or([
        eb("state", "=", "disclosed"),
        eb.and([eb("state", "=", "closed"), eb("outcome", "=", "resolved")]),
      ]),
    )
    .orderBy("id")
    .execute();
  if (rows.length === 0) return [];
  const cves = await db
    .selectFrom("case_identifiers")
    .select(["case_id", "value"])
    .where("program", "=", policy.program.slug)
    .where("kind", "=", "cve")
    .where(
      "case_id",
      "in",
      rows.map((row) => row.id),
    )
    .orderBy("value")
    .execute();
  const cveOf = new Map<string, string>();
  for (const cve of cves) if (!cveOf.has(cve.case_id)) cveOf.set(cve.case_id, cve.value);

  const credits: (PublishedCredit & { order: string })[] = [];
  for (const row of rows) {
    const status = creditStatus(policy, await caseCreditFacts(db, keyring, policy, row, now));
    if (!status.publication.published || !status.decision.credited) continue;
    const at = status.publication.at;
    if (since !== undefined && (at === null || at < since)) continue;
    credits.push({
      name: status.decision.name,
      link: status.decision.link,
      cveId: cveOf.get(row.id) ?? null,
      publishedAt: at,
      order: `${at?.toISOString() ?? ""}\u0000${row.received_at}`,
    });
  }
  credits.sort((a, b) => (a.order < b.order ? 1 : a.order > b.order ? -1 : 0));
  return credits.map(({ order: _order, ...credit }) => credit);
}
