import { createHmac } from "node:crypto";
import type { Transaction } from "kysely";
import type { Store } from "./database.js";
import type { DatabaseSchema } from "./schema.js";

/**
 * Limits shared by every request and every instance: each counter is a row of `rate_counters`,
 * read and written under a row lock (PostgreSQL `FOR UPDATE`; SQLite's `BEGIN IMMEDIATE` takes
 * the database's write lock) in one transaction. Checking and recording are one step, so no
 * number of concurrent requests, nor a second process on the same database, can get past a
 * limit that one request at a time would meet.
 *
 * Keys are HMACs (`CounterKeys`): the table holds no address or email in clear.
 */

/** A counter's state as stored; absent when it never counted or has expired. */
export interface CounterState {
  value: number;
  /** Epoch milliseconds. */
  at: number;
}

/** What to store for a key; `null` forgets it. */
export type CounterWrite = (CounterState & { expiresAt: number }) | null;

export type CounterUpdate<T> = { writes: Map<string, CounterWrite>; result: T };

/**
 * Reads the counters for `keys` under a lock, lets `decide` compute the new states from them,
 * writes those, and returns its result. `decide` is pure (values and the clock in, states out)
 * and runs once. Keys are locked in sorted order so two callers never deadlock.
 */
export async function updateCounters<T>(
  store: Store,
  keys: readonly string[],
  nowMs: number,
  decide: (states: Map<string, CounterState | undefined>) => CounterUpdate<T>,
): Promise<T> {
  const sorted = [...new Set(keys)].sort();
  return store.transaction(async (trx) => {
    const states = new Map<string, CounterState | undefined>();
    for (const key of sorted) states.set(key, await lockedState(trx, store.dialect, key, nowMs));
    const { writes, result } = decide(states);
    for (const [key, write] of writes) {
      if (write === null) {
        await trx.deleteFrom("rate_counters").where("key", "=", key).execute();
      } else {
        await trx
          .updateTable("rate_counters")
          .set({ value: write.value, at: write.at, expires_at: write.expiresAt })
          .where("key", "=", key)
          .execute();
      }
    }
    await pruneSometimes(trx, nowMs);
    return result;
  });
}

/** The row for `key`, created (as expired) when missing so it can be locked. */
async function lockedState(
  trx: Transaction<DatabaseSchema>,
  dialect: Store["dialect"],
  key: string,
  nowMs: number,
): Promise<CounterState | undefined> {
  await trx
    .insertInto("rate_counters")
    .values({ key, value: 0, at: 0, expires_at: 0 })
    .onConflict((conflict) => conflict.column("key").doNothing())
    .execute();
  const query = trx.selectFrom("rate_counters").select(["value", "at", "expires_at"]).where("key", "=", key);
  const row = await (dialect === "postgres" ? query.forUpdate() : query).executeTakeFirstOrThrow();
  return Number(row.expires_at) <= nowMs ? undefined : { value: Number(row.value), at: Number(row.at) };
}

let writesSincePrune = 0;
const PRUNE_EVERY = 500;

/** Deletes expired rows now and then, so the table holds only live counters. */
async function pruneSometimes(trx: Transaction<DatabaseSchema>, nowMs: number): Promise<void> {
  writesSincePrune += 1;
  if (writesSincePrune < PRUNE_EVERY) return;
  writesSincePrune = 0;
  await trx.deleteFrom("rate_counters").where("expires_at", "<=", nowMs).execute();
}

/**
 * A token bucket: `capacity` tokens, refilled evenly over `windowMs` (so `capacity` per window
 * at a steady rate, and never more than `capacity` in a burst).
 */
export interface BucketRule {
  capacity: number;
  windowMs: number;
}

export interface Take {
  key: string;
  rule: BucketRule;
  /**
   * Tokens that must be in the bucket for this take to succeed (default 1). A stricter class of
   * sender shares the bucket but may only use its top part: with capacity 20 and need 16, a
   * sender without proof-of-work gets 5 of the 20, and every report counts against both.
   */
  need?: number;
}

export type TakeOutcome = { ok: true } | { ok: false; retryAfterSeconds: number; refused: string };

/** Pure: the bucket's tokens at `nowMs`, refilled since it was last counted. */
export function tokensAt(state: CounterState | undefined, rule: BucketRule, nowMs: number): number {
  if (state === undefined) return rule.capacity;
  const refilled = ((nowMs - state.at) / rule.windowMs) * rule.capacity;
  return Math.min(rule.capacity, state.value + Math.max(0, refilled));
}

/** Pure: decides a set of takes, all or nothing. */
export function decideTakes(
  takes: readonly Take[],
  states: Map<string, CounterState | undefined>,
  nowMs: number,
): CounterUpdate<TakeOutcome> {
  let refused: { key: string; wait: number } | undefined;
  for (const take of takes) {
    const need = take.need ?? 1;
    const tokens = tokensAt(states.get(take.key), take.rule, nowMs);
    if (tokens >= need) continue;
    const wait = ((need - tokens) / take.rule.capacity) * take.rule.windowMs;
    if (refused === undefined || wait > refused.wait) refused = { key: take.key, wait };
  }
  if (refused !== undefined) {
    return {
      writes: new Map(),
      result: { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(refused.wait / 1000)), refused: refused.key },
    };
  }
  const writes = new Map<string, CounterWrite>();
  for (const take of takes) {
    const tokens = tokensAt(states.get(take.key), take.rule, nowMs) - 1;
    // Full again after this long: until then the row must be kept.
    const refillMs = ((take.rule.capacity - tokens) / take.rule.capacity) * take.rule.windowMs;
    writes.set(take.key, { value: tokens, at: nowMs, expiresAt: nowMs + Math.ceil(refillMs) });
  }
  return { writes, result: { ok: true } };
}

/** Takes one token from each bucket, or none when any of them is short. */
export function takeTokens(store: Store, takes: readonly Take[], now: Date): Promise<TakeOutcome> {
  const nowMs = now.getTime();
  return updateCounters(
    store,
    takes.map((take) => take.key),
    nowMs,
    (states) => decideTakes(takes, states, nowMs),
  );
}

/** Counter keys: an HMAC of a purpose and its parts, so rows name no address or email. */
export class CounterKeys {
  constructor(private readonly secret: Buffer) {}

  key(purpose: string, ...parts: string[]): string {
    const mac = createHmac("sha256", this.secret).update([purpose, ...parts].join("\u0000")).digest("base64url");
    return `${purpose}:${mac.slice(0, 32)}`;
  }
}
