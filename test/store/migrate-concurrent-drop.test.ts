import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { migrate, migrateDown } from "../../src/store/migrate.js";
import { databases, POSTGRES_TEST_URL } from "../support/databases.js";

/**
 * Several Embargo schemas (or other applications' schemas) can share one PostgreSQL database,
 * and any of them may be dropped while a store migrates: parallel test processes drop their
 * schema when done, an operator may drop an unrelated schema while Embargo starts. Migrating
 * must look only at the store's own schema. Kysely's stock introspector walked every schema's
 * catalog and called catalog functions on each relation, and a migration read the check
 * constraints of every schema's `inbound_mail`, so a schema dropped mid-query failed the
 * migration ("schema … does not exist", "could not open relation with OID …").
 */
const postgres = databases.find((database) => database.name === "postgres");

/** Fresh stores to migrate, and how many times each then undoes and redoes its latest migration. */
const STORES = 3;
const CYCLES_PER_STORE = 6;
/** Keeps the test bounded on a busy machine: no new step starts after this. */
const MAX_MS = 20_000;
/** Churners running at once: two or more keep a drop in flight. */
const CHURNERS = 3;

/**
 * Creates a throwaway schema shaped like another Embargo store, with what catalog functions get
 * called on (serial columns: Kysely's introspector looks their sequences up; check constraints on
 * `inbound_mail`: a migration reads its own table's constraint definitions), then drops it,
 * again and again until told to stop. Returns how many schemas it dropped.
 */
async function churn(stop: { done: boolean }): Promise<number> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await client.connect();
  let cycles = 0;
  try {
    while (!stop.done) {
      const schema = client.escapeIdentifier(`embargo_churn_${randomBytes(6).toString("hex")}`);
      await client.query(`create schema ${schema}`);
      for (const table of ["cases", "inbound_mail"]) {
        await client.query(
          `create table ${schema}.${table} (id serial primary key, status text check (status <> ''))`,
        );
      }
      await client.query(`drop schema ${schema} cascade`);
      cycles += 1;
    }
  } finally {
    await client.end();
  }
  return cycles;
}

describe.skipIf(postgres === undefined)("migrating while other schemas are dropped (PostgreSQL)", () => {
  it("never trips over another schema's drop", async () => {
    if (postgres === undefined) return;
    const stop = { done: false };
    const churners = Array.from({ length: CHURNERS }, () => churn(stop));
    const failures: string[] = [];
    let runs = 0;
    const deadline = Date.now() + MAX_MS;
    const attempt = async (step: () => Promise<unknown>): Promise<void> => {
      if (Date.now() > deadline) return;
      runs += 1;
      await step().catch((error: unknown) => {
        failures.push(error instanceof Error ? error.message : String(error));
      });
    };
    try {
      for (let stores = 0; stores < STORES; stores += 1) {
        // Each test store is a fresh schema, dropped again on close: more drops to race with.
        const store = await postgres.open();
        try {
          await attempt(() => migrate(store));
          // Every run first checks that Kysely's bookkeeping tables exist (the check that walked
          // every schema); undoing and redoing the latest migration runs its catalog reads again.
          for (let cycle = 0; cycle < CYCLES_PER_STORE; cycle += 1) {
            await attempt(() => migrateDown(store));
            await attempt(() => migrate(store));
          }
        } finally {
          await store.close();
        }
      }
    } finally {
      stop.done = true;
    }
    const dropped = (await Promise.all(churners)).reduce((sum, count) => sum + count, 0);
    // Otherwise the test would pass without racing anything.
    expect(runs).toBeGreaterThan(2);
    expect(dropped).toBeGreaterThan(2);
    expect(failures, `${failures.length} of ${runs} migration runs failed`).toEqual([]);
  });
});
