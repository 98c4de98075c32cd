import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/database.js";
import { rateLimitKeys } from "../../src/web/abuse/rate-limit-keys.js";
import { StoredReplayGuard } from "../../src/web/pow/stored-replay-guard.js";
import { databases } from "../support/databases.js";
import { openReadyStore } from "../support/reports.js";

/**
 * The proof-of-work replay guard in the database (what instances behind a load balancer share):
 * a solved challenge is good once, on any instance, until it expires. (The app uses it on
 * PostgreSQL; it works on SQLite too, where the in-memory guard is used instead.)
 */
describe.each(databases)("StoredReplayGuard on $name", (database) => {
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  async function twoInstances(): Promise<[StoredReplayGuard, StoredReplayGuard]> {
    const { store } = await openReadyStore(database);
    const other = await store.reopen();
    stores.push(other, store);
    const keys = rateLimitKeys(randomBytes(32));
    return [new StoredReplayGuard(store, keys), new StoredReplayGuard(other, keys)];
  }

  it("accepts a challenge once across two stores, and again only after it expired", async () => {
    const [a, b] = await twoInstances();
    const now = Date.parse("2026-12-07T12:00:00Z");
    expect(await a.claim("c1", now + 60_000, now)).toBe(true);
    expect(await b.claim("c1", now + 60_000, now + 1)).toBe(false);
    expect(await a.claim("c2", now + 60_000, now + 2)).toBe(true);
    // Past its expiry the row counts as gone (verifyPowSolution refuses expired ones before).
    expect(await b.claim("c1", now + 120_000, now + 60_000)).toBe(true);
  });

  it("lets exactly one of many concurrent claims of one challenge through", async () => {
    const [a, b] = await twoInstances();
    const now = Date.now();
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).claim("same", now + 60_000, now)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
  });
});
