/**
 * The per-program hourly mail cap, as staff see it (issue 17): the cap itself is a token bucket
 * (src/mail/smtp-limits.ts), which has no "hour" of its own, so what was taken and refused is
 * also tallied per clock hour (UTC) for the mail page, the metrics and the log. Pure: a clock
 * value in, hours and decisions out.
 */

export const HOUR_MS = 60 * 60 * 1000;

/** Epoch milliseconds of the start of the UTC clock hour `now` falls in. */
export function hourStart(now: Date): number {
  return Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
}

/**
 * An hour's tally is kept one hour past its end, so an instance whose clock is a little behind
 * still finds it, and is then forgotten (rate_counters' pruning deletes it).
 */
export function hourTallyExpiry(hourMs: number): number {
  return hourMs + 2 * HOUR_MS;
}

/**
 * Whether a refusal, the `refusedThisHour`-th of its program in this hour (counted in the
 * database, so across instances), is the one to log: only the first, so a flood of refused mail
 * makes one line an hour per program, not one per message.
 */
export function isFirstRefusalOfHour(refusedThisHour: number): boolean {
  return refusedThisHour === 1;
}

/** What the mail page says about one program's cap. */
export interface MailCapStatus {
  program: string;
  capPerHour: number;
  /** Messages taken in since `hourMs`. */
  taken: number;
  /** Messages refused by the cap since `hourMs` (a sender that tries again counts again). */
  refused: number;
  hourMs: number;
}
