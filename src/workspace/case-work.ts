import { readKey } from "openpgp";
import type { Keyring } from "../crypto/keyring.js";
import { addDuration } from "../domain/calendar/index.js";
import { DAY_MS, localDayIndex, parseIsoDate, toWall, wallToInstant } from "../domain/calendar/time-zone.js";
import {
  acknowledgementClock,
  acknowledgementDueAt,
  type CaseClock,
  type CaseClockFacts,
  caseClocks,
} from "../domain/clocks/case-clocks.js";
import {
  authorityClock,
  authorityDeadline,
  type DisclosurePhaseItem,
  disclosurePhases,
  type EmbargoEnd,
  embargoEnd,
} from "../domain/clocks/disclosure.js";
import { scale } from "../domain/clocks/due-dates.js";
import { type StateChange, waitingForReporter } from "../domain/clocks/pauses.js";
import { normaliseVector } from "../domain/cvss/calculator.js";
import { CvssError, scoreCvss31, scoreCvss40, severityOf } from "../domain/cvss/index.js";
import { findCwe, parseCweId } from "../domain/cwe/index.js";
import { type DuplicateSuggestion, firstReporter, suggestDuplicates } from "../domain/duplicates/index.js";
import {
  allowedTransitions,
  type CaseState,
  CLOSING_OUTCOMES,
  type ClosingOutcome,
  isCaseState,
  isClosingOutcome,
} from "../domain/lifecycle/index.js";
import type { LoadedPolicy } from "../policy/loader.js";
import type { Policy } from "../policy/schema.js";
import type { Store } from "../store/database.js";
import {
  type CvssValue,
  DUPLICATE_TEXT_BYTES,
  duplicateCandidates,
  InvalidCaseCommandError,
  markPrivacyIncident,
  type Priority,
  recordAuthorityNotified,
  recordFixRelease,
  type Severity,
  type StaffCase,
  type StaffEvent,
  type TeamActor,
  type TransitionRequest,
  type TransitionResult,
  type TriageChanges,
  transition,
  updateTriage,
  utf8Prefix,
} from "../store/staff-cases.js";
import { reporterAgreementPayload, stateChangedPayload } from "../store/staff-events.js";

/**
 * The workspace's commands and read models over the staff case store, shared by the staff pages
 * and the staff JSON API: what the policy adds to a transition (no-incident outcome, third-party
 * message, the reporter's agreement), what triage checks against the policy and the catalogues
 * (assets, CWE, CVSS, the severity a score implies), and what a case page shows beside the case
 * (its clocks, likely duplicates, the reporter key's fingerprint). No HTTP here.
 */
export interface WorkspaceDeps {
  store: Store;
  keyring: Keyring;
  clock: () => Date;
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

export interface TransitionAsk {
  to: string;
  outcome?: string | undefined;
  duplicateOf?: string | undefined;
}

/** The policy's part of every transition of `policy`'s cases, decided at `now`. */
export function transitionRules(
  policy: Policy,
  now: Date,
): Omit<TransitionRequest, "to" | "outcome" | "duplicateOf"> {
  const register = policy.incident.register;
  const agreement = register?.reporterAgreement;
  const thirdPartyMessage = policy.scope.thirdPartyReports?.message;
  return {
    noIncidentAllowed: register?.noIncidentOutcome ?? false,
    ...(thirdPartyMessage === undefined ? {} : { thirdPartyMessage }),
    ...(agreement === undefined
      ? {}
      : {
          agreement: {
            required: agreement.required,
            waitForMs:
              addDuration(policy.serviceLevels.calendar, now, scale(agreement.waitFor, 1)).getTime() -
              now.getTime(),
          },
        }),
  };
}

/** The closing outcomes a case in `from` may be closed with under `policy`. */
export function closingOutcomesFor(from: CaseState, policy: Policy): ClosingOutcome[] {
  if (!allowedTransitions(from).includes("closed")) return [];
  const noIncident = policy.incident.register?.noIncidentOutcome ?? false;
  return CLOSING_OUTCOMES.filter(
    (outcome) =>
      (outcome !== "resolved" || from === "fixed" || from === "disclosed") &&
      (outcome !== "no-incident" || noIncident),
  );
}

/**
 * Moves a case. Throws InvalidCaseCommandError for a state or outcome that does not exist,
 * TransitionRefused when the lifecycle refuses, DuplicateOfUnknownError for an unknown original.
 */
export async function moveCase(
  deps: WorkspaceDeps,
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
    deps.store,
    deps.keyring,
    caseId,
    actor,
    {
      ...transitionRules(program.policy, now),
      to,
      ...(outcome === undefined ? {} : { outcome }),
      ...(duplicateOf === undefined ? {} : { duplicateOf }),
    },
    now,
    acknowledgementClock(program.policy)?.pausesWhileWaitingForReporter === true
      ? {
          acknowledgementDueAt: (receivedAt, waiting) =>
            acknowledgementDueAt(program.policy, receivedAt, waiting),
        }
      : {},
  );
}

// ---------------------------------------------------------------------------------------------
// Triage

/** Triage as a person or a client asks for it; a field left out stays as it is, null clears it. */
export interface TriageInput {
  priority?: Priority | null;
  /** "YYYY-MM-DD" (the end of that day in the program's time zone) or an ISO 8601 instant. */
  dueDate?: string | null;
  assetId?: string | null;
  tags?: string[];
  /** "CWE-79" or "79". */
  cwe?: string | null;
  /** Vectors; their scores are computed here. */
  cvss31?: string | null;
  cvss40?: string | null;
  /** Used only while the case has no CVSS score: a score decides the severity. */
  severity?: Severity | null;
}

/**
 * Checks triage against the policy and the catalogues and applies it (one event with the diff).
 * Throws InvalidCaseCommandError naming the field.
 */
export async function triageCase(
  deps: WorkspaceDeps,
  program: LoadedPolicy,
  current: StaffCase,
  actor: TeamActor,
  input: TriageInput,
) {
  const changes = triageChanges(program.policy, current, input);
  return updateTriage(deps.store, deps.keyring, current.id, actor, changes, deps.clock());
}

export function triageChanges(policy: Policy, current: StaffCase, input: TriageInput): TriageChanges {
  const changes: TriageChanges = {};
  if (input.priority !== undefined) changes.priority = input.priority;
  if (input.dueDate !== undefined)
    changes.dueAt =
      input.dueDate === null ? null : parseDueDate(input.dueDate, policy.serviceLevels.calendar.timeZone);
  if (input.assetId !== undefined) {
    if (input.assetId !== null && !policy.scope.inScope.some((asset) => asset.id === input.assetId)) {
      throw new InvalidCaseCommandError("assetId", "not one of this program's in-scope assets");
    }
    changes.assetId = input.assetId;
  }
  if (input.tags !== undefined) changes.tags = input.tags;
  if (input.cwe !== undefined) changes.cwe = input.cwe === null ? null : checkCwe(input.cwe);
  if (input.cvss31 !== undefined) changes.cvss31 = input.cvss31 === null ? null : cvssOf("3.1", input.cvss31);
  if (input.cvss40 !== undefined) changes.cvss40 = input.cvss40 === null ? null : cvssOf("4.0", input.cvss40);

  const cvss31 = changes.cvss31 !== undefined ? changes.cvss31 : current.triage.cvss31;
  const cvss40 = changes.cvss40 !== undefined ? changes.cvss40 : current.triage.cvss40;
  const scored = cvss40 ?? cvss31;
  if (scored !== null) changes.severity = severityOfScore(scored.score);
  else if (input.severity !== undefined) changes.severity = input.severity;
  else if (changes.cvss31 === null || changes.cvss40 === null) changes.severity = null;
  return changes;
}

/** The severity a CVSS score implies ("critical" for 9.0 and up, …). */
export function severityOfScore(score: number): Severity {
  switch (severityOf(score)) {
    case "None":
      return "none";
    case "Low":
      return "low";
    case "Medium":
      return "medium";
    case "High":
      return "high";
    case "Critical":
      return "critical";
  }
}

/** A CWE id of the catalogue, as "CWE-79". */
export function checkCwe(value: string): string {
  const number = parseCweId(value);
  if (number === undefined) throw new InvalidCaseCommandError("cwe", "a CWE id looks like CWE-79 or 79");
  const entry = findCwe(number);
  if (entry === undefined) {
    throw new InvalidCaseCommandError("cwe", `CWE-${number} is not in the CWE catalogue (search it at /cwe)`);
  }
  return entry.id;
}

/** A vector of the given version in canonical form, with its score. */
export function cvssOf(version: "3.1" | "4.0", vector: string): CvssValue {
  const field = version === "3.1" ? "cvss31" : "cvss40";
  const trimmed = vector.trim();
  if (!trimmed.startsWith(`CVSS:${version}/`)) {
    throw new InvalidCaseCommandError(field, `a CVSS ${version} vector starts with "CVSS:${version}/"`);
  }
  try {
    const canonical = normaliseVector(trimmed);
    const score = (version === "3.1" ? scoreCvss31(canonical) : scoreCvss40(canonical)).score;
    return { vector: canonical, score };
  } catch (error) {
    if (error instanceof CvssError) throw new InvalidCaseCommandError(field, error.message);
    throw error;
  }
}

/** Which version a vector is, by its prefix; undefined for neither. */
export function cvssVersionOf(vector: string): "3.1" | "4.0" | undefined {
  const trimmed = vector.trim();
  if (trimmed.startsWith("CVSS:3.1/")) return "3.1";
  if (trimmed.startsWith("CVSS:4.0/")) return "4.0";
  return undefined;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A due date: a calendar date means the end of that day (23:59:59) in the program's time zone;
 * an ISO 8601 instant with its offset is taken as it is.
 */
export function parseDueDate(value: string, timeZone: string): Date {
  const text = value.trim();
  const day = parseIsoDate(text);
  if (day !== undefined) return new Date(wallToInstant(timeZone, (day + 1) * DAY_MS) - 1000);
  if (ISO_INSTANT.test(text)) {
    const date = new Date(text);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new InvalidCaseCommandError("dueAt", "a date such as 2026-12-31");
}

/** The calendar date of a due date in the program's time zone, for a date input. */
export function dueDateInput(dueAt: Date | null, timeZone: string): string {
  if (dueAt === null) return "";
  return new Date(localDayIndex(timeZone, dueAt.getTime()) * DAY_MS).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// What a case page shows beside the case

/** The case's facts the clocks need. */
export function clockFacts(found: StaffCase): CaseClockFacts {
  const agreed = found.events
    .filter((event) => event.type === "reporter.agreement")
    .filter((event) => reporterAgreementPayload.safeParse(event.payload).data?.agree === true)
    .at(-1);
  return {
    receivedAt: found.receivedAt,
    severity: found.triage.severity,
    acknowledgedAt: found.acknowledgedAt,
    firstTeamReplyAt: found.firstTeamReplyAt,
    detailedResponseAt: found.detailedResponseAt,
    triagedAt: found.triagedAt,
    fixedAt: found.fixedAt,
    closedAt: found.closedAt,
    reporterAgreedAt: agreed?.at ?? null,
    fixReleasedAt: found.fixReleasedAt,
    outcome: found.outcome,
    privacyIncidentAt: found.privacyIncidentAt,
    authorityNotifiedAt: found.authorityNotifiedAt,
    waitingForReporter: waitingForReporter(stateChangesOf(found.events)),
  };
}

/** The case's recorded moves between lifecycle states (`case.state_changed` events). */
export function stateChangesOf(events: readonly StaffEvent[]): StateChange[] {
  return events.flatMap((event) => {
    if (event.type !== "case.state_changed") return [];
    const payload = stateChangedPayload.safeParse(event.payload).data;
    return payload === undefined ? [] : [{ at: event.at, from: payload.from, to: payload.to }];
  });
}

/** Every clock of the case: the policy's service levels, then the authority deadline of a privacy incident. */
export function clocksOf(program: LoadedPolicy, found: StaffCase, now: Date): CaseClock[] {
  const facts = clockFacts(found);
  const authority = authorityClock(program.policy, facts, now);
  return [...caseClocks(program.policy, facts, now), ...(authority === null ? [] : [authority])];
}

/** The policy's disclosure plan on the case: when the embargo ends and when each phase falls due. */
export function disclosureOf(
  program: LoadedPolicy,
  found: StaffCase,
  now: Date,
): { embargo: EmbargoEnd | null; phases: DisclosurePhaseItem[] } {
  const facts = clockFacts(found);
  return {
    embargo: embargoEnd(program.policy, facts, now),
    phases: disclosurePhases(program.policy, facts, now),
  };
}

// ---------------------------------------------------------------------------------------------
// Disclosure: the fix release, privacy incidents and the authority

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * An instant as a person or a client gives it: empty is `now`; "YYYY-MM-DD" the start of that day
 * and "YYYY-MM-DDTHH:MM" (a datetime-local input) that wall time, both in the program's time zone;
 * an ISO 8601 instant with its offset as it is. Throws InvalidCaseCommandError naming `field`.
 */
export function parseInstantInput(
  value: string | undefined,
  timeZone: string,
  now: Date,
  field: string,
): Date {
  const text = (value ?? "").trim();
  if (text === "") return now;
  const day = parseIsoDate(text);
  if (day !== undefined) return new Date(wallToInstant(timeZone, day * DAY_MS));
  const local = LOCAL_TIME.exec(text);
  if (local !== null) {
    const [, y, mo, d, h, mi, sec] = local;
    const date = parseIsoDate(`${y}-${mo}-${d}`);
    const hours = Number(h);
    const minutes = Number(mi);
    const seconds = Number(sec ?? "0");
    if (date !== undefined && hours < 24 && minutes < 60 && seconds < 60) {
      return new Date(
        wallToInstant(timeZone, date * DAY_MS + ((hours * 60 + minutes) * 60 + seconds) * 1000),
      );
    }
  }
  if (ISO_INSTANT.test(text)) {
    const date = new Date(text);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new InvalidCaseCommandError(field, "a date and time such as 2026-12-31T14:30, or empty for now");
}

/** The value of a datetime-local input for `date` in the program's time zone ("" for null). */
export function localTimeInput(date: Date | null, timeZone: string): string {
  if (date === null) return "";
  return new Date(toWall(timeZone, date.getTime())).toISOString().slice(0, 16);
}

/** Records the fix release (`when` as parseInstantInput reads it; empty: now). */
export async function recordFixReleaseFor(
  deps: WorkspaceDeps,
  program: LoadedPolicy,
  caseId: string,
  actor: TeamActor,
  when: string | undefined,
) {
  const now = deps.clock();
  const releasedAt = parseInstantInput(
    when,
    program.policy.serviceLevels.calendar.timeZone,
    now,
    "releasedAt",
  );
  return recordFixRelease(deps.store, deps.keyring, caseId, actor, releasedAt, now);
}

/**
 * Marks the case a privacy incident since `since` (empty: now), with the deadline of the policy's
 * `disclosure.authorityNotification`; a program whose policy has none cannot (InvalidCaseCommandError).
 */
export async function markPrivacyIncidentFor(
  deps: WorkspaceDeps,
  program: LoadedPolicy,
  caseId: string,
  actor: TeamActor,
  since: string | undefined,
) {
  const policy = program.policy;
  if (policy.disclosure.authorityNotification === undefined) {
    throw new InvalidCaseCommandError(
      "since",
      `${policy.program.name}'s policy sets no deadline to notify an authority of a privacy incident`,
    );
  }
  const now = deps.clock();
  const start = parseInstantInput(since, policy.serviceLevels.calendar.timeZone, now, "since");
  return markPrivacyIncident(
    deps.store,
    deps.keyring,
    caseId,
    actor,
    { since: start, notifyBy: authorityDeadline(policy, start) },
    now,
  );
}

/** Records that the authority was notified at `when` (empty: now). */
export async function recordAuthorityNotifiedFor(
  deps: WorkspaceDeps,
  program: LoadedPolicy,
  caseId: string,
  actor: TeamActor,
  when: string | undefined,
) {
  const now = deps.clock();
  const notifiedAt = parseInstantInput(
    when,
    program.policy.serviceLevels.calendar.timeZone,
    now,
    "notifiedAt",
  );
  return recordAuthorityNotified(deps.store, deps.keyring, caseId, actor, notifiedAt, now);
}

export interface DuplicateHint extends DuplicateSuggestion {
  title: string;
  receivedAt: Date;
}

/** Cases of the same program that may report the same thing, best first (hints, not decisions). */
export async function likelyDuplicates(
  deps: WorkspaceDeps,
  found: StaffCase,
  limit = 5,
): Promise<DuplicateHint[]> {
  const candidates = await duplicateCandidates(deps.store, deps.keyring, found.id, 200);
  const byId = new Map(candidates.map((candidate) => [candidate.id, candidate]));
  const target = {
    id: found.id,
    assetId: found.assetId,
    title: found.report.title,
    text: utf8Prefix(Object.values(found.report.fields).join("\n\n"), DUPLICATE_TEXT_BYTES),
    receivedAt: found.receivedAt,
  };
  return suggestDuplicates(target, candidates, { limit }).flatMap((suggestion) => {
    const candidate = byId.get(suggestion.id);
    return candidate === undefined
      ? []
      : [{ ...suggestion, title: candidate.title, receivedAt: candidate.receivedAt }];
  });
}

/** The fingerprint of the reporter's OpenPGP key (upper-case hex), or undefined when it does not read as one. */
export async function keyFingerprint(armored: string | undefined): Promise<string | undefined> {
  if (armored === undefined || armored.trim() === "") return undefined;
  try {
    return (await readKey({ armoredKey: armored })).getFingerprint().toUpperCase();
  } catch {
    return undefined;
  }
}

/**
 * Under a policy that credits only the first reporter (`recognition.credit.firstReporterOnly`), the
 * case that keeps the credit when `found` was closed as a duplicate: the earlier received of the
 * case and its original. Undefined otherwise (or when the original is gone).
 */
export async function creditKeeper(
  deps: Pick<WorkspaceDeps, "store">,
  policy: Policy,
  found: Pick<StaffCase, "id" | "receivedAt" | "outcome" | "duplicateOf">,
): Promise<string | undefined> {
  if (policy.recognition.credit?.firstReporterOnly !== true) return undefined;
  if (found.outcome !== "duplicate" || found.duplicateOf === null) return undefined;
  const original = await deps.store.db
    .selectFrom("cases")
    .select(["id", "received_at"])
    .where("id", "=", found.duplicateOf)
    .executeTakeFirst();
  if (original === undefined) return undefined;
  return firstReporter([
    { id: found.id, receivedAt: found.receivedAt },
    { id: original.id, receivedAt: new Date(original.received_at) },
  ]);
}
