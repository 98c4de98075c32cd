import type { Store } from "../../store/database.js";
import { type CounterKeys, updateCounters } from "../../store/rate-counters.js";
import type { PowReplayGuard } from "./challenge.js";

/**
 * The proof-of-work replay guard shared by every instance on one database: a solved challenge
 * is a row of `rate_counters` (under an HMAC key, as the limits' rows are) until the challenge
 * expires, claimed in one locked step (src/store/rate-counters.ts). Behind a load balancer an
 * in-memory guard would let a solution used on one instance pass again on the next.
 */
export class StoredReplayGuard implements PowReplayGuard {
  constructor(
    private readonly store: Store,
    private readonly keys: CounterKeys,
  ) {}

  claim(key: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    if (expiresAtMs <= nowMs) return Promise.resolve(true); // as ReplayGuard: callers refuse it first
    const counter = this.keys.key("pow-replay", key);
    return updateCounters(this.store, [counter], nowMs, (states) => {
      // A live row is a claim made before (expired rows read as absent).
      if (states.get(counter) !== undefined) return { writes: new Map(), result: false };
      return {
        writes: new Map([[counter, { value: 1, at: nowMs, expiresAt: expiresAtMs }]]),
        result: true,
      };
    });
  }
}
