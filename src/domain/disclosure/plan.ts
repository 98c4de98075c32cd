import type { Policy } from "../../policy/schema.js";
import type { CaseClockFacts } from "../clocks/case-clocks.js";
import {
  type DisclosureFacts,
  type DisclosurePhaseItem,
  type EmbargoEnd,
  embargoEnd,
  type MovedDates,
} from "../clocks/disclosure.js";

/**
 * The disclosure plan of a case as work: each action of each policy phase
 * (`disclosure.phases[].actions[]`) is a task with an owner, a due date and a done state; the
 * team may move a phase's date or the embargo end with a reason. Everything is recorded as case
 * events; this folds their payloads (src/store/disclosure-plan.ts parses them) and rules on them.
 * Pure: the policy, the phases as src/domain/clocks/disclosure.ts dates them, the records and the
 * instant go in; values come out.
 *
 * - A task exists once its phase has a date (Rocket.Chat: once the fix release is recorded) and
 *   while the phase is owed (not on a case closed without a fix). Its due date is the phase's, or
 *   the date the team moved it to. Its owner is the case's assignee until someone names another.
 * - Two kinds are the system's, not a checkbox: `allow-reporter-disclosure` is done when the
 *   reporter is told they may disclose (the timer worker, when the phase falls due), `close-case`
 *   when the case is closed as resolved. Every other kind is the team's to check.
 * - A phase is complete when all its tasks are done.
 * - A date passing never publishes anything: it tells people (the reporter that they may
 *   disclose, the team that tasks are overdue), once each.
 */

export const REPORTER_DISCLOSURE_KIND = "allow-reporter-disclosure";
export const CLOSE_CASE_KIND = "close-case";
/** Done by the team's checkbox, or by the system when the reward is paid or declined. */
export const REWARD_REPORTER_KIND = "reward-reporter";
/** Task kinds the system completes; the team cannot check them. */
export const SYSTEM_TASK_KINDS: readonly string[] = [REPORTER_DISCLOSURE_KIND, CLOSE_CASE_KIND];

export const EMBARGO_TARGET = "embargo";
/** What a move names: `embargo`, or `phase:<phase id>`. */
export const phaseTarget = (phaseId: string): string => `phase:${phaseId}`;

/** The longest reason for moving a date. */
export const MAX_MOVE_REASON = 2_000;
/** A date is moved at most this far ahead (ten years): anything further is a typing slip. */
export const MAX_MOVE_AHEAD_MS = 3_650 * 86_400_000;
/** Escalation to the program's emergency and lead contacts: this long after a task fell due. */
export const LEAD_ESCALATION_AFTER_MS = 24 * 3_600_000;

export interface DateMove {
  seq: number;
  /** `embargo` or `phase:<id>`. */
  what: string;
  from: Date | null;
  to: Date;
  reason: string;
  /** Whether the reporter sees this date (the embargo end, the planned disclosure date). */
  reporterSees: boolean;
  at: Date;
  actor: string;
}

export interface TaskMark {
  phaseId: string;
  n: number;
  done: boolean;
  at: Date;
  actor: string;
}

export interface TaskOwnerChange {
  phaseId: string;
  n: number;
  /** A user id; null: back to the case's assignee. */
  owner: string | null;
  at: Date;
  actor: string;
}

export type ReporterNoticeKind = "embargo-ended" | "may-publish" | "date-moved";

export interface ReporterTold {
  key: string;
  kind: ReporterNoticeKind;
  /** The date the notice is about (the embargo end, the disclosure date, the new date). */
  date: Date;
  mailed: boolean;
  at: Date;
}

/** Everything the plan's events recorded on a case, oldest first. */
export interface PlanRecords {
  moves: DateMove[];
  marks: TaskMark[];
  owners: TaskOwnerChange[];
  told: ReporterTold[];
  /**
   * When the case's reward was paid or declined (src/domain/rewards/decision.ts `rewardSettled`):
   * the `reward-reporter` task is then done by the system, besides the team's checkbox.
   */
  rewardSettled?: { at: Date; actor: string } | null;
}

export const NO_PLAN_RECORDS: PlanRecords = { moves: [], marks: [], owners: [], told: [] };

// ---------------------------------------------------------------------------------------------
// Moved dates

/** The dates the moves leave: the last move of each wins. */
export function movedDatesOf(moves: readonly DateMove[]): MovedDates {
  let embargo: Date | null = null;
  const phases: Record<string, Date> = {};
  const counts: Record<string, number> = {};
  for (const move of moves) {
    counts[move.what] = (counts[move.what] ?? 0) + 1;
    if (move.what === EMBARGO_TARGET) embargo = move.to;
    else if (move.what.startsWith("phase:")) phases[move.what.slice("phase:".length)] = move.to;
  }
  return { embargo, phases, counts };
}

/** The case's facts with the dates its team moved. */
export function withMovedDates(facts: CaseClockFacts, records: PlanRecords): DisclosureFacts {
  return records.moves.length === 0 ? facts : { ...facts, movedDates: movedDatesOf(records.moves) };
}

/** The last move of `what`, or null. */
export function lastMove(records: PlanRecords, what: string): DateMove | null {
  return records.moves.filter((move) => move.what === what).at(-1) ?? null;
}

/**
 * The phase whose actions let the reporter disclose (Rocket.Chat's day 90): its date is the
 * planned disclosure date. Undefined when the policy has none (then the embargo end is).
 */
export function reporterDisclosurePhase(policy: Policy): Policy["disclosure"]["phases"][number] | undefined {
  return policy.disclosure.phases.find((phase) =>
    phase.actions.some((action) => action.kind === REPORTER_DISCLOSURE_KIND),
  );
}

/** Whether the reporter sees the date `what` names: the embargo end, or the planned disclosure date. */
export function reporterSeesDate(policy: Policy, what: string): boolean {
  if (what === EMBARGO_TARGET) return policy.disclosure.embargo !== undefined;
  const phase = reporterDisclosurePhase(policy);
  return phase !== undefined && what === phaseTarget(phase.id);
}

// ---------------------------------------------------------------------------------------------
// Tasks

export interface PlanTask {
  phaseId: string;
  /** The action's position in the phase, from 0. */
  n: number;
  kind: string;
  text: string;
  /** Who completes it: the team (a checkbox) or the system. */
  by: "team" | "system";
  /** The owner: a user id, a team group (`group:<id>`) through the assignee, or null (nobody). */
  owner: string | null;
  /** Whether someone named the owner (else it follows the case's assignee). */
  ownerChosen: boolean;
  dueAt: Date;
  done: { at: Date; actor: string } | null;
  /** Open and its due date has passed (the phase is due). */
  overdue: boolean;
}

export interface PlanPhase {
  id: string;
  name: string;
  day: number;
  dueAt: Date | null;
  state: DisclosurePhaseItem["state"];
  /** The last move of its date, when the team moved it. */
  moved: DateMove | null;
  /** Empty until the phase has a date (and once it is no longer owed). */
  tasks: PlanTask[];
  /** Dated, with every task done. */
  complete: boolean;
}

function lastBy<T extends { phaseId: string; n: number }>(records: readonly T[]): Map<string, T> {
  return new Map(records.map((record) => [`${record.phaseId} ${record.n}`, record]));
}

/**
 * The plan's phases with their tasks. `phases` are the policy's phases as
 * src/domain/clocks/disclosure.ts dates them (with the moved dates) at the instant of interest;
 * `facts` say whether the case was closed as resolved; `assignee` is the case's.
 */
export function planPhases(
  phases: readonly DisclosurePhaseItem[],
  facts: Pick<CaseClockFacts, "closedAt" | "outcome">,
  records: PlanRecords,
  assignee: string | null,
): PlanPhase[] {
  const marks = lastBy(records.marks);
  const owners = lastBy(records.owners);
  const mayPublish = records.told.find((told) => told.kind === "may-publish");
  const closedResolved =
    facts.closedAt !== null && (facts.outcome ?? null) === "resolved" ? facts.closedAt : null;
  return phases.map((phase): PlanPhase => {
    const dueAt = phase.dueAt;
    const owed = dueAt !== null && phase.state !== "stopped";
    const tasks = !owed
      ? []
      : phase.actions.map((action, n): PlanTask => {
          const key = `${phase.id} ${n}`;
          const chosen = owners.get(key);
          const by = SYSTEM_TASK_KINDS.includes(action.kind) ? "system" : "team";
          let done: PlanTask["done"] = null;
          if (action.kind === REPORTER_DISCLOSURE_KIND) {
            done = mayPublish === undefined ? null : { at: mayPublish.at, actor: "system" };
          } else if (action.kind === CLOSE_CASE_KIND) {
            done = closedResolved === null ? null : { at: closedResolved, actor: "system" };
          } else {
            const mark = marks.get(key);
            done = mark?.done === true ? { at: mark.at, actor: mark.actor } : null;
            if (done === null && action.kind === REWARD_REPORTER_KIND) done = records.rewardSettled ?? null;
          }
          const owner = chosen === undefined || chosen.owner === null ? assignee : chosen.owner;
          return {
            phaseId: phase.id,
            n,
            kind: action.kind,
            text: action.text,
            by,
            owner,
            ownerChosen: chosen !== undefined && chosen.owner !== null,
            dueAt,
            done,
            overdue: done === null && phase.state === "due",
          };
        });
    return {
      id: phase.id,
      name: phase.name,
      day: phase.day,
      dueAt,
      state: phase.state,
      moved: lastMove(records, phaseTarget(phase.id)),
      tasks,
      complete: tasks.length > 0 && tasks.every((task) => task.done !== null),
    };
  });
}

/** The earliest due date of an open task (it joins the case's `next_due_at`), or null. */
export function earliestOpenTaskDue(phases: readonly PlanPhase[]): Date | null {
  let first: Date | null = null;
  for (const phase of phases)
    for (const task of phase.tasks)
      if (task.done === null && (first === null || task.dueAt < first)) first = task.dueAt;
  return first;
}

/** The user ids owning open tasks of `phase` (team groups and nobody left out). */
export function openTaskOwners(phase: PlanPhase): string[] {
  const owners = phase.tasks.flatMap((task) =>
    task.done === null && task.owner !== null && !task.owner.startsWith("group:") ? [task.owner] : [],
  );
  return [...new Set(owners)];
}

/** The date the reporter may disclose on: the reporter-disclosure phase's, else the embargo end. */
export function plannedDisclosureDate(
  policy: Policy,
  phases: readonly DisclosurePhaseItem[],
  embargo: EmbargoEnd | null,
): Date | null {
  const phase = reporterDisclosurePhase(policy);
  if (phase !== undefined) return phases.find((item) => item.id === phase.id)?.dueAt ?? null;
  return embargo?.endsAt ?? null;
}

// ---------------------------------------------------------------------------------------------
// What the timer worker owes

/** Whether the case was closed, by `at`, with an outcome that ends its disclosure plan. */
function closedWithoutFix(facts: CaseClockFacts, at: Date): boolean {
  return (
    facts.closedAt !== null &&
    facts.closedAt.getTime() <= at.getTime() &&
    (facts.outcome ?? null) !== "resolved"
  );
}

export type ReporterNotice =
  | { kind: "embargo-ended"; key: string; date: Date }
  | { kind: "may-publish"; key: string; date: Date; phaseId: string }
  | { kind: "date-moved"; key: string; date: Date; move: DateMove; label: string };

export interface TaskEscalation {
  task: PlanTask;
  phaseName: string;
  dueAt: Date;
  /** Policy notify-list names: the program's emergency and lead contacts. */
  notify: string[];
  /** `${caseId}:disclosure-task:${phaseId}:${n}:${due ISO}`: a moved date escalates anew. */
  idempotencyKey: string;
}

export interface PlanSteps {
  /** Owed to the reporter (mailed when they gave an address; recorded either way). */
  reporter: ReporterNotice[];
  /** Open tasks a day past due: to the emergency and lead contacts. */
  escalations: TaskEscalation[];
  /** When the plan next needs looking at, or null. */
  nextAt: Date | null;
}

/** The program's emergency and lead contacts who can be reached by mail. */
export function leadContacts(policy: Policy): string[] {
  return policy.contacts
    .filter((contact) => contact.email !== undefined)
    .filter((contact) => contact.roles.includes("emergency") || contact.roles.includes("lead"))
    .map((contact) => contact.id);
}

/**
 * What the plan owes at `now` that was not done yet: the reporter's notices (the embargo ended,
 * they may publish, a date they see moved: each once, by its key in `told`) and the escalation of
 * each open task a day past its due date to the program's emergency and lead contacts (each once,
 * by its key in `taken`; none when the program has no such contact with an address nor an
 * escalation webhook: nobody to tell). The owners and followers hear of an open task when its
 * phase falls due (planDisclosure's phase notice, which the timer worker sends to them too).
 */
export function planSteps(
  caseId: string,
  policy: Policy,
  facts: DisclosureFacts,
  phases: readonly PlanPhase[],
  dated: readonly DisclosurePhaseItem[],
  records: PlanRecords,
  taken: ReadonlySet<string>,
  now: Date,
): PlanSteps {
  const t = now.getTime();
  const told = new Set(records.told.map((record) => record.key));
  const reporter: ReporterNotice[] = [];
  const escalations: TaskEscalation[] = [];
  let nextAt: Date | null = null;
  const later = (at: Date) => {
    if (nextAt === null || at < nextAt) nextAt = at;
  };

  // A date the reporter sees moved: told with the new date and the reason.
  for (const move of records.moves) {
    const key = `${caseId}:reporter:moved:${move.seq}`;
    if (!move.reporterSees || told.has(key)) continue;
    const label = move.what === EMBARGO_TARGET ? "the end of the embargo" : "the planned disclosure date";
    reporter.push({ kind: "date-moved", key, date: move.to, move, label });
  }

  if (!closedWithoutFix(facts, now)) {
    const embargo = embargoEnd(policy, facts, now);
    const embargoKey = `${caseId}:reporter:embargo-ended`;
    if (embargo?.endsAt != null && !told.has(embargoKey)) {
      if (embargo.endsAt.getTime() <= t)
        reporter.push({ kind: "embargo-ended", key: embargoKey, date: embargo.endsAt });
      else later(embargo.endsAt);
    }
    const phase = reporterDisclosurePhase(policy);
    const item = phase === undefined ? undefined : dated.find((candidate) => candidate.id === phase.id);
    const publishKey = `${caseId}:reporter:may-publish`;
    if (item?.dueAt != null && item.state !== "stopped" && !told.has(publishKey)) {
      if (item.dueAt.getTime() <= t)
        reporter.push({ kind: "may-publish", key: publishKey, date: item.dueAt, phaseId: item.id });
      else later(item.dueAt);
    }
  }

  const leads = leadContacts(policy);
  const hooked = policy.notifications.webhooks.some((webhook) => webhook.topics.includes("escalation"));
  if (leads.length > 0 || hooked) {
    for (const phase of phases) {
      for (const task of phase.tasks) {
        // The reporter's permission is the system's to give when its phase falls due.
        if (task.done !== null || task.kind === REPORTER_DISCLOSURE_KIND) continue;
        const at = new Date(task.dueAt.getTime() + LEAD_ESCALATION_AFTER_MS);
        const idempotencyKey = `${caseId}:disclosure-task:${task.phaseId}:${task.n}:${task.dueAt.toISOString()}`;
        if (taken.has(idempotencyKey)) continue;
        if (at.getTime() <= t)
          escalations.push({ task, phaseName: phase.name, dueAt: task.dueAt, notify: leads, idempotencyKey });
        else later(at);
      }
    }
  }
  return { reporter, escalations, nextAt };
}

// ---------------------------------------------------------------------------------------------
// What the reporter sees

export interface ReporterPlanView {
  /** When the embargo ends (the policy's, or as moved); null without an embargo or before it starts. */
  embargoEndsAt: Date | null;
  /** The date from which the reporter may disclose; null until it is known. */
  disclosureAt: Date | null;
  /** Since when the reporter may disclose, once the system told them. */
  mayDiscloseSince: Date | null;
  /** Moves of the dates they see, oldest first. */
  moves: { label: string; from: Date | null; to: Date; reason: string; at: Date }[];
  /** "What you may do when", in plain words, in order. */
  lines: string[];
}

/**
 * The reporter's view of the plan: dates and what they may do, nothing internal (no tasks, no
 * owners, no team phases). `phases` and `embargo` as dated at any instant (only dates are used);
 * `format` writes a date.
 */
export function reporterPlan(
  policy: Policy,
  embargo: EmbargoEnd | null,
  phases: readonly DisclosurePhaseItem[],
  records: PlanRecords,
  format: (date: Date) => string,
): ReporterPlanView | null {
  const phase = reporterDisclosurePhase(policy);
  if (policy.disclosure.embargo === undefined && phase === undefined) return null;
  const embargoEndsAt = embargo?.endsAt ?? null;
  const disclosureAt = plannedDisclosureDate(policy, phases, embargo);
  const told = records.told.filter(
    (record) => record.kind === "may-publish" || record.kind === "embargo-ended",
  );
  const mayDiscloseSince =
    phase !== undefined
      ? (told.find((record) => record.kind === "may-publish")?.at ?? null)
      : (told.find((record) => record.kind === "embargo-ended")?.at ?? null);
  const lines: string[] = [];
  if (mayDiscloseSince !== null) {
    lines.push(`You may now publish the details of your report (since ${format(mayDiscloseSince)}).`);
  } else if (disclosureAt !== null) {
    lines.push(`Until ${format(disclosureAt)}: please keep the details of your report confidential.`);
    lines.push(`From ${format(disclosureAt)}: you may publish them.`);
  } else if (phase !== undefined) {
    lines.push(
      `Please keep the details of your report confidential for now. The date you may publish them is set ${phase.day} days after the fix is released; it shows here once it is.`,
    );
  } else {
    lines.push(
      "Please keep the details of your report confidential for now. The embargo's end shows here once it starts.",
    );
  }
  const moves = records.moves
    .filter((move) => move.reporterSees)
    .map((move) => ({
      label: move.what === EMBARGO_TARGET ? "The end of the embargo" : "The planned disclosure date",
      from: move.from,
      to: move.to,
      reason: move.reason,
      at: move.at,
    }));
  return { embargoEndsAt, disclosureAt, mayDiscloseSince, moves, lines };
}

// ---------------------------------------------------------------------------------------------
// Moving a date

export type MoveDecision =
  | { ok: true; from: Date; reporterSees: boolean }
  | { ok: false; field: "what" | "to" | "reason"; message: string };

/**
 * Whether the team may move `what` (`embargo` or `phase:<id>`) to `to` at `now`, given the dates
 * as they stand (`embargo`, `phases`, moves applied). The date must exist (the embargo started,
 * the phase dated and still owed), the new one be another, in the future and within ten years,
 * with a reason. A date the reporter sees that has passed stays: they were told they may
 * disclose, which cannot be taken back.
 */
export function decideMove(
  policy: Policy,
  embargo: EmbargoEnd | null,
  phases: readonly DisclosurePhaseItem[],
  request: { what: string; to: Date; reason: string },
  now: Date,
): MoveDecision {
  const reason = request.reason.trim();
  let from: Date | null;
  if (request.what === EMBARGO_TARGET) {
    if (embargo === null)
      return { ok: false, field: "what", message: "this program's policy sets no embargo" };
    from = embargo.endsAt;
    if (from === null) return { ok: false, field: "what", message: "the embargo has not started yet" };
  } else {
    const phase = request.what.startsWith("phase:")
      ? phases.find((candidate) => phaseTarget(candidate.id) === request.what)
      : undefined;
    if (phase === undefined)
      return { ok: false, field: "what", message: "the policy has no such disclosure phase" };
    if (phase.state === "stopped")
      return {
        ok: false,
        field: "what",
        message: "this phase is not owed: the case was closed without a fix",
      };
    from = phase.dueAt;
    if (from === null)
      return {
        ok: false,
        field: "what",
        message: "this phase has no date yet: record the fix release first",
      };
  }
  const reporterSees = reporterSeesDate(policy, request.what);
  if (reporterSees && from.getTime() <= now.getTime())
    return {
      ok: false,
      field: "what",
      message: "this date has passed and the reporter may already disclose: it cannot be moved any more",
    };
  if (Number.isNaN(request.to.getTime())) return { ok: false, field: "to", message: "a date" };
  if (request.to.getTime() <= now.getTime())
    return { ok: false, field: "to", message: "a date in the future" };
  if (request.to.getTime() > now.getTime() + MAX_MOVE_AHEAD_MS)
    return { ok: false, field: "to", message: "a date within ten years" };
  if (request.to.getTime() === from.getTime())
    return { ok: false, field: "to", message: "a date other than the current one" };
  if (reason === "") return { ok: false, field: "reason", message: "say why the date moves" };
  if (reason.length > MAX_MOVE_REASON)
    return { ok: false, field: "reason", message: `at most ${MAX_MOVE_REASON} characters` };
  return { ok: true, from, reporterSees };
}
