/**
 * Deadlines in words, relative to an injected "now": "due in 3 h", "overdue by 2 d". Pure.
 *
 * Amounts are cut down, never rounded up: 2 h 59 min left reads "2 h", so the page never
 * promises more time than there is. Under a minute reads "less than a minute".
 */
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** A length of time in the largest unit that keeps it readable: "45 min", "3 h", "4 d". */
export function formatSpan(ms: number): string {
  const span = Math.abs(ms);
  if (span < MINUTE_MS) return "less than a minute";
  if (span < HOUR_MS) return `${Math.floor(span / MINUTE_MS)} min`;
  if (span < 2 * DAY_MS) return `${Math.floor(span / HOUR_MS)} h`;
  return `${Math.floor(span / DAY_MS)} d`;
}

export interface Countdown {
  overdue: boolean;
  /** Milliseconds until the deadline; negative once it has passed. */
  remainingMs: number;
  /** "due in 3 h" or "overdue by 2 h". */
  text: string;
}

/** Where `now` stands against `deadline`. A deadline reached exactly is overdue. */
export function countdown(deadline: Date, now: Date): Countdown {
  const remainingMs = deadline.getTime() - now.getTime();
  const overdue = remainingMs <= 0;
  return {
    overdue,
    remainingMs,
    text: overdue ? `overdue by ${formatSpan(remainingMs)}` : `due in ${formatSpan(remainingMs)}`,
  };
}

/** What the inbox knows about a case's deadlines (src/store/inbox.ts). */
export interface CaseDeadlines {
  acknowledgeBy: Date | null;
  acknowledgedAt: Date | null;
  dueAt: Date | null;
  /** The earliest open deadline (the store keeps it: acknowledgement until acknowledged, then the due date). */
  nextDueAt: Date | null;
  /** The deadline to notify the authority of a privacy incident, and when it was (src/domain/clocks/disclosure.ts). */
  authorityNotifyBy?: Date | null;
  authorityNotifiedAt?: Date | null;
}

export interface InboxClock extends Countdown {
  kind: "acknowledge" | "authority" | "due";
}

/**
 * The clock an inbox row shows: its earliest open deadline, worded for what it is.
 * "acknowledge within 3 h" / "acknowledge overdue by 2 h" while an acknowledgement is owed,
 * "notify the authority within 5 h" / "notify the authority overdue by 1 h" for a privacy
 * incident's authority deadline, "due in 2 d" / "overdue by 5 h" for the team's due date; null when
 * nothing is due.
 */
export function inboxClock(deadlines: CaseDeadlines, now: Date): InboxClock | null {
  const next = deadlines.nextDueAt;
  if (next === null) return null;
  const owesAcknowledgement =
    deadlines.acknowledgedAt === null &&
    deadlines.acknowledgeBy !== null &&
    deadlines.acknowledgeBy.getTime() === next.getTime();
  const base = countdown(next, now);
  const owesAuthority =
    !owesAcknowledgement &&
    (deadlines.authorityNotifiedAt ?? null) === null &&
    deadlines.authorityNotifyBy != null &&
    deadlines.authorityNotifyBy.getTime() === next.getTime();
  if (owesAuthority) {
    return {
      ...base,
      kind: "authority",
      text: base.overdue
        ? `notify the authority overdue by ${formatSpan(base.remainingMs)}`
        : `notify the authority within ${formatSpan(base.remainingMs)}`,
    };
  }
  if (!owesAcknowledgement) return { ...base, kind: "due" };
  return {
    ...base,
    kind: "acknowledge",
    text: base.overdue
      ? `acknowledge overdue by ${formatSpan(base.remainingMs)}`
      : `acknowledge within ${formatSpan(base.remainingMs)}`,
  };
}
