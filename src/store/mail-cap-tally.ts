import type { Kysely, Transaction } from "kysely";
import { hourStart, hourTallyExpiry } from "../domain/limits/mail-cap-hour.js";
import type { Store } from "./database.js";
import type { DatabaseSchema } from "./schema.js";

/**
 * What the per-program hourly mail cap took in and refused, tallied in the database (rows of
 * `rate_counters`, like the cap's own bucket) so every instance on it counts into one tally:
 * per UTC hour (the mail page, the once-an-hour log line) and in total (the Prometheus counter).
 *
 * The keys name the program in clear: program slugs are public (the policy pages), and these
 * rows say nothing about who sent what.
 */

type Db = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;

/** Never pruned: a Prometheus counter must not go back to zero while the server runs. */
const NEVER = Number.MAX_SAFE_INTEGER;

const takenKey = (program: string, hourMs: number) => `mail-cap:taken:${program}:${hourMs}`;
const refusedKey = (program: string, hourMs: number) => `mail-cap:refused:${program}:${hourMs}`;
const refusedTotalKey = (program: string) => `mail-cap:refused-total:${program}`;

/** Adds `delta` to a tally row (created at 0 when missing) and returns its new value: one statement. */
async function add(db: Db, key: string, delta: number, at: number, expiresAt: number): Promise<number> {
  const row = await db
    .insertInto("rate_counters")
    .values({ key, value: delta, at, expires_at: expiresAt })
    .onConflict((conflict) =>
      conflict.column("key").doUpdateSet((eb) => ({ value: eb("rate_counters.value", "+", delta) })),
    )
    .returning("value")
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

/**
 * Counts a message taken in (`delta` 1) or given back because it could not be stored (-1), in
 * the transaction that took its token from the cap, so the tally and the cap never disagree.
 */
export async function tallyTaken(trx: Db, program: string, now: Date, delta: 1 | -1): Promise<void> {
  const hourMs = hourStart(now);
  await add(trx, takenKey(program, hourMs), delta, hourMs, hourTallyExpiry(hourMs));
}

/** Counts a message the cap refused; returns how many it refused this hour, this one included. */
export async function tallyRefused(trx: Db, program: string, now: Date): Promise<number> {
  const hourMs = hourStart(now);
  await add(trx, refusedTotalKey(program), 1, hourMs, NEVER);
  return add(trx, refusedKey(program, hourMs), 1, hourMs, hourTallyExpiry(hourMs));
}

/** `tallyRefused` in a transaction of its own (a refusal at RCPT, before any take). */
export function recordRefusal(store: Store, program: string, now: Date): Promise<number> {
  return store.relaxedWrite((trx) => tallyRefused(trx, program, now));
}

export interface MailCapTally {
  takenThisHour: number;
  refusedThisHour: number;
  refusedTotal: number;
}

/** Each program's tally (zeros for a program with none), read in one query. */
export async function readMailCapTallies(
  store: Store,
  programs: readonly string[],
  now: Date,
): Promise<Map<string, MailCapTally>> {
  const tallies = new Map<string, MailCapTally>(
    programs.map((program) => [program, { takenThisHour: 0, refusedThisHour: 0, refusedTotal: 0 }]),
  );
  if (programs.length === 0) return tallies;
  const hourMs = hourStart(now);
  const wanted = new Map<string, [string, keyof MailCapTally]>();
  for (const program of programs) {
    wanted.set(takenKey(program, hourMs), [program, "takenThisHour"]);
    wanted.set(refusedKey(program, hourMs), [program, "refusedThisHour"]);
    wanted.set(refusedTotalKey(program), [program, "refusedTotal"]);
  }
  const rows = await store.db
    .selectFrom("rate_counters")
    .select(["key", "value"])
    .where("key", "in", [...wanted.keys()])
    .execute();
  for (const row of rows) {
    const target = wanted.get(row.key);
    const tally = target === undefined ? undefined : tallies.get(target[0]);
    if (target !== undefined && tally !== undefined) tally[target[1]] = Math.max(0, Number(row.value));
  }
  return tallies;
}
