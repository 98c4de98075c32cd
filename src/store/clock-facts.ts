import type { Kysely, Transaction } from "kysely";
import { keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import type { CaseClockFacts } from "../domain/clocks/case-clocks.js";
import { type StateChange, waitingForReporter } from "../domain/clocks/pauses.js";
import type { Policy } from "../policy/schema.js";
import { aad } from "./aad.js";
import { openEventPayload } from "./case-keys.js";
import type { CasesTable, DatabaseSchema } from "./schema.js";

/**
 * A case's clock facts (src/domain/clocks) from its row and, when a clock of the policy needs
 * them, two things only its encrypted events know: the reporter's agreement and the waits for
 * the reporter. Shared by the timer worker (one case, in its transaction) and the inbox (a page of
 * cases, in one query).
 */

/** The case columns the clocks read. */
export type ClockColumns = Pick<
  CasesTable,
  | "received_at"
  | "severity"
  | "acknowledged_at"
  | "first_team_reply_at"
  | "detailed_response_at"
  | "triaged_at"
  | "fixed_at"
  | "closed_at"
  | "fix_released_at"
  | "outcome"
  | "privacy_incident_at"
  | "authority_notified_at"
  | "due_at"
>;

export const CLOCK_COLUMNS = [
  "received_at",
  "severity",
  "acknowledged_at",
  "first_team_reply_at",
  "detailed_response_at",
  "triaged_at",
  "fixed_at",
  "closed_at",
  "fix_released_at",
  "outcome",
  "privacy_incident_at",
  "authority_notified_at",
  "due_at",
] as const satisfies readonly (keyof ClockColumns)[];

/** Which events a policy's clocks need: reading them costs a query and a decryption each. */
export interface ClockNeeds {
  agreement: boolean;
  waits: boolean;
  /**
   * The case's work items (`case_action_items`: postmortem action items, telling affected users):
   * a query of plain columns, no decryption. Absent: not read.
   */
  actionItems?: boolean;
}

export function clockNeeds(policy: Policy): ClockNeeds {
  const clocks = policy.serviceLevels.clocks;
  return {
    agreement: clocks.some((clock) => clock.stopsWhen === "reporter-agreed"),
    waits: clocks.some((clock) => clock.pausesWhileWaitingForReporter),
    actionItems: policy.incident.phases.length > 0 || policy.disclosure.userNotification !== undefined,
  };
}

export interface ClockHistory {
  reporterAgreedAt: Date | null;
  /** Present when the waits were read (ClockNeeds.waits). */
  stateChanges?: StateChange[];
  /** Present when the work items were read (ClockNeeds.actionItems). */
  actionItems?: NonNullable<CaseClockFacts["actionItems"]>[number][];
}

/** The clock histories of the given cases, each read as far as its needs say. */
export async function clockHistories(
  db: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>,
  keyring: Keyring,
  cases: readonly { id: string; needs: ClockNeeds }[],
): Promise<Map<string, ClockHistory>> {
  const histories = new Map<string, ClockHistory>(
    cases.map((c) => [
      c.id,
      c.needs.waits ? { reporterAgreedAt: null, stateChanges: [] } : { reporterAgreedAt: null },
    ]),
  );
  await readActionItems(db, histories, cases);
  const types = (needs: ClockNeeds) => [
    ...(needs.agreement ? ["reporter.agreement"] : []),
    ...(needs.waits ? ["case.state_changed"] : []),
  ];
  const wanted = cases.filter((c) => types(c.needs).length > 0);
  if (wanted.length === 0) return histories;
  const rows = await db
    .selectFrom("case_events")
    .select(["case_id", "seq", "type", "at", "payload_ct"])
    .where(
      "case_id",
      "in",
      wanted.map((c) => c.id),
    )
    .where("type", "in", ["reporter.agreement", "case.state_changed"])
    .orderBy("case_id")
    .orderBy("seq")
    .execute();
  const needsOf = new Map(wanted.map((c) => [c.id, types(c.needs)]));
  const relevant = rows.filter((row) => needsOf.get(row.case_id)?.includes(row.type));
  await keyring.ensure(
    relevant.map((row) => keyIdOf(row.payload_ct)),
    db,
  );
  for (const row of relevant) {
    const history = histories.get(row.case_id);
    if (history === undefined) continue;
    // An erased case's events read as ERASED_PAYLOAD: no agreement, no state change to count.
    const payload = openEventPayload(keyring, row.payload_ct, aad.event(row.case_id, row.seq)) as Record<
      string,
      unknown
    >;
    if (row.type === "reporter.agreement" && payload.agree === true)
      history.reporterAgreedAt = new Date(row.at);
    if (
      row.type === "case.state_changed" &&
      typeof payload.from === "string" &&
      typeof payload.to === "string"
    )
      history.stateChanges?.push({ at: new Date(row.at), from: payload.from, to: payload.to });
  }
  return histories;
}

/** Fills in the work items of the cases that need them, in one query. */
async function readActionItems(
  db: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>,
  histories: Map<string, ClockHistory>,
  cases: readonly { id: string; needs: ClockNeeds }[],
): Promise<void> {
  const ids = cases.filter((c) => c.needs.actionItems === true).map((c) => c.id);
  if (ids.length === 0) return;
  for (const id of ids) {
    const history = histories.get(id);
    if (history !== undefined) history.actionItems = [];
  }
  const rows = await db
    .selectFrom("case_action_items")
    .select(["case_id", "id", "owner", "due_at", "done_at"])
    .where("case_id", "in", ids)
    .orderBy("case_id")
    .orderBy("created_at")
    .execute();
  for (const row of rows) {
    histories.get(row.case_id)?.actionItems?.push({
      id: row.id,
      owner: row.owner,
      dueAt: new Date(row.due_at),
      doneAt: row.done_at === null ? null : new Date(row.done_at),
    });
  }
}

/** The clock facts of a case row and its history. */
export function clockFactsOfRow(row: ClockColumns, history: ClockHistory | undefined): CaseClockFacts {
  const date = (value: string | null) => (value === null ? null : new Date(value));
  return {
    receivedAt: new Date(row.received_at),
    severity: row.severity,
    acknowledgedAt: date(row.acknowledged_at),
    firstTeamReplyAt: date(row.first_team_reply_at),
    detailedResponseAt: date(row.detailed_response_at),
    triagedAt: date(row.triaged_at),
    fixedAt: date(row.fixed_at),
    closedAt: date(row.closed_at),
    reporterAgreedAt: history?.reporterAgreedAt ?? null,
    fixReleasedAt: date(row.fix_released_at),
    outcome: row.outcome,
    privacyIncidentAt: date(row.privacy_incident_at),
    authorityNotifiedAt: date(row.authority_notified_at),
    dueAt: date(row.due_at),
    ...(history?.stateChanges === undefined
      ? {}
      : { waitingForReporter: waitingForReporter(history.stateChanges) }),
    ...(history?.actionItems === undefined ? {} : { actionItems: history.actionItems }),
  };
}
