import { hkdfSync } from "node:crypto";
import type { Store } from "../store/database.js";
import { CounterKeys, type Take, tokensAt } from "../store/rate-counters.js";

/**
 * Counter keys for the mail limits (src/mail/smtp-limits.ts, src/mail/answer-limits.ts): HMACs
 * under a key of their own, derived from the mail key, so the rows name no host or address and
 * cannot be matched with the web's counters or anything else keyed from the same master key.
 */
export function mailCounterKeys(mailKey: Buffer): CounterKeys {
  return new CounterKeys(
    Buffer.from(hkdfSync("sha256", mailKey, Buffer.alloc(0), "embargo:rate-limit-keys:mail", 32)),
  );
}

export const HOUR_MS = 60 * 60 * 1000;

/**
 * Whether every take would succeed now, without taking anything: an early, advisory answer (the
 * SMTP listener's at RCPT time). It reads without a lock, so a concurrent take may still win;
 * the take itself (`takeTokens`) is what enforces the limit.
 */
export async function wouldTake(store: Store, takes: readonly Take[], now: Date): Promise<boolean> {
  return (await shortTakes(store, takes, now)).length === 0;
}

/** `wouldTake`, saying which: the keys of the takes that would be refused now (none: all pass). */
export async function shortTakes(store: Store, takes: readonly Take[], now: Date): Promise<string[]> {
  if (takes.length === 0) return [];
  const nowMs = now.getTime();
  const rows = await store.db
    .selectFrom("rate_counters")
    .select(["key", "value", "at", "expires_at"])
    .where(
      "key",
      "in",
      takes.map((take) => take.key),
    )
    .execute();
  const short = takes.filter((take) => {
    const row = rows.find((candidate) => candidate.key === take.key);
    const state =
      row === undefined || Number(row.expires_at) <= nowMs
        ? undefined
        : { value: Number(row.value), at: Number(row.at) };
    return tokensAt(state, take.rule, nowMs) < (take.need ?? 1);
  });
  return short.map((take) => take.key);
}
