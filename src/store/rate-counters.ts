import { createHmac } from "node:crypto";
import type { Transaction } from "kysely";
import type { Store } from "./database.js";
import type { DatabaseSchema } from "./schema.js";

/**
 * Limits shared by every request and every instance: each counter is a row of `rate_counters`,
 * read and written under a row lock (PostgreSQL: the upsert that reads it locks it; SQLite's
 * `BEGIN IMMEDIATE` takes the database's write lock) in one transaction. Checking and recording are one step, so no
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
 *
 * It goes through `relaxedWrite`: on SQLite a burst of takes shares one commit instead of
 * queueing one each, and every take still sees the one before it, as SQLite runs them one after
 * another under its write lock. Counts need no wait for the disk: a power cut that loses the
 * last second of them lets a few more requests through afterwards, never fewer; every instance
 * sees each take as soon as it commits.
 */
export async function updateCounters<T>(
  store: Store,
  keys: readonly string[],
  nowMs: number,
  decide: (states: Map<string, CounterState | undefined>) => CounterUpdate<T>,
  /** More writes that must commit with the counters, or not at all (e.g. the mail cap's tally). */
  after?: (trx: Transaction<DatabaseSchema>, result: T) => Promise<void>,
): Promise<T> {
  const sorted = [...new Set(keys)].sort();
  return store.relaxedWrite(async (trx) => {
    const states = await lockedStates(trx, sorted, nowMs);
    const { writes, result } = decide(states);
    const updates: { key: string; value: number; at: number; expires_at: number }[] = [];
    for (const [key, write] of writes) {
      if (!states.has(key)) throw new Error(`rate counter ${key} was written without being locked`);
      if (write === null) {
        await trx.deleteFrom("rate_counters").where("key", "=", key).execute();
      } else {
        updates.push({ key, value: write.value, at: write.at, expires_at: write.expiresAt });
      }
    }
    // One statement for every update (a request takes from two or three buckets): the rows exist
    // and are locked (above), so the upsert only ever takes its update branch.
    if (updates.length > 0) {
      await trx
        .insertInto("rate_counters")
        .values(updates)
        .onConflict((conflict) =>
          conflict.column("key").doUpdateSet((eb) => ({
            value: eb.ref("excluded.value"),
            at: eb.ref("excluded.at"),
            expires_at: eb.ref("excluded.expires_at"),
          })),
        )
        .execute();
    }
    await after?.(trx, result);
    await pruneSometimes(trx, store.dialect, nowMs);
    return result;
  });
}

/**
 * The rows for `keys` (sorted), locked, and created (as expired) when missing; a key maps to
 * undefined when its counter is new or expired. One statement both creates and locks: an upsert that
 * "updates" each row to itself. (A separate insert-if-missing and `SELECT … FOR UPDATE` lost a
 * race on PostgreSQL: a row deleted between the two, by a prune or a `null` write, made the
 * select find nothing.) All keys in one statement: PostgreSQL takes the rows' locks in the order
 * of the VALUES list, which is sorted, so two callers still never deadlock. On SQLite the
 * transaction already holds the database's write lock.
 */
async function lockedStates(
  trx: Transaction<DatabaseSchema>,
  keys: readonly string[],
  nowMs: number,
): Promise<Map<string, CounterState | undefined>> {
  const states = new Map<string, CounterState | undefined>();
  if (keys.length === 0) return states;
  const rows = await trx
    .insertInto("rate_counters")
    .values(keys.map((key) => ({ key, value: 0, at: 0, expires_at: 0 })))
    .onConflict((conflict) =>
      conflict.column("key").doUpdateSet((eb) => ({ value: eb.ref("rate_counters.value") })),
    )
    .returning(["key", "value", "at", "expires_at"])
    .execute();
  const byKey = new Map(rows.map((row) => [row.key, row]));
  for (const key of keys) {
    const row = byKey.get(key);
    if (row === undefined) throw new Error(`rate counter ${key} was not locked`);
    states.set(
      key,
      Number(row.expires_at) <= nowMs ? undefined : { value: Number(row.value), at: Number(row.at) },
    );
  }
  return states;
}

let writesSincePrune = 0;
const PRUNE_EVERY = 500;
const PRUNE_BATCH = 1000;

/**
 * Deletes expired rows now and then, so the table holds only live counters. On PostgreSQL it
 * skips rows another transaction has locked: waiting for them while holding our own locks could
 * deadlock with a caller that waits for ours.
 */
async function pruneSometimes(
  trx: Transaction<DatabaseSchema>,
  dialect: Store["dialect"],
  nowMs: number,
): Promise<void> {
  writesSincePrune += 1;
  if (writesSincePrune < PRUNE_EVERY) return;
  writesSincePrune = 0;
  await pruneExpired(trx, dialect, nowMs);
}

/** Deletes up to PRUNE_BATCH expired rows that nobody holds. */
async function pruneExpired(
  trx: Transaction<DatabaseSchema>,
  dialect: Store["dialect"],
  nowMs: number,
): Promise<void> {
  const expired = trx
    .selectFrom("rate_counters")
    .select("key")
    .where("expires_at", "<=", nowMs)
    .limit(PRUNE_BATCH);
  const keys = dialect === "postgres" ? expired.forUpdate().skipLocked() : expired;
  await trx.deleteFrom("rate_counters").where("key", "in", keys).execute();
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
  /** Tokens this take uses (default 1); e.g. a message's bytes, for a bucket of bytes. */
  amount?: number;
  /**
   * Tokens that must be in the bucket for this take to succeed (default `amount`). A stricter
   * class of sender shares the bucket but may only use its top part: with capacity 20 and need
   * 16, such a sender is refused once 15 or fewer tokens are left, and leaves those to others.
   * (It limits a level, not a rate: once refilled above the line such a sender may take again.)
   */
  need?: number;
}

export type TakeOutcome = { ok: true } | { ok: false; retryAfterSeconds: number; refused: string };

/**
 * Tokens a take may be short by and still pass: refills are computed in floating point, and a
 * bucket refilled to exactly one token must not read as 0.9999999.
 */
const EPSILON = 1e-9;

/** Pure: the bucket's tokens at `nowMs`, refilled since it was last counted. */
export function tokensAt(state: CounterState | undefined, rule: BucketRule, nowMs: number): number {
  if (state === undefined) return rule.capacity;
  const refilled = ((nowMs - state.at) / rule.windowMs) * rule.capacity;
  return Math.min(rule.capacity, state.value + Math.max(0, refilled));
}

/**
 * Pure: the state to store for a bucket holding `tokens` at `nowMs`. Its time never goes
 * backwards: an instance whose clock is behind another's would otherwise move `at` back, and
 * the next reader would refill the same interval twice.
 */
function bucketWrite(
  tokens: number,
  previous: CounterState | undefined,
  rule: BucketRule,
  nowMs: number,
): CounterWrite {
  const at = Math.max(nowMs, previous?.at ?? nowMs);
  // Full again after this long: until then the row must be kept.
  const refillMs = ((rule.capacity - tokens) / rule.capacity) * rule.windowMs;
  return { value: tokens, at, expiresAt: at + Math.ceil(refillMs) };
}

/** A take that cannot be right is a bug in the caller, not a refusal to send to a stranger. */
function checkTakes(takes: readonly Take[]): void {
  const keys = new Set<string>();
  for (const take of takes) {
    const { capacity, windowMs } = take.rule;
    const amount = take.amount ?? 1;
    const need = take.need ?? amount;
    if (!(capacity > 0 && windowMs > 0))
      throw new RangeError(`bucket ${take.key}: capacity and window must be > 0`);
    if (!(amount >= 0 && need >= amount && need <= capacity)) {
      throw new RangeError(`bucket ${take.key}: needs 0 <= amount <= need <= capacity`);
    }
    if (keys.has(take.key)) throw new RangeError(`bucket ${take.key} is taken from twice in one call`);
    keys.add(take.key);
  }
}

/** Pure: decides a set of takes, all or nothing. */
export function decideTakes(
  takes: readonly Take[],
  states: Map<string, CounterState | undefined>,
  nowMs: number,
): CounterUpdate<TakeOutcome> {
  checkTakes(takes);
  let refused: { key: string; wait: number } | undefined;
  for (const take of takes) {
    const need = take.need ?? take.amount ?? 1;
    const tokens = tokensAt(states.get(take.key), take.rule, nowMs);
    if (tokens + EPSILON >= need) continue;
    const wait = ((need - tokens) / take.rule.capacity) * take.rule.windowMs;
    if (refused === undefined || wait > refused.wait) refused = { key: take.key, wait };
  }
  if (refused !== undefined) {
    return {
      writes: new Map(),
      result: {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil(refused.wait / 1000)),
        refused: refused.key,
      },
    };
  }
  const writes = new Map<string, CounterWrite>();
  for (const take of takes) {
    const state = states.get(take.key);
    const tokens = Math.max(0, tokensAt(state, take.rule, nowMs) - (take.amount ?? 1));
    writes.set(take.key, bucketWrite(tokens, state, take.rule, nowMs));
  }
  return { writes, result: { ok: true } };
}

/**
 * Pure: puts back what `takes` took (each up to its capacity), for work that turned out not to
 * count, such as a report refused as invalid.
 */
export function decideReturns(
  takes: readonly Take[],
  states: Map<string, CounterState | undefined>,
  nowMs: number,
): CounterUpdate<void> {
  checkTakes(takes);
  const writes = new Map<string, CounterWrite>();
  for (const take of takes) {
    const state = states.get(take.key);
    // Absent or expired: the bucket is full already.
    if (state === undefined) continue;
    const tokens = Math.min(take.rule.capacity, tokensAt(state, take.rule, nowMs) + (take.amount ?? 1));
    writes.set(take.key, bucketWrite(tokens, state, take.rule, nowMs));
  }
  return { writes, result: undefined };
}

/** Takes `amount` tokens (default 1) from each bucket, or none when any of them is short. */
export function takeTokens(
  store: Store,
  takes: readonly Take[],
  now: Date,
  after?: (trx: Transaction<DatabaseSchema>, outcome: TakeOutcome) => Promise<void>,
): Promise<TakeOutcome> {
  const nowMs = now.getTime();
  return updateCounters(
    store,
    takes.map((take) => take.key),
    nowMs,
    (states) => decideTakes(takes, states, nowMs),
    after,
  );
}

/** Gives back what a successful `takeTokens` with the same takes took. */
export function returnTokens(
  store: Store,
  takes: readonly Take[],
  now: Date,
  after?: (trx: Transaction<DatabaseSchema>) => Promise<void>,
): Promise<void> {
  const nowMs = now.getTime();
  return updateCounters(
    store,
    takes.map((take) => take.key),
    nowMs,
    (states) => decideReturns(takes, states, nowMs),
    after,
  );
}

/** Counter keys: an HMAC of a purpose and its parts, so rows name no address or email. */
export class CounterKeys {
  constructor(private readonly secret: Buffer) {}

  key(purpose: string, ...parts: string[]): string {
    const mac = createHmac("sha256", this.secret)
      .update([purpose, ...parts].join("\u0000"))
      .digest("base64url");
    return `${purpose}:${mac.slice(0, 32)}`;
  }
}
