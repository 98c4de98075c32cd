import type { Logger } from "pino";
import { isFirstRefusalOfHour } from "../domain/limits/mail-cap-hour.js";
import type { Store } from "../store/database.js";
import { recordRefusal, tallyRefused, tallyTaken } from "../store/mail-cap-tally.js";
import { returnTokens, type Take, type TakeOutcome, takeTokens } from "../store/rate-counters.js";
import { HOUR_MS, mailCounterKeys, shortTakes } from "./mail-counters.js";

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
    /** Told once an hour per program when its cap starts refusing (program and cap only). */
    private readonly log: Pick<Logger, "warn">,
  ) {
    this.#keys = mailCounterKeys(mailKey);
  }

  /**
   * At RCPT: whether a message from `host` for `program` would be taken now. Takes nothing; a
   * refusal by the program's cap is tallied (src/store/mail-cap-tally.ts).
   */
  async wouldAccept(host: string, program: string, now: Date): Promise<boolean> {
    const short = await shortTakes(this.store, this.#takes(host, program), now);
    if (short.length === 0) return true;
    if (program !== "" && short.includes(this.#programKey(program))) {
      // The answer to the sender does not wait on, nor fail with, the tally.
      const refused = await recordRefusal(this.store, program, now).catch(() => undefined);
      this.#logFirstRefusal(program, refused);
    }
    return false;
  }

  /**
   * When a message is about to be stored: counts it against both, or refuses it. The cap's
   * hourly tally is written in the same transaction as the take.
   */
  async accept(host: string, program: string, now: Date): Promise<TakeOutcome> {
    let refused: number | undefined;
    const outcome = await takeTokens(this.store, this.#takes(host, program), now, async (trx, taken) => {
      if (program === "") return;
      if (taken.ok) await tallyTaken(trx, program, now, 1);
      else if (taken.refused === this.#programKey(program)) refused = await tallyRefused(trx, program, now);
    });
    this.#logFirstRefusal(program, refused);
    return outcome;
  }

  /** Gives back what `accept` took, for a message that could not be stored after all. */
  giveBack(host: string, program: string, now: Date): Promise<void> {
    return returnTokens(this.store, this.#takes(host, program), now, async (trx) => {
      if (program !== "") await tallyTaken(trx, program, now, -1);
    });
  }

  #logFirstRefusal(program: string, refusedThisHour: number | undefined): void {
    if (refusedThisHour === undefined || !isFirstRefusalOfHour(refusedThisHour)) return;
    // No sender, no address, no content: which program, and its cap.
    this.log.warn(
      { program, capPerHour: this.limits.perProgramPerHour },
      "mail refused: the program's hourly mail cap is reached",
    );
  }

  #programKey(program: string): string {
    return this.#keys.key("smtp-program", program);
  }

  #takes(host: string, program: string): Take[] {
    return [
      {
        key: this.#keys.key("smtp-host", host),
        rule: { capacity: this.limits.perHostPerHour, windowMs: HOUR_MS },
      },
      {
        key: this.#programKey(program),
        rule: { capacity: this.limits.perProgramPerHour, windowMs: HOUR_MS },
      },
    ];
  }
}
