/**
 * What a problem's linked cases say about it: how many there are, how many are still open, and
 * how long since the last one came in (a problem whose cases keep arriving is not solved, whatever
 * its state says). Pure: the caller gives the cases' facts and the time.
 */
export interface LinkedCaseFacts {
  /** The case's lifecycle state: `closed` is closed, any other state is open. */
  state: string;
  receivedAt: Date;
}

export interface ProblemMetrics {
  cases: number;
  open: number;
  lastReceivedAt: Date | null;
  /** Milliseconds from the last case's arrival to now; null without cases. */
  sinceLastMs: number | null;
}

export function problemMetrics(cases: readonly LinkedCaseFacts[], now: Date): ProblemMetrics {
  const last = cases.reduce<Date | null>(
    (latest, c) => (latest === null || c.receivedAt > latest ? c.receivedAt : latest),
    null,
  );
  return {
    cases: cases.length,
    open: cases.filter((c) => c.state !== "closed").length,
    lastReceivedAt: last,
    sinceLastMs: last === null ? null : Math.max(0, now.getTime() - last.getTime()),
  };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const count = (amount: number, unit: string) => `${amount} ${unit}${amount === 1 ? "" : "s"}`;

/** An elapsed time in words, rounded down to its largest unit: "3 hours", "12 days". */
export function elapsedWords(ms: number): string {
  if (ms < MINUTE) return "less than a minute";
  if (ms < HOUR) return count(Math.floor(ms / MINUTE), "minute");
  if (ms < DAY) return count(Math.floor(ms / HOUR), "hour");
  return count(Math.floor(ms / DAY), "day");
}
