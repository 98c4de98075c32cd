import { OPEN_GATES, type RegisterGates } from "../incident/register.js";

/**
 * The case lifecycle: one explicit transition table and the rules that guard it. Pure: the caller
 * passes the current state, the requested one, the instant and the policy's settings, and gets back
 * a decision (with the events to record and the text the reporter sees) or a refusal.
 */

export const CASE_STATES = [
  "new",
  "triaged",
  "in-progress",
  "needs-info",
  "fixed",
  "disclosed",
  "closed",
] as const;
export type CaseState = (typeof CASE_STATES)[number];

export const CLOSING_OUTCOMES = [
  "resolved",
  "duplicate",
  "informative",
  "not-applicable",
  "out-of-scope",
  "third-party",
  "spam",
  "no-incident",
] as const;
export type ClosingOutcome = (typeof CLOSING_OUTCOMES)[number];

/** from → the states a case may move to next. Anything not listed is refused. */
const TRANSITIONS: Readonly<Record<CaseState, readonly CaseState[]>> = {
  new: ["triaged", "needs-info", "closed"],
  triaged: ["in-progress", "needs-info", "closed"],
  "needs-info": ["triaged", "closed"],
  "in-progress": ["fixed", "needs-info", "closed"],
  fixed: ["disclosed", "in-progress", "closed"],
  disclosed: ["closed"],
  closed: ["triaged"],
};

/** The only states from which a case may be closed as `resolved`. */
const RESOLVED_FROM: readonly CaseState[] = ["fixed", "disclosed"];

export const DEFAULT_THIRD_PARTY_MESSAGE =
  "This issue is in a project that this team does not maintain. Please report it to that project's maintainers.";

const OUTCOME_MESSAGES: Readonly<Record<Exclude<ClosingOutcome, "third-party">, string>> = {
  resolved: "The issue you reported has been resolved, and this case is now closed. Thank you.",
  duplicate:
    "This issue was already reported by someone else; the earliest report keeps the credit. This case is now closed.",
  informative:
    "Thank you: your report is useful to the team, but it does not call for a fix, so this case is now closed.",
  "not-applicable":
    "The team found that this report does not describe a security issue that applies here, so this case is now closed.",
  "out-of-scope": "This report concerns something outside the program's scope, so this case is now closed.",
  spam: "This case is closed.",
  "no-incident": "The team found no security incident, so this case is now closed.",
};

export interface TransitionInput {
  from: CaseState;
  to: CaseState;
  /** Required when `to` is `closed`; refused on any other move. */
  outcome?: ClosingOutcome;
  /** Another case's id; required with the `duplicate` outcome and read only with it. */
  duplicateOf?: string;
  caseId: string;
  now: Date;
  /** The program's incident register allows closing as `no-incident` (`incident.register.noIncidentOutcome`). */
  noIncidentAllowed: boolean;
  /** The policy's `scope.thirdPartyReports.message`, shown to the reporter on a `third-party` close. */
  thirdPartyMessage?: string;
  /** The policy asks the reporter to agree that a fix resolves their report, and waits this long. */
  agreement?: { required: boolean; waitForMs: number };
  /** What the incident register's gates still lack on this case (src/domain/incident/register.ts). */
  gates?: RegisterGates;
}

export interface TransitionEvent {
  type: string;
  payload: Record<string, unknown>;
}

export type TransitionRefusal =
  | "not-allowed"
  | "outcome-required"
  | "outcome-not-allowed"
  | "duplicate-of-required"
  | "due-date-required"
  | "resolution-incomplete"
  | "classification-required"
  | "agreement-pending"
  | "production-releases-unfixed";

export type TransitionDecision =
  | {
      ok: true;
      to: CaseState;
      outcome: ClosingOutcome | null;
      /** Plain-language text for the reporter's case page; never names another case. */
      reporterMessage: string | null;
      /** When the reporter's agreement is due (moving to `fixed` under a policy that asks for it). */
      agreementDueAt: Date | null;
      events: TransitionEvent[];
    }
  | { ok: false; code: TransitionRefusal; message: string; allowed: CaseState[] };

/** The states a case in `from` may move to, in table order (a fresh array each call). */
export function allowedTransitions(from: CaseState): CaseState[] {
  return [...TRANSITIONS[from]];
}

export function isCaseState(value: string): value is CaseState {
  return (CASE_STATES as readonly string[]).includes(value);
}

export function isClosingOutcome(value: string): value is ClosingOutcome {
  return (CLOSING_OUTCOMES as readonly string[]).includes(value);
}

/**
 * The outcomes a case in `from` may be closed with (none when it cannot be closed): `resolved`
 * only once fixed or disclosed, `no-incident` only where the program's register allows it. The
 * case page's menu offers these, and a refusal names these, never an outcome the menu lacks.
 */
export function closingOutcomesFrom(from: CaseState, noIncidentAllowed: boolean): ClosingOutcome[] {
  if (!TRANSITIONS[from].includes("closed")) return [];
  return CLOSING_OUTCOMES.filter(
    (outcome) =>
      (outcome !== "resolved" || RESOLVED_FROM.includes(from)) &&
      (outcome !== "no-incident" || noIncidentAllowed),
  );
}

/** The states a case leaves triage for: work on it begins (closing stays possible without a due date). */
const BEYOND_TRIAGE: readonly CaseState[] = ["in-progress", "fixed"];

/**
 * Decides whether a case may move from `input.from` to `input.to`, and what follows if it may.
 * Refusals come in this order: a move outside the table, then a missing or misplaced outcome, then
 * an outcome this move or program does not allow, then a duplicate without a (different) original,
 * then the incident register's gates (a due date to leave triage, the resolution checklist to be
 * fixed, the classification to close as resolved), each naming what is missing.
 * @throws RangeError when `now` is not a valid date or the agreement's wait is not a non-negative number
 *   (programming errors, not decisions).
 */
export function decideTransition(input: TransitionInput): TransitionDecision {
  const { from, to } = input;
  if (Number.isNaN(input.now.getTime())) throw new RangeError("decideTransition: `now` is an invalid date");
  const allowed = allowedTransitions(from);
  const refuse = (code: TransitionRefusal, message: string): TransitionDecision => ({
    ok: false,
    code,
    message,
    allowed,
  });

  if (!allowed.includes(to)) {
    const targets = allowed.length === 0 ? "none" : allowed.join(", ");
    return refuse("not-allowed", `cannot move a case from "${from}" to "${to}"; allowed: ${targets}`);
  }

  const gates = input.gates ?? OPEN_GATES;
  if (to !== "closed") {
    if (input.outcome !== undefined) {
      return refuse(
        "outcome-not-allowed",
        `an outcome ("${input.outcome}") applies only when closing a case, not when moving it to "${to}"`,
      );
    }
    if (from === "triaged" && BEYOND_TRIAGE.includes(to) && gates.dueDateMissing) {
      return refuse("due-date-required", "this program requires a due date before a case leaves triage");
    }
    if (to === "disclosed" && (gates.agreementAwaited ?? null) !== null) {
      return refuse(
        "agreement-pending",
        `a case is disclosed only once the agreement is given; ${gates.agreementAwaited}`,
      );
    }
    if (to === "fixed" && gates.resolutionMissing.length > 0) {
      return refuse(
        "resolution-incomplete",
        `before a case is fixed, this program requires: ${gates.resolutionMissing.join("; ")}`,
      );
    }
    const unfixed = gates.productionReleasesUnfixed ?? [];
    if (to === "fixed" && unfixed.length > 0) {
      return refuse(
        "production-releases-unfixed",
        `before a case is fixed, this program requires a fix for every release in production; still owed: ${unfixed.join("; ")}`,
      );
    }
    return accept(input, null, []);
  }

  const outcome = input.outcome;
  const offered = closingOutcomesFrom(from, input.noIncidentAllowed).join(", ");
  if (outcome === undefined) {
    return refuse("outcome-required", `closing a case requires an outcome: ${offered}`);
  }
  if (!isClosingOutcome(outcome)) {
    return refuse("outcome-not-allowed", `unknown outcome "${String(outcome)}"; expected one of ${offered}`);
  }
  if (outcome === "resolved" && !RESOLVED_FROM.includes(from)) {
    return refuse(
      "outcome-not-allowed",
      `a case can be closed as "resolved" only once it is fixed or disclosed, not from "${from}"`,
    );
  }
  if (outcome === "no-incident" && !input.noIncidentAllowed) {
    return refuse(
      "outcome-not-allowed",
      `this program's incident register does not allow the "no-incident" outcome`,
    );
  }
  const extraEvents: TransitionEvent[] = [];
  if (outcome === "duplicate") {
    const original = input.duplicateOf?.trim() ?? "";
    if (original === "") {
      return refuse(
        "duplicate-of-required",
        "closing a case as a duplicate requires the id of the original case",
      );
    }
    if (original === input.caseId) {
      return refuse("duplicate-of-required", "a case cannot be a duplicate of itself");
    }
    extraEvents.push({ type: "case.duplicate-marked", payload: { duplicateOf: original } });
  }
  if (outcome === "resolved" && gates.classificationMissing.length > 0) {
    return refuse(
      "classification-required",
      `closing a case as resolved requires its classification; missing: ${gates.classificationMissing.join(", ")}`,
    );
  }
  if (outcome === "resolved" && (gates.agreementAwaited ?? null) !== null) {
    return refuse(
      "agreement-pending",
      `a case is closed as resolved only once the agreement is given; ${gates.agreementAwaited}`,
    );
  }
  return accept(input, outcome, extraEvents);
}

function accept(
  input: TransitionInput,
  outcome: ClosingOutcome | null,
  extraEvents: TransitionEvent[],
): TransitionDecision {
  const { from, to } = input;
  const agreementDueAt = to === "fixed" ? agreementDeadline(input) : null;
  const events: TransitionEvent[] = [
    { type: "case.state-changed", payload: { from, to, outcome } },
    ...extraEvents,
  ];
  if (agreementDueAt !== null) {
    events.push({
      type: "case.reporter-agreement-requested",
      payload: { dueAt: agreementDueAt.toISOString() },
    });
  }
  return {
    ok: true,
    to,
    outcome,
    reporterMessage: reporterMessage(input, outcome, agreementDueAt !== null),
    agreementDueAt,
    events,
  };
}

function agreementDeadline(input: TransitionInput): Date | null {
  const agreement = input.agreement;
  if (agreement === undefined || !agreement.required) return null;
  const wait = agreement.waitForMs;
  if (!Number.isFinite(wait) || wait < 0) {
    throw new RangeError(`decideTransition: agreement.waitForMs must be a non-negative number, got ${wait}`);
  }
  return new Date(input.now.getTime() + wait);
}

/** What the reporter reads on their case page for this step. */
function reporterMessage(
  input: TransitionInput,
  outcome: ClosingOutcome | null,
  agreementAsked: boolean,
): string {
  switch (input.to) {
    case "new":
      return "Your report has been received.";
    case "triaged":
      return input.from === "closed" ? "Your report has been reopened." : "Your report has been triaged.";
    case "needs-info":
      return "The team needs more information from you. Please reply on this page.";
    case "in-progress":
      return input.from === "fixed"
        ? "The fix needs more work; the team is working on it again."
        : "The team is working on a fix.";
    case "fixed":
      return agreementAsked
        ? "The team has fixed the issue you reported. Please confirm on this page that the fix resolves it."
        : "The team has fixed the issue you reported.";
    case "disclosed":
      return "The issue you reported has been publicly disclosed.";
    case "closed":
      if (outcome === null) return "This case is closed.";
      if (outcome === "third-party") {
        const text = input.thirdPartyMessage?.trim() ?? "";
        return text === "" ? DEFAULT_THIRD_PARTY_MESSAGE : text;
      }
      return OUTCOME_MESSAGES[outcome];
  }
}
