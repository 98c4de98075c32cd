import type { Transaction } from "kysely";
import { decryptText, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { acknowledgementClock, acknowledgementDueAt } from "../domain/clocks/case-clocks.js";
import { type Pause, type StateChange, waitingForReporter } from "../domain/clocks/pauses.js";
import { describeOwed, productionReleasesOwed } from "../domain/disclosure/affected.js";
import { checklistMarks, doneKeys } from "../domain/incident/checklist.js";
import { type RegisterGates, registerGates, resolutionChecklist } from "../domain/incident/register.js";
import { changesWaiting, timestampsAfterMove } from "../domain/lifecycle/case-timestamps.js";
import {
  type CaseState,
  type ClosingOutcome,
  decideTransition,
  isCaseState,
  isClosingOutcome,
  type TransitionInput,
} from "../domain/lifecycle/index.js";
import { transitionRules } from "../domain/lifecycle/policy-rules.js";
import type { LoadedPolicy } from "../policy/loader.js";
import type { Policy } from "../policy/schema.js";
import { aad } from "../store/aad.js";
import type { Json } from "../store/canonical-json.js";
import { CaseNotFoundError } from "../store/cases.js";
import type { NewEvent } from "../store/event-log.js";
import { sha256Hex } from "../store/ids.js";
import type { DatabaseSchema } from "../store/schema.js";
import {
  AgreementNotPendingError,
  DuplicateOfUnknownError,
  InvalidCaseCommandError,
  TransitionRefused,
} from "../store/staff-errors.js";
import { domainEventType, stateChangedPayload, toJsonObject } from "../store/staff-events.js";
import { checkActor, type TeamActor } from "../store/staff-validation.js";
import { publishCase, readAffectedMatrix } from "./affected.js";
import { agreementFactsOf } from "./agreement.js";
import { type CaseDeps, type CaseRow, type CommandDeps, runCaseCommand, type Trx } from "./case-change.js";
import { readIncidentWork } from "./incident-work.js";

// ---------------------------------------------------------------------------------------------
// Lifecycle

/** What the caller decides; the store adds the current state, the case id and the instant. */
export type TransitionRequest = Omit<TransitionInput, "from" | "caseId" | "now">;

export interface TransitionResult {
  from: CaseState;
  to: CaseState;
  outcome: ClosingOutcome | null;
  reporterMessage: string | null;
  agreementDueAt: Date | null;
  /** The event types written, in order. */
  events: string[];
}

/**
 * The store's names for the lifecycle's events. The state change is recorded once, as the
 * reporter-visible `case.state_changed` that also carries what the reporter is told; other
 * hyphenated domain names become the store's snake_case ones.
 */
const DOMAIN_EVENT_NAMES: Readonly<Record<string, string>> = {
  "case.state-changed": "case.state_changed",
  "case.duplicate-marked": "case.duplicate_marked",
  "case.reporter-agreement-requested": "case.agreement_requested",
};
const storeEventType = (type: string): string => DOMAIN_EVENT_NAMES[type] ?? type.replaceAll("-", "_");

/** What the policy adds to a transition beyond the lifecycle's rules (the store knows no policy). */
export interface TransitionOptions {
  /**
   * When the acknowledgement falls due for a case received at `receivedAt` that waited for its
   * reporter during `waiting` (src/domain/clocks/case-clocks.ts acknowledgementDueAt). Given when
   * the policy's acknowledgement clock pauses while waiting for the reporter: moving into or out
   * of `needs-info` then recomputes `acknowledge_by`, so the inbox (which sorts on the row's
   * columns, not on the events) and the reporter's page show the deadline the clock really has.
   */
  acknowledgementDueAt?: (receivedAt: Date, waiting: readonly Pause[]) => Date | null;
  /** The incident register's gates for the locked case (src/domain/incident/register.ts). */
  gates?: (row: CaseRow, trx: Trx) => Promise<RegisterGates>;
  /** Publishes the case's affected releases when it moves to `disclosed`, in the move's transaction. */
  disclosed?: (row: CaseRow, trx: Trx) => Promise<void>;
}

/**
 * Moves the case to another state when the lifecycle (src/domain/lifecycle) allows it, and throws
 * TransitionRefused (writing nothing) when it does not. Records `case.state_changed` (the reporter
 * sees its message) and the decision's other events; keeps outcome, duplicate_of, the lifecycle
 * timestamps, the agreement deadline and (see TransitionOptions) the acknowledgement deadline on
 * the case row.
 */
export async function transition(
  deps: CaseDeps,
  caseId: string,
  actor: TeamActor,
  request: TransitionRequest,
  at: Date,
  options: TransitionOptions = {},
): Promise<TransitionResult> {
  const { keyring } = deps;
  const { disclosed } = options;
  checkActor(actor);
  return runCaseCommand(deps, { id: caseId }, at, async (row, trx) => {
    if (!isCaseState(row.state)) throw new Error(`case ${row.id} is in an unknown state "${row.state}"`);
    const from = row.state;
    const gates = await options.gates?.(row, trx);
    const decision = decideTransition({
      ...request,
      from,
      caseId: row.id,
      now: at,
      ...(gates === undefined ? {} : { gates }),
    });
    if (!decision.ok) throw new TransitionRefused(decision);

    // A wait for the reporter begins or ends: the acknowledgement deadline moves (null while the
    // case waits: nothing is due while paused). Once acknowledged, that clock has stopped.
    let acknowledgeBy = row.acknowledge_by;
    const dueAt = options.acknowledgementDueAt;
    if (dueAt !== undefined && row.acknowledged_at === null && changesWaiting(from, decision.to)) {
      const changes = [...(await stateChanges(trx, keyring, row.id)), { at, from, to: decision.to }];
      acknowledgeBy = dueAt(new Date(row.received_at), waitingForReporter(changes))?.toISOString() ?? null;
    }

    let duplicateOf: string | null = null;
    if (decision.outcome === "duplicate") {
      duplicateOf = request.duplicateOf?.trim() ?? "";
      const original = await trx
        .selectFrom("cases")
        .select("id")
        .where("id", "=", duplicateOf)
        .where("program", "=", row.program)
        .executeTakeFirst();
      if (original === undefined) throw new DuplicateOfUnknownError(duplicateOf);
    }

    const agreementDueAt = decision.agreementDueAt?.toISOString() ?? null;
    const stateChanged: { [key: string]: Json } = {
      from,
      to: decision.to,
      outcome: decision.outcome,
      reporterMessage: decision.reporterMessage,
      agreementDueAt,
    };
    let statePayload = stateChanged;
    const others: NewEvent[] = [];
    for (const event of decision.events) {
      const type = storeEventType(event.type);
      const payload = toJsonObject(event.payload, event.type);
      if (type === "case.state_changed") statePayload = { ...payload, ...stateChanged };
      else others.push({ type: domainEventType(type), actor, at, payload });
    }
    if (agreementDueAt !== null && !others.some((event) => event.type === "case.agreement_requested")) {
      others.push({ type: "case.agreement_requested", actor, at, payload: { dueAt: agreementDueAt } });
    }
    if (duplicateOf !== null && !others.some((event) => event.type === "case.duplicate_marked")) {
      others.push({ type: domainEventType("case.duplicate_marked"), actor, at, payload: { duplicateOf } });
    }
    const events: NewEvent[] = [{ type: "case.state_changed", actor, at, payload: statePayload }, ...others];

    const to = decision.to;
    const stamps = timestampsAfterMove(
      { triagedAt: row.triaged_at, fixedAt: row.fixed_at, agreementDueAt: row.agreement_due_at },
      to,
      at,
      decision.agreementDueAt,
    );
    return {
      result: {
        from,
        to,
        outcome: decision.outcome,
        reporterMessage: decision.reporterMessage,
        agreementDueAt: decision.agreementDueAt,
        events: events.map((event) => event.type),
      },
      events,
      set: {
        state: to,
        outcome: decision.outcome,
        duplicate_of: duplicateOf,
        closed_at: stamps.closedAt,
        triaged_at: stamps.triagedAt,
        fixed_at: stamps.fixedAt,
        agreement_due_at: stamps.agreementDueAt,
        acknowledge_by: acknowledgeBy,
      },
      ...(to === "disclosed" && disclosed !== undefined
        ? { write: (writeTrx: Trx) => disclosed(row, writeTrx) }
        : {}),
    };
  });
}

/** The case's recorded state changes, read (and decrypted) inside the command's transaction. */
async function stateChanges(
  trx: Transaction<DatabaseSchema>,
  keyring: Keyring,
  caseId: string,
): Promise<StateChange[]> {
  const rows = await trx
    .selectFrom("case_events")
    .select(["seq", "at", "payload_ct"])
    .where("case_id", "=", caseId)
    .where("type", "=", "case.state_changed")
    .orderBy("seq")
    .execute();
  await keyring.ensure(
    rows.map((r) => keyIdOf(r.payload_ct)),
    trx,
  );
  return rows.flatMap((r) => {
    const payload = stateChangedPayload.safeParse(
      JSON.parse(decryptText(keyring, r.payload_ct, aad.event(caseId, r.seq))),
    ).data;
    return payload === undefined ? [] : [{ at: new Date(r.at), from: payload.from, to: payload.to }];
  });
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const MAX_COMMENT_LENGTH = 10_000;

/**
 * The reporter's answer to "does the fix resolve your report?" (reporter-visible), through their
 * case link. Only while an agreement is pending; the answer ends it. Unknown links throw
 * CaseNotFoundError, as any other unknown case.
 */
export async function respondToAgreement(
  deps: CaseDeps,
  reporterToken: string,
  agree: boolean,
  comment: string,
  at: Date,
): Promise<{ caseId: string; seq: number }> {
  if (!TOKEN.test(reporterToken)) throw new CaseNotFoundError("(reporter link)");
  if (comment.length > MAX_COMMENT_LENGTH) {
    throw new InvalidCaseCommandError("comment", `at most ${MAX_COMMENT_LENGTH} characters`);
  }
  return runCaseCommand(deps, { tokenHash: sha256Hex(reporterToken) }, at, (row) => {
    if (row.agreement_due_at === null) throw new AgreementNotPendingError();
    return {
      result: { caseId: row.id, seq: row.event_count + 1 },
      events: [{ type: "reporter.agreement", actor: "reporter", at, payload: { agree, comment } }],
      set: { agreement_due_at: null },
    };
  });
}

export interface TransitionAsk {
  to: string;
  outcome?: string | undefined;
  duplicateOf?: string | undefined;
}

/**
 * Moves a case. Throws InvalidCaseCommandError for a state or outcome that does not exist,
 * TransitionRefused when the lifecycle refuses, DuplicateOfUnknownError for an unknown original.
 */
export async function moveCase(
  deps: CommandDeps,
  program: LoadedPolicy,
  caseId: string,
  actor: TeamActor,
  ask: TransitionAsk,
): Promise<TransitionResult> {
  const to = ask.to.trim();
  if (!isCaseState(to)) throw new InvalidCaseCommandError("to", `"${to.slice(0, 40)}" is not a case state`);
  const outcome = ask.outcome?.trim() || undefined;
  if (outcome !== undefined && !isClosingOutcome(outcome)) {
    throw new InvalidCaseCommandError("outcome", `"${outcome.slice(0, 40)}" is not a closing outcome`);
  }
  const duplicateOf = ask.duplicateOf?.trim() || undefined;
  const now = deps.clock();
  return transition(
    deps,
    caseId,
    actor,
    {
      ...transitionRules(program.policy, now),
      to,
      ...(outcome === undefined ? {} : { outcome }),
      ...(duplicateOf === undefined ? {} : { duplicateOf }),
    },
    now,
    {
      gates: (row, trx) => gatesOf(deps, program.policy, row, trx),
      disclosed: (row, trx) => publishCase(trx, deps.keyring, program.policy, row, now),
      ...(acknowledgementClock(program.policy)?.pausesWhileWaitingForReporter === true
        ? {
            acknowledgementDueAt: (receivedAt: Date, waiting: readonly Pause[]) =>
              acknowledgementDueAt(program.policy, receivedAt, waiting),
          }
        : {}),
    },
  );
}

/** The register's gates for the locked case; its checklist is read only when the policy has one. */
async function gatesOf(deps: CaseDeps, policy: Policy, row: CaseRow, trx: Trx): Promise<RegisterGates> {
  const checklist =
    resolutionChecklist(policy).length === 0
      ? []
      : (await readIncidentWork(trx, deps.keyring, row.id)).checklist;
  const owed =
    policy.incident.fixAllProductionReleases === true
      ? productionReleasesOwed(policy, await readAffectedMatrix(trx, deps.keyring, policy, row.id)).map(
          describeOwed,
        )
      : [];
  return registerGates(policy, {
    productionReleasesOwed: owed,
    dueAt: row.due_at,
    priority: row.priority,
    severity: row.severity,
    cwe: row.cwe,
    resolutionDone: doneKeys(checklistMarks(checklist), "resolution"),
    ...(await agreementFactsOf(deps, policy, row, trx)),
  });
}
