import { hkdfSync } from "node:crypto";
import { CounterKeys } from "../../store/rate-counters.js";

/**
 * The key that names rate counters (src/store/rate-counters.ts): derived from the proof-of-work
 * key, itself derived from the master key, so every instance sharing the master key (and the
 * database) names a sender's counters alike, and the table holds no address in clear.
 */
export function rateLimitKeys(powKey: Buffer): CounterKeys {
  return new CounterKeys(
    Buffer.from(hkdfSync("sha256", powKey, Buffer.alloc(0), "embargo:rate-limit-keys", 32)),
  );
}
