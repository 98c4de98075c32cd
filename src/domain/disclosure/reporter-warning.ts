import type { Policy } from "../../policy/schema.js";
import type { CaseClock } from "../clocks/case-clocks.js";
import { formatSpan } from "../clocks/countdown.js";

/**
 * The reporter's warning before they disclose (`disclosure.reporterWarning`; Kulupu: "give us
 * adequate written warning before disclosing it to anyone else"). Pure: the policy, what the
 * reporter sent and the instant go in; a decision, a clock or a plan for the timer worker come out.
 *
 * - The reporter says "I intend to publish on DATE" on their private page, with a message (required
 *   when the policy wants the warning `written`). The date is a calendar day (YYYY-MM-DD), today
 *   or later and at most two years ahead; its clock runs to the start of that day (UTC).
 * - They may change it (a new date, a new event) or withdraw it; the latest statement stands.
 * - The team hears of each statement at once; when the date comes, the team is told once (per
 *   date: a changed date is a new clock).
 */

export const PUBLICATION_INTENT_EVENT = "reporter.publication_intent";
export const PUBLICATION_DATE_REACHED_EVENT = "reporter.publication_date_reached";
export const MAX_WARNING_MESSAGE = 5_000;
/** How far ahead a date may be: two years (a date further out is no warning, and likely a typo). */
export const MAX_DAYS_AHEAD = 731;
export const PUBLICATION_CLOCK_ID = "reporter-publication";

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface WarningRule {
  written: boolean;
  /** The policy's words, shown beside the form. */
  text: string | null;
}

/** The policy's warning rule, or null when the program takes none (no form, no clock). */
export function warningRule(policy: Policy): WarningRule | null {
  const rule = policy.disclosure.reporterWarning;
  if (rule === undefined || !rule.required) return null;
  return { written: rule.written, text: rule.text ?? null };
}

export type IntentDecision =
  | { ok: true; publishesAt: Date; publishOn: string; message: string }
  | { ok: false; field: "publish-on" | "message"; message: string };

/** The start (UTC) of `value`, a YYYY-MM-DD calendar day; null when it is no such day. */
export function parseDay(value: string): Date | null {
  const match = DATE.exec(value);
  if (match === null) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const at = new Date(Date.UTC(year, month - 1, day));
  if (at.getUTCFullYear() !== year || at.getUTCMonth() !== month - 1 || at.getUTCDate() !== day) return null;
  return at;
}

/** The start (UTC) of the day `now` is in. */
function startOfDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/**
 * Checks what the reporter sent: a real calendar day, today (UTC) or later and at most
 * MAX_DAYS_AHEAD days ahead; a message of at most MAX_WARNING_MESSAGE characters, required when
 * the warning must be written. Both are trimmed.
 */
export function decideIntent(
  rule: WarningRule,
  input: { publishOn: string; message: string },
  now: Date,
): IntentDecision {
  const publishOn = input.publishOn.trim();
  const message = input.message.trim();
  const publishesAt = publishOn.length > 10 ? null : parseDay(publishOn);
  if (publishesAt === null)
    return {
      ok: false,
      field: "publish-on",
      message: "Give the date as YYYY-MM-DD (for example 2027-03-01).",
    };
  const today = startOfDay(now);
  if (publishesAt.getTime() < today.getTime())
    return {
      ok: false,
      field: "publish-on",
      message: "The date has passed: give today's date or a later one.",
    };
  if (publishesAt.getTime() > today.getTime() + MAX_DAYS_AHEAD * DAY_MS)
    return { ok: false, field: "publish-on", message: "Give a date at most two years from today." };
  if (rule.written && message === "")
    return {
      ok: false,
      field: "message",
      message: "This program asks for your warning in writing: write a message to the team.",
    };
  if (message.length > MAX_WARNING_MESSAGE)
    return {
      ok: false,
      field: "message",
      message: `A message can have at most ${MAX_WARNING_MESSAGE} characters.`,
    };
  return { ok: true, publishesAt, publishOn, message };
}

/** The reporter's standing statement, as the events of the case tell it (the latest wins). */
export interface PublicationIntent {
  /** YYYY-MM-DD; null: withdrawn. */
  publishOn: string | null;
  at: Date;
  message: string;
}

/** The latest `reporter.publication_intent` of a case's events (oldest first); null when none. */
export function currentIntent(
  events: readonly { type: string; at: Date; payload: unknown }[],
): PublicationIntent | null {
  let current: PublicationIntent | null = null;
  for (const event of events) {
    if (event.type !== PUBLICATION_INTENT_EVENT) continue;
    const payload = event.payload as { publishOn?: unknown; message?: unknown } | null;
    current = {
      publishOn: typeof payload?.publishOn === "string" ? payload.publishOn : null,
      at: event.at,
      message: typeof payload?.message === "string" ? payload.message : "",
    };
  }
  return current?.publishOn === null ? null : current;
}

/**
 * The clock to the day the reporter intends to publish on, as the case page shows the policy's
 * clocks: running until then, overdue from then on (the team should have fixed and disclosed, or
 * agreed another date); stopped once the case is closed. Null when no date stands.
 */
export function publicationClock(
  intent: PublicationIntent | null,
  closedAt: Date | null,
  now: Date,
): CaseClock | null {
  if (intent === null || intent.publishOn === null) return null;
  const dueAt = parseDay(intent.publishOn);
  if (dueAt === null) return null;
  const base = {
    id: PUBLICATION_CLOCK_ID,
    kind: PUBLICATION_CLOCK_ID,
    label: "The reporter intends to publish",
    promise: `The reporter told the team on ${intent.at.toISOString().slice(0, 10)} that they intend to publish on ${intent.publishOn}.`,
    startedAt: intent.at,
    dueAt,
    stoppedAt: closedAt,
  };
  if (closedAt !== null) return { ...base, state: "met", text: "stopped: the case is closed" };
  const left = dueAt.getTime() - now.getTime();
  return left > 0
    ? { ...base, state: "running", text: `in ${formatSpan(left)}` }
    : { ...base, state: "overdue", text: `reached ${formatSpan(left)} ago: the reporter may publish now` };
}

/** A step the timer worker owes: tell the team once that the reporter's date has come. */
export interface PublicationDateStep {
  publishesAt: Date;
  /** `${caseId}:reporter-publishes:${ISO instant}`: one per date. */
  idempotencyKey: string;
}

/**
 * What the timer worker owes for the reporter's date (the case row's `reporter_publishes_at`):
 * the step when it has come and was not taken, or when to look again. Nothing once the case is
 * closed.
 */
export function planPublicationDate(
  caseId: string,
  row: { reporterPublishesAt: string | null; state: string },
  taken: ReadonlySet<string>,
  now: Date,
): { take: PublicationDateStep | null; nextAt: Date | null } {
  if (row.reporterPublishesAt === null || row.state === "closed") return { take: null, nextAt: null };
  const publishesAt = new Date(row.reporterPublishesAt);
  if (Number.isNaN(publishesAt.getTime())) return { take: null, nextAt: null };
  const idempotencyKey = `${caseId}:reporter-publishes:${publishesAt.toISOString()}`;
  if (taken.has(idempotencyKey)) return { take: null, nextAt: null };
  if (publishesAt.getTime() > now.getTime()) return { take: null, nextAt: publishesAt };
  return { take: { publishesAt, idempotencyKey }, nextAt: null };
}
