import { describeDuration } from "../../lib/duration-words.js";
import type { Policy } from "../../policy/schema.js";
import { addDuration } from "../calendar/index.js";
import {
  type CasePeople,
  newReportList,
  type Recipient,
  resolveNotifyList,
  webhooksFor,
} from "../notifications/recipients.js";
import { type CaseClock, type CaseClockFacts, startedAtOf, startWords } from "./case-clocks.js";
import { countdown, formatSpan } from "./countdown.js";
import { scale } from "./due-dates.js";

/**
 * The policy's disclosure promises on one case (`disclosure` in the policy): when the embargo
 * ends, when each disclosure phase falls due, and the deadline to notify the authority of a privacy
 * incident. Pure: the policy, the case's facts and the instant go in, values come out; the case page
 * shows them and the timer worker (src/jobs/timer-worker.ts) acts on `planDisclosure`.
 *
 * - The embargo does not "miss": it ends, and from then the reporter may disclose.
 * - A disclosure phase is due `day` days (24 h each) after the fix release (or the receipt, with
 *   `relativeTo: received`). Nothing relative to the fix release is due before the release is
 *   recorded. The plan outlives the incident: a case closed as resolved still owes its phases
 *   (Rocket.Chat closes the task in its last phase); a case closed otherwise owes none after that.
 * - The authority clock starts when the case is marked a privacy incident and stops when the
 *   authority is notified, or when the case is closed (the team decided; the page says so).
 */

// ---------------------------------------------------------------------------------------------
// Dates the team moved

/**
 * Dates the team moved with a reason (`case.disclosure_date_moved`, src/domain/disclosure/plan.ts):
 * from then on they replace what the policy computes. `counts` says how often each was moved
 * ("embargo", "phase:<id>"): a phase moved after its notice went out owes a notice at the new date.
 */
export interface MovedDates {
  embargo: Date | null;
  phases: Readonly<Record<string, Date>>;
  counts: Readonly<Record<string, number>>;
}

/** A case's clock facts and the dates its team moved (none when absent). */
export type DisclosureFacts = CaseClockFacts & { movedDates?: MovedDates };

// ---------------------------------------------------------------------------------------------
// The embargo

export type EmbargoState = "not-started" | "running" | "ended";

export interface EmbargoEnd {
  label: string;
  /** The policy's own words for the embargo, when it has them. */
  promise: string | null;
  startedAt: Date | null;
  endsAt: Date | null;
  state: EmbargoState;
  /** "ends in 12 d: until then the reporter keeps the issue confidential" / "ended 3 d ago: …". */
  text: string;
}

export function embargoEnd(policy: Policy, facts: DisclosureFacts, now: Date): EmbargoEnd | null {
  const embargo = policy.disclosure.embargo;
  if (embargo === undefined) return null;
  const base = { label: "Embargo ends", promise: embargo.text ?? null };
  const startedAt = startedAtOf(embargo.startsAt, facts);
  if (startedAt === null) {
    return { ...base, startedAt, endsAt: null, state: "not-started", text: startWords(embargo.startsAt) };
  }
  const endsAt =
    facts.movedDates?.embargo ??
    addDuration(policy.serviceLevels.calendar, startedAt, scale(embargo.within, 1));
  const left = endsAt.getTime() - now.getTime();
  return left > 0
    ? {
        ...base,
        startedAt,
        endsAt,
        state: "running",
        text: `ends in ${formatSpan(left)}: until then the reporter keeps the issue confidential`,
      }
    : {
        ...base,
        startedAt,
        endsAt,
        state: "ended",
        text:
          formatSpan(left) === "less than a minute"
            ? "ended just now: the reporter may disclose"
            : `ended ${formatSpan(left)} ago: the reporter may disclose`,
      };
}

// ---------------------------------------------------------------------------------------------
// Disclosure phases

type PolicyPhase = Policy["disclosure"]["phases"][number];

export type DisclosurePhaseState = "not-started" | "upcoming" | "due" | "stopped";

export interface DisclosurePhaseItem {
  id: string;
  name: string;
  day: number;
  relativeTo: PolicyPhase["relativeTo"];
  audiences: string[];
  actions: PolicyPhase["actions"];
  /** Null until what it is relative to has happened (the fix release). */
  dueAt: Date | null;
  state: DisclosurePhaseState;
  /** "due in 3 d", "fell due 2 d ago", "starts when the fix release is recorded". */
  text: string;
}

/** Whether the case was closed, by `at`, with an outcome that ends its disclosure plan. */
function closedWithoutFix(facts: CaseClockFacts, at: Date): boolean {
  return (
    facts.closedAt !== null &&
    facts.closedAt.getTime() <= at.getTime() &&
    (facts.outcome ?? null) !== "resolved"
  );
}

function phaseDueAt(phase: PolicyPhase, facts: DisclosureFacts): Date | null {
  const from = phase.relativeTo === "received" ? facts.receivedAt : (facts.fixReleasedAt ?? null);
  if (from === null) return null;
  return facts.movedDates?.phases[phase.id] ?? new Date(from.getTime() + phase.day * 86_400_000);
}

export function disclosurePhases(policy: Policy, facts: DisclosureFacts, now: Date): DisclosurePhaseItem[] {
  return policy.disclosure.phases.map((phase): DisclosurePhaseItem => {
    const base = {
      id: phase.id,
      name: phase.name,
      day: phase.day,
      relativeTo: phase.relativeTo,
      audiences: [...phase.audiences],
      actions: phase.actions.map((action) => ({ ...action })),
    };
    const dueAt = phaseDueAt(phase, facts);
    if (dueAt === null) {
      return {
        ...base,
        dueAt,
        state: closedWithoutFix(facts, now) ? "stopped" : "not-started",
        text: closedWithoutFix(facts, now)
          ? "not due: the case was closed without a fix"
          : startWords("fix-released"),
      };
    }
    if (closedWithoutFix(facts, dueAt)) {
      return { ...base, dueAt, state: "stopped", text: "not due: the case was closed without a fix" };
    }
    const left = dueAt.getTime() - now.getTime();
    return left > 0
      ? { ...base, dueAt, state: "upcoming", text: `due in ${formatSpan(left)}` }
      : {
          ...base,
          dueAt,
          state: "due",
          text: formatSpan(left) === "less than a minute" ? "due now" : `fell due ${formatSpan(left)} ago`,
        };
  });
}

// ---------------------------------------------------------------------------------------------
// The authority notification of a privacy incident

export const AUTHORITY_CLOCK_ID = "authority-notification";
/** When the assignee and followers are warned that the authority deadline is near. */
export const AUTHORITY_WARN_PERCENT = 75;

/** The deadline to notify the authority of a privacy incident known since `since`; null when the policy sets none. */
export function authorityDeadline(policy: Policy, since: Date): Date | null {
  const rule = policy.disclosure.authorityNotification;
  if (rule === undefined) return null;
  return addDuration(policy.serviceLevels.calendar, since, scale(rule.within, 1));
}

function authorityWarnAt(policy: Policy, since: Date): Date | null {
  const rule = policy.disclosure.authorityNotification;
  if (rule === undefined) return null;
  return addDuration(policy.serviceLevels.calendar, since, scale(rule.within, AUTHORITY_WARN_PERCENT / 100));
}

function earliest(...dates: (Date | null | undefined)[]): Date | null {
  let best: Date | null = null;
  for (const date of dates) if (date != null && (best === null || date < best)) best = date;
  return best;
}

/** The authority named by the policy, or plain words. */
export function authorityName(policy: Policy): string {
  return policy.disclosure.authorityNotification?.authority ?? "the authority";
}

/**
 * The "Notify the authority" clock of a case marked a privacy incident, as the case page shows its
 * other clocks; null when the case is not one or the policy sets no deadline.
 */
export function authorityClock(policy: Policy, facts: CaseClockFacts, now: Date): CaseClock | null {
  const rule = policy.disclosure.authorityNotification;
  const startedAt = facts.privacyIncidentAt ?? null;
  if (rule === undefined || startedAt === null) return null;
  const dueAt = authorityDeadline(policy, startedAt) ?? startedAt;
  const notifiedAt = facts.authorityNotifiedAt ?? null;
  const stoppedAt = earliest(notifiedAt, facts.closedAt);
  const base = {
    id: AUTHORITY_CLOCK_ID,
    kind: AUTHORITY_CLOCK_ID,
    label: "Notify the authority",
    promise: `Notify ${authorityName(policy)} within ${describeDuration(rule.within)} of a privacy incident.`,
    startedAt,
    dueAt,
    stoppedAt,
  };
  if (stoppedAt !== null) {
    const late = stoppedAt.getTime() - dueAt.getTime();
    const closedFirst = notifiedAt === null || notifiedAt.getTime() !== stoppedAt.getTime();
    if (closedFirst && late <= 0) {
      return { ...base, state: "met", text: "stopped: the case was closed without recording a notification" };
    }
    const suffix = closedFirst ? " (the case was closed without recording a notification)" : "";
    return late > 0
      ? { ...base, state: "missed", text: `missed by ${formatSpan(late)}${suffix}` }
      : { ...base, state: "met", text: "met: the authority was notified" };
  }
  const left = countdown(dueAt, now);
  return { ...base, state: left.overdue ? "overdue" : "running", text: left.text };
}

// ---------------------------------------------------------------------------------------------
// What the timer worker owes

export type DisclosureStep =
  | {
      kind: "phase";
      phase: DisclosurePhaseItem;
      dueAt: Date;
      /** Policy notify-list names: who is told. */
      notify: string[];
      /** `${caseId}:disclosure:${phaseId}`. */
      idempotencyKey: string;
    }
  | {
      kind: "authority-warn" | "authority-breach";
      dueAt: Date;
      /** The authority notification deadline. */
      deadline: Date;
      notify: string[];
      /** `${caseId}:authority:warn` or `${caseId}:authority:breach`. */
      idempotencyKey: string;
    };

export interface DisclosurePlan {
  take: DisclosureStep[];
  /** Due but not worth sending: a warning whose deadline has passed too (recorded, never sent). */
  superseded: DisclosureStep[];
  /** When the case next needs looking at for these steps, or null. */
  nextAt: Date | null;
}

/**
 * The disclosure steps a case owes at `now` that are not in `taken` (their idempotency keys):
 * each disclosure phase once when it falls due (several phases due at once are each sent: each is
 * its own work), the authority warning at 75 % of the time and the breach at the deadline (when
 * both are due at once, only the breach). A phase a case closed without a fix no longer owes, and
 * an authority clock that has stopped, owe nothing.
 */
export function planDisclosure(
  caseId: string,
  policy: Policy,
  facts: DisclosureFacts,
  taken: ReadonlySet<string>,
  now: Date,
): DisclosurePlan {
  const t = now.getTime();
  const take: DisclosureStep[] = [];
  const superseded: DisclosureStep[] = [];
  let nextAt: Date | null = null;
  const later = (at: Date) => {
    if (nextAt === null || at < nextAt) nextAt = at;
  };

  for (const phase of disclosurePhases(policy, facts, now)) {
    if (phase.dueAt === null || phase.state === "stopped") continue;
    // A phase whose date the team moved is told of again at the new date (its own key).
    const moves = facts.movedDates?.counts[`phase:${phase.id}`] ?? 0;
    const idempotencyKey = `${caseId}:disclosure:${phase.id}${moves === 0 ? "" : `:moved-${moves}`}`;
    if (taken.has(idempotencyKey) || closedWithoutFix(facts, now)) continue;
    if (phase.dueAt.getTime() <= t) {
      take.push({
        kind: "phase",
        phase,
        dueAt: phase.dueAt,
        notify: ["assignee", "followers"],
        idempotencyKey,
      });
    } else later(phase.dueAt);
  }

  const since = facts.privacyIncidentAt ?? null;
  const deadline = since === null ? null : authorityDeadline(policy, since);
  const warnAt = since === null ? null : authorityWarnAt(policy, since);
  const stoppedAt = earliest(facts.authorityNotifiedAt, facts.closedAt);
  if (deadline !== null && warnAt !== null && (stoppedAt === null || stoppedAt.getTime() > t)) {
    const notify = [
      "assignee",
      "followers",
      ...policy.contacts
        .filter((contact) => contact.roles.includes("privacy-officer"))
        .map((contact) => contact.id),
    ];
    const steps = (
      [
        {
          kind: "authority-warn",
          dueAt: warnAt,
          deadline,
          notify,
          idempotencyKey: `${caseId}:authority:warn`,
        },
        {
          kind: "authority-breach",
          dueAt: deadline,
          deadline,
          notify,
          idempotencyKey: `${caseId}:authority:breach`,
        },
      ] satisfies DisclosureStep[]
    ).filter(
      (step) =>
        !taken.has(step.idempotencyKey) && (stoppedAt === null || step.dueAt.getTime() < stoppedAt.getTime()),
    );
    const due = steps.filter((step) => step.dueAt.getTime() <= t);
    const latest = due.at(-1);
    if (latest !== undefined) {
      take.push(latest);
      superseded.push(...due.slice(0, -1));
    }
    const upcoming = steps.find((step) => step.dueAt.getTime() > t);
    if (upcoming !== undefined) later(upcoming.dueAt);
  }
  return { take, superseded, nextAt };
}

/**
 * Who hears of a disclosure step: the people its notify list names (assignee, followers, the
 * privacy officers for the authority deadline); when that is nobody, the program's points of
 * contact (someone must be told); and the webhooks subscribed to `escalation`.
 */
export function disclosureRecipients(policy: Policy, step: DisclosureStep, people: CasePeople): Recipient[] {
  const named = resolveNotifyList(step.notify, policy, people);
  const told = named.length > 0 ? named : resolveNotifyList(newReportList(policy), policy, people);
  return [...told, ...webhooksFor(policy, "escalation")];
}
