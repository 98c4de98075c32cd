import { hkdfSync } from "node:crypto";
import { limitedAddress } from "../domain/limits/limited-address.js";
import type { Store } from "../store/database.js";
import { CounterKeys, updateCounters } from "../store/rate-counters.js";
import {
  type AttemptDecision,
  decideAttempt,
  decideSettle,
  type Reservation,
  type Settlement,
  SIGNIN_RULES,
  type SigninKeys,
  type SigninRules,
} from "./signin-throttle.js";

/**
 * The sign-in throttle's shell: runs the rules of signin-throttle.ts on the shared counters in
 * `rate_counters`, each decision one locked read-modify-write. Keys are HMACs under a key
 * derived for this purpose only, so the table holds no email or address.
 */
export class SigninLimits {
  readonly #keys: CounterKeys;

  constructor(
    private readonly store: Store,
    /** The instances' shared secret (the proof-of-work key, itself derived from the master key). */
    sharedSecret: Buffer,
    private readonly clock: () => Date,
    private readonly rules: SigninRules = SIGNIN_RULES,
  ) {
    this.#keys = new CounterKeys(
      Buffer.from(hkdfSync("sha256", sharedSecret, Buffer.alloc(0), "embargo:signin-throttle", 32)),
    );
  }

  /** The counters of an attempt on `account` (a normalised email) from the client address `ip`. */
  keysFor(account: string, ip: string): SigninKeys {
    const address = limitedAddress(ip);
    return {
      pair: this.#keys.key("signin-pair", account, address),
      address: this.#keys.key("signin-address", address),
      account: this.#keys.key("signin-account", account),
      known: this.#keys.key("signin-known", account, address),
    };
  }

  /** Counts the attempt as a failure before it is checked; or says how long to wait. */
  reserve(account: string, ip: string): Promise<AttemptDecision> {
    const keys = this.keysFor(account, ip);
    const nowMs = this.clock().getTime();
    return updateCounters(this.store, Object.values(keys), nowMs, (states) =>
      decideAttempt(keys, states, nowMs, this.rules),
    );
  }

  /** The attempt succeeded (see Settlement); a failed one needs nothing: it was counted already. */
  settle(reservation: Reservation, settlement: Settlement): Promise<void> {
    const nowMs = this.clock().getTime();
    return updateCounters(this.store, Object.values(reservation.keys), nowMs, (states) =>
      decideSettle(reservation, settlement, states, nowMs, this.rules),
    );
  }
}
