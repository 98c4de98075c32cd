import { randomBytes } from "node:crypto";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { verifyAuditChains } from "../src/store/audit.js";
import { describeTables } from "../src/store/backup/tables.js";
import { copyStore } from "../src/store/copy.js";
import { loadKeyring } from "../src/store/data-keys.js";
import type { Store } from "../src/store/database.js";
import { migrate } from "../src/store/migrate.js";
import { seedCases } from "../test/support/bulk-cases.js";
import { openBenchStore } from "./bench-store.js";

/**
 * `npx tsx bench/store-copy.ts [--cases 10000]`
 * (`node --expose-gc --import tsx bench/store-copy.ts …` to measure the live heap rather than RSS)
 *
 * Issue 17's "done when": a SQLite installation of 10,000 cases (each with its chained
 * `case.received` event, loaded as test/support/bulk-cases.ts does) moved to a fresh PostgreSQL
 * schema in EMBARGO_BENCH_DATABASE_URL (default: the test database) with `copyStore`, the
 * command's own code; then `embargo audit verify`'s check run on the copy. Prints the time of
 * each stage and the memory in use before and at most while copying, which should not grow with
 * the number of cases (the copy pages through each table).
 */
export const description = "embargo store copy: 10,000 cases from SQLite to PostgreSQL, then audit verify";

/**
 * Run with --expose-gc (`node --expose-gc --import tsx bench/store-copy.ts`): the heap still in use
 * after a full collection, what the copy holds on to. Without it, the resident set, which also
 * counts garbage not yet collected and so grows with the work done.
 */
const gc = (globalThis as { gc?: () => void }).gc;
const MEMORY = gc === undefined ? "RSS" : "live heap";
function memory(): number {
  if (gc === undefined) return process.memoryUsage().rss;
  gc();
  return process.memoryUsage().heapUsed;
}
const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;

const seconds = (from: number): string => `${((performance.now() - from) / 1000).toFixed(1)} s`;

export async function run(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { cases: { type: "string", default: "10000" } },
    allowPositionals: true,
    strict: false,
  });
  const count = Number(values.cases);
  if (!Number.isInteger(count) || count < 1) throw new Error("--cases takes a positive whole number");
  const source = await openBenchStore(false, undefined);
  const target = await openBenchStore(true, undefined);
  try {
    await migrate(source.store);
    const masterKey = randomBytes(32);
    const keyring = await loadKeyring(source.store, masterKey);
    // The load is the benchmark's setup: no fsync per commit while loading (the server keeps FULL).
    await sql`pragma synchronous = off`.execute(source.store.db);
    let started = performance.now();
    const cases = await seedCases(source.store, keyring, count);
    await sql`pragma synchronous = full`.execute(source.store.db);
    console.log(`  loaded ${cases} cases into SQLite in ${seconds(started)}`);

    const before = memory();
    let peak = before;
    let calls = 0;
    // A collection per page of rows, and per 1,000 cases verified: a few hundred in all.
    const sample = (every: number) => {
      calls += 1;
      if (calls % every === 0) peak = Math.max(peak, memory());
    };
    started = performance.now();
    let [migratedAt, copiedAt] = [0, 0];
    const result = await copyStore(source.store, target.store, masterKey, {
      onCopied: (done, total) => {
        sample(1);
        if (done === 0) migratedAt = performance.now();
        if (done === total) copiedAt = performance.now();
      },
      onVerified: () => sample(1_000),
    });
    const rows = result.tables.reduce((sum, table) => sum + table.rows, 0);
    console.log(
      `  store copy: ${rows} rows in ${result.tables.length} tables, ${result.cases} cases verified, ` +
        `in ${seconds(started)} (checks and migrations ${((migratedAt - started) / 1000).toFixed(1)} s, ` +
        `rows ${((copiedAt - migratedAt) / 1000).toFixed(1)} s, counts and chains ${seconds(copiedAt)}); ` +
        `${MEMORY} ${mib(before)} before, at most ${mib(peak)}`,
    );
    const copySeconds = (performance.now() - started) / 1000;
    const bare = await bareCopy(source.store);
    console.log(
      `  baseline, the same rows copied bare (no checks, no verification): ${bare.toFixed(1)} s; ` +
        `ratio store copy / baseline ${(copySeconds / bare).toFixed(2)}×`,
    );
    started = performance.now();
    const audit = await verifyAuditChains(target.store, await loadKeyring(target.store, masterKey));
    if (!audit.ok) throw new Error(`audit verify failed on the copy: case ${audit.caseId}, #${audit.seq}`);
    console.log(
      `  audit verify on PostgreSQL: ok, ${audit.cases} cases, ${audit.events} events, in ${seconds(started)}`,
    );
  } finally {
    await source.dispose();
    await target.dispose();
  }
}

/**
 * The baseline: every row of every table read from SQLite and inserted into a fresh, migrated
 * PostgreSQL schema in batches of 500, one transaction, nothing checked. Seconds taken.
 */
async function bareCopy(source: Store): Promise<number> {
  const target = await openBenchStore(true, undefined);
  try {
    await migrate(target.store);
    const started = performance.now();
    const tables = await describeTables(source.db, source.dialect);
    await target.store.transaction(async (trx) => {
      // Self-references (cases.duplicate_of) are left to the order; the bench's cases have none.
      await sql`set constraints all deferred`.execute(trx);
      for (const table of tables) {
        const rows = (
          await sql<Record<string, unknown>>`select * from ${sql.table(table.name)}`.execute(source.db)
        ).rows;
        for (let at = 0; at < rows.length; at += 500) {
          const batch = rows.slice(at, at + 500);
          const columns = table.columns;
          await sql`insert into ${sql.table(table.name)} (${sql.join(columns.map((c) => sql.ref(c)))}) values ${sql.join(
            batch.map((row) => sql`(${sql.join(columns.map((c) => row[c] ?? null))})`),
          )}`.execute(trx);
        }
      }
    });
    return (performance.now() - started) / 1000;
  } finally {
    await target.dispose();
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(path.resolve(entry)).href) {
  run().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  });
}
