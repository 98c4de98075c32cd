import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrate.js";
import {
  CounterKeys,
  type CounterState,
  decideReturns,
  decideTakes,
  returnTokens,
  type Take,
  takeTokens,
  tokensAt,
} from "../../src/store/rate-counters.js";
import { databases, type TestStore } from "../support/databases.js";

/**
 * The shared limit primitive: token buckets read and written under a lock in one transaction.
 * The rules are pure and tested with values; the store is tested under real concurrency on
 * both databases, including two stores (two app instances) on one database.
 */
const HOUR = 60 * 60 * 1000;
const T0 = Date.parse("2026-11-25T10:00:00Z");
const states = (entries: [string, CounterState | undefined][] = []) => new Map(entries);

describe("token bucket rules", () => {
  const rule = { capacity: 4, windowMs: HOUR };

  it("refills evenly over the window, never above capacity", () => {
    expect(tokensAt(undefined, rule, T0)).toBe(4);
    expect(tokensAt({ value: 0, at: T0 }, rule, T0 + HOUR / 4)).toBe(1);
    expect(tokensAt({ value: 3, at: T0 }, rule, T0 + HOUR)).toBe(4);
    // A clock behind the one that counted adds nothing (and takes nothing away).
    expect(tokensAt({ value: 2, at: T0 }, rule, T0 - HOUR)).toBe(2);
  });

  it("takes from every bucket or from none, and says which one refused and for how long", () => {
    const takes: Take[] = [
      { key: "a", rule },
      { key: "b", rule: { capacity: 2, windowMs: HOUR } },
    ];
    const full = decideTakes(takes, states(), T0);
    expect(full.result).toEqual({ ok: true });
    expect(full.writes.get("a")).toEqual({ value: 3, at: T0, expiresAt: T0 + HOUR / 4 });
    expect(full.writes.get("b")).toEqual({ value: 1, at: T0, expiresAt: T0 + HOUR / 2 });

    const bEmpty = decideTakes(takes, states([["b", { value: 0.5, at: T0 }]]), T0);
    expect(bEmpty.writes.size).toBe(0);
    // Half a token missing at 2 per hour: 15 minutes.
    expect(bEmpty.result).toEqual({ ok: false, retryAfterSeconds: 15 * 60, refused: "b" });
  });

  it("lets a stricter sender use only the top of a shared bucket", () => {
    const strict = (value: number) =>
      decideTakes(
        [{ key: "a", rule: { capacity: 20, windowMs: HOUR }, need: 16 }],
        states([["a", { value, at: T0 }]]),
        T0,
      );
    expect(strict(16).result).toEqual({ ok: true });
    expect(strict(16).writes.get("a")?.value).toBe(15);
    expect(strict(15).result).toMatchObject({ ok: false, retryAfterSeconds: 3 * 60 });
  });

  it("takes an amount (bytes) and refuses one that does not fit", () => {
    const bytes = { capacity: 1000, windowMs: HOUR };
    const take = (value: number) =>
      decideTakes([{ key: "bytes", rule: bytes, amount: 300 }], states([["bytes", { value, at: T0 }]]), T0);
    expect(take(300).writes.get("bytes")?.value).toBe(0);
    expect(take(299).result).toMatchObject({ ok: false, refused: "bytes" });
  });

  it("does not read a bucket refilled to exactly one token as just short of it", () => {
    const rule3 = { capacity: 3, windowMs: HOUR };
    const outcome = decideTakes(
      [{ key: "a", rule: rule3 }],
      states([["a", { value: 0, at: T0 }]]),
      T0 + HOUR / 3,
    );
    expect(outcome.result).toEqual({ ok: true });
  });

  it("never moves a bucket's time backwards (a second instance's clock behind the first's)", () => {
    const ahead = { value: 1, at: T0 + 60_000 };
    const write = decideTakes([{ key: "a", rule }], states([["a", ahead]]), T0).writes.get("a");
    expect(write).toMatchObject({ value: 0, at: T0 + 60_000 });
  });

  it("gives back up to capacity, and leaves a full (forgotten) bucket alone", () => {
    const given = decideReturns(
      [
        { key: "a", rule },
        { key: "b", rule },
      ],
      states([["a", { value: 3.5, at: T0 }]]),
      T0,
    );
    expect(given.writes.get("a")?.value).toBe(4);
    expect(given.writes.has("b")).toBe(false);
  });

  it("refuses takes that cannot be right as a programming error", () => {
    const bad: Take[][] = [
      [{ key: "a", rule: { capacity: 0, windowMs: HOUR } }],
      [{ key: "a", rule, need: 5 }],
      [{ key: "a", rule, amount: 2, need: 1 }],
      [
        { key: "a", rule },
        { key: "a", rule },
      ],
    ];
    for (const takes of bad) expect(() => decideTakes(takes, states(), T0)).toThrow(RangeError);
  });
});

describe("counter keys", () => {
  it("name no address, and differ by secret, purpose and part", () => {
    const keys = new CounterKeys(Buffer.alloc(32, 1));
    const key = keys.key("intake-address", "203.0.113.7");
    expect(key).toMatch(/^intake-address:[A-Za-z0-9_-]{32}$/);
    expect(key).not.toContain("203.0.113.7");
    expect(keys.key("intake-address", "203.0.113.8")).not.toBe(key);
    expect(keys.key("other", "203.0.113.7").split(":")[1]).not.toBe(key.split(":")[1]);
    expect(new CounterKeys(Buffer.alloc(32, 2)).key("intake-address", "203.0.113.7")).not.toBe(key);
    // Parts are separated: ("a", "bc") is not ("ab", "c").
    expect(keys.key("p", "a", "bc")).not.toBe(keys.key("p", "ab", "c"));
  });
});

describe.each(databases)("rate counters on $name", (database) => {
  let store: TestStore;
  const others: Store[] = [];
  beforeEach(async () => {
    store = await database.open();
    await migrate(store);
  });
  afterEach(async () => {
    for (const other of others.splice(0)) await other.close();
    await store.close();
  });

  const five = { capacity: 5, windowMs: HOUR };
  const now = new Date(T0);
  const okCount = (outcomes: { ok: boolean }[]) => outcomes.filter((o) => o.ok).length;

  it("lets exactly 5 of 50 concurrent takes through a bucket of 5", async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () => takeTokens(store, [{ key: "burst", rule: five }], now)),
    );
    expect(okCount(outcomes)).toBe(5);
    for (const outcome of outcomes) {
      if (!outcome.ok) expect(outcome).toEqual({ ok: false, retryAfterSeconds: 12 * 60, refused: "burst" });
    }
    // One token is back after a fifth of the hour, and only one.
    const later = new Date(T0 + HOUR / 5);
    const refill = await Promise.all(
      Array.from({ length: 10 }, () => takeTokens(store, [{ key: "burst", rule: five }], later)),
    );
    expect(okCount(refill)).toBe(1);
  });

  it("shares one count between two stores on the same database (two instances)", async () => {
    const second = await store.reopen();
    others.push(second);
    const take = (on: Store) => takeTokens(on, [{ key: "shared", rule: five }], now);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => take(i % 2 === 0 ? store : second)),
    );
    expect(okCount(outcomes)).toBe(5);
  });

  it("takes all or nothing under concurrency: a full bucket is not drained by refused takes", async () => {
    const one = { capacity: 1, windowMs: HOUR };
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        takeTokens(
          store,
          [
            { key: "narrow", rule: one },
            { key: "wide", rule: five },
          ],
          now,
        ),
      ),
    );
    expect(okCount(outcomes)).toBe(1);
    // "wide" lost only the one token the successful take used.
    const wide = await Promise.all(
      Array.from({ length: 10 }, () => takeTokens(store, [{ key: "wide", rule: five }], now)),
    );
    expect(okCount(wide)).toBe(4);
  });

  it("gives tokens back, and no more than were taken", async () => {
    const takes: Take[] = [{ key: "given", rule: five }];
    for (let i = 0; i < 5; i++) expect(await takeTokens(store, takes, now)).toEqual({ ok: true });
    expect((await takeTokens(store, takes, now)).ok).toBe(false);
    await returnTokens(store, takes, now);
    await returnTokens(store, [{ key: "never-taken", rule: five }], now);
    const after = await Promise.all(Array.from({ length: 5 }, () => takeTokens(store, takes, now)));
    expect(okCount(after)).toBe(1);
  });

  it("stores only keys and numbers, and forgets a bucket once it is full again", async () => {
    const keys = new CounterKeys(Buffer.alloc(32, 7));
    const key = keys.key("intake-address", "198.51.100.4");
    await takeTokens(store, [{ key, rule: five }], now);
    const rows = await store.db.selectFrom("rate_counters").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain("198.51.100.4");
    expect(Number(rows[0]?.expires_at)).toBe(T0 + HOUR / 5);
    // Once expired it reads as a full bucket.
    const later = new Date(T0 + HOUR / 5);
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () => takeTokens(store, [{ key, rule: five }], later)),
    );
    expect(okCount(outcomes)).toBe(5);
  });

  it.runIf(database.name === "postgres")(
    "takes a counter whose row is deleted while the take waits for its lock",
    async () => {
      const key = "deleted-under-me";
      await takeTokens(store, [{ key, rule: five }], now);
      const second = await store.reopen();
      others.push(second);
      let waiting: Promise<unknown> | undefined;
      await store.transaction(async (trx) => {
        await trx.selectFrom("rate_counters").select("key").where("key", "=", key).forUpdate().execute();
        const xid = (await sql<{ xid: string }>`select pg_current_xact_id()::text as xid`.execute(trx))
          .rows[0]?.xid;
        waiting = takeTokens(second, [{ key, rule: five }], now);
        // Wait until the take is blocked on this transaction's lock, then delete the row under it
        // (as a prune of expired rows, or a rule that forgets a counter, does).
        for (let blocked = 0; blocked === 0; ) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          const found = await sql<{ n: string }>`select count(*) as n from pg_locks
            where not granted and locktype = 'transactionid' and transactionid::text = ${xid}`.execute(
            store.db,
          );
          blocked = Number(found.rows[0]?.n);
        }
        await trx.deleteFrom("rate_counters").where("key", "=", key).execute();
      });
      // Gone means forgotten: a full bucket, from which this take used one token.
      await expect(waiting).resolves.toEqual({ ok: true });
      const row = await store.db
        .selectFrom("rate_counters")
        .selectAll()
        .where("key", "=", key)
        .executeTakeFirst();
      expect(Number(row?.value)).toBe(4);
    },
  );
});
