import type { Store } from "../store/database.js";
import { returnTokens, type Take, type TakeOutcome, takeTokens } from "../store/rate-counters.js";
import { HOUR_MS, mailCounterKeys, wouldTake } from "./mail-counters.js";

/**
 * How many messages the SMTP listener takes in per hour from one sending host
 * (src/domain/limits/limited-address.ts) and for one program. The counters are rows of `rate_counters`
 * (src/store/rate-counters.ts): one count for every listener on the database, and taking is
 * one locked step, so neither concurrent sessions nor a second instance get past it.
 *
 * Each is a token bucket: the hourly number at once, refilled evenly over the hour.
 */
export interface SmtpIntakeLimits {
  perHostPerHour: number;
  perProgramPerHour: number;
}

export class SmtpIntakeLimiter {
  readonly #keys;

  constructor(
    private readonly store: Store,
    mailKey: Buffer,
    private readonly limits: SmtpIntakeLimits,
  ) {
    this.#keys = mailCounterKeys(mailKey);
  }

  /** At RCPT: whether a message from `host` for `program` would be taken now. Takes nothing. */
  wouldAccept(host: string, program: string, now: Date): Promise<boolean> {
    return wouldTake(this.store, this.#takes(host, program), now);
  }

  /** When a message is about to be stored: counts it against both, or refuses it. */
  accept(host: string, program: string, now: Date): Promise<TakeOutcome> {
    return takeTokens(this.store, this.#takes(host, program), now);
  }

  /** Gives back what `accept` took, for a message that could not be stored after all. */
  giveBack(host: string, program: string, now: Date): Promise<void> {
    return returnTokens(this.store, this.#takes(host, program), now);
  }

  #takes(host: string, program: string): Take[] {
    return [
      {
        key: this.#keys.key("smtp-host", host),
        rule: { capacity: this.limits.perHostPerHour, windowMs: HOUR_MS },
      },
      {
        key: this.#keys.key("smtp-program", program),
        rule: { capacity: this.limits.perProgramPerHour, windowMs: HOUR_MS },
      },
    ];
  }
}
