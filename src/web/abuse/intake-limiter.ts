/**
 * Limits how many reports are accepted per hour, per sender address and per program. A sender
 * who solved the proof-of-work gets the normal allowance; one who did not (JavaScript off, Tor
 * Browser's safest mode) still gets through, under a stricter allowance. Counters are kept in
 * memory per instance, as sliding windows of timestamps.
 */
export interface IntakeLimits {
  perAddressPerHour: number;
  perAddressWithoutPowPerHour: number;
  perProgramPerHour: number;
}

const HOUR_MS = 60 * 60 * 1000;
const MAX_TRACKED_KEYS = 100_000;

export class IntakeLimiter {
  readonly #windows = new Map<string, number[]>();

  constructor(
    private readonly limits: IntakeLimits,
    private readonly now: () => Date,
  ) {}

  /** Whether one more report is allowed now; if not, the seconds until it is. Records nothing. */
  check(
    address: string,
    program: string,
    powSolved: boolean,
  ): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const at = this.now().getTime();
    let retryAfter = 0;
    for (const [key, limit] of this.#keys(address, program, powSolved)) {
      const window = this.#recent(key, at);
      if (window.length >= limit)
        retryAfter = Math.max(retryAfter, Math.ceil((window[0]! + HOUR_MS - at) / 1000));
    }
    return retryAfter > 0 ? { ok: false, retryAfterSeconds: retryAfter } : { ok: true };
  }

  /** Counts an accepted report. Invalid submissions are not counted, so typos cost nothing. */
  record(address: string, program: string, powSolved: boolean): void {
    const at = this.now().getTime();
    for (const [key] of this.#keys(address, program, powSolved)) this.#recent(key, at).push(at);
  }

  #keys(address: string, program: string, powSolved: boolean): [string, number][] {
    const addressLimit = powSolved ? this.limits.perAddressPerHour : this.limits.perAddressWithoutPowPerHour;
    return [
      [`address:${powSolved ? "pow" : "nopow"}:${address}`, addressLimit],
      [`program:${program}`, this.limits.perProgramPerHour],
    ];
  }

  #recent(key: string, at: number): number[] {
    let window = this.#windows.get(key);
    if (window === undefined) {
      if (this.#windows.size >= MAX_TRACKED_KEYS) this.#evictIdle(at);
      window = [];
      this.#windows.set(key, window);
    }
    while (window.length > 0 && window[0]! <= at - HOUR_MS) window.shift();
    return window;
  }

  #evictIdle(at: number): void {
    for (const [key, window] of this.#windows) {
      if (window.length === 0 || window[window.length - 1]! <= at - HOUR_MS) this.#windows.delete(key);
    }
  }
}
