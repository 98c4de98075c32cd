import { randomBytes } from "node:crypto";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { encryptText } from "../src/crypto/envelope.js";
import type { Keyring } from "../src/crypto/keyring.js";
import { aad } from "../src/store/aad.js";
import { GENESIS_HASH } from "../src/store/chain.js";
import { loadKeyring } from "../src/store/data-keys.js";
import type { Store } from "../src/store/database.js";
import { nextDueAt } from "../src/store/deadlines.js";
import { randomId, sha256Hex } from "../src/store/ids.js";
import type { InboxFilter } from "../src/store/inbox.js";
import { listInbox } from "../src/store/inbox.js";
import { migrate } from "../src/store/migrate.js";
import type { CasesTable } from "../src/store/schema.js";
import {
  currentSearchKey,
  SEARCH_INDEX_VERSION,
  type SearchKey,
  termHashes,
} from "../src/store/search-index.js";
import { openBenchStore } from "./bench-store.js";
import { SEEDED_TABLES, seedPostgres } from "./inbox-seed-postgres.js";

/**
 * `npx tsx bench/inbox.ts [--cases 100000] [--queries 200] [--postgres]`
 *
 * The staff inbox on a large database: inserts synthetic cases through a fast path (bulk
 * inserts in batches, titles still encrypted and indexed as submitReport does, no events), then
 * times `listInbox` over a rotation of realistic filters against a bare
 * `select … order by next_due_at limit 50` baseline in the same run. Prints p50/p95 of each and
 * their ratio. The target: listInbox p95 under 50 ms on SQLite with 100,000 cases. SQLite runs in
 * a temporary file; --postgres uses a fresh schema in EMBARGO_BENCH_DATABASE_URL (default: the
 * test database), dropped afterwards. `--keep <file>` (SQLite; with --postgres, a schema name) keeps
 * the database there and, when it already holds cases, measures it again without loading.
 *
 * `--cases 1000000` (issue 17) works in bounded memory: on SQLite cases are generated and inserted
 * 500 at a time, each batch one transaction of cached prepared statements, with synchronous = off
 * and a 128 MiB page cache (restored afterwards). On PostgreSQL (bench/inbox-seed-postgres.ts) the
 * seeded tables' secondary indexes are dropped, cases go in 5,000 at a time as one
 * `insert … select from unnest(…)` per table with synchronous_commit = off, and the indexes are
 * then rebuilt from their saved definitions (checked to be the migrations' again). The seeding,
 * index and ANALYZE times are printed apart from the queries. About 3 KB of database per case
 * (3 GB at 1,000,000); `--keep` then lets the queries be measured again without seeding
 * (`npm run bench -- inbox --keep <file>`, or `npx tsx bench/inbox.ts --keep <file>`).
 */
export const description = "staff inbox queries (listInbox) over 100,000 cases against a bare indexed select";

const PROGRAMS = ["acme", "globex", "initech", "umbrella", "hooli"];
/** Skewed: the first program has most of the cases, as a busy program would. */
const PROGRAM_WEIGHTS = [0.4, 0.25, 0.15, 0.12, 0.08];
const STATES: readonly [string, number][] = [
  ["new", 0.1],
  ["triaged", 0.08],
  ["in-progress", 0.1],
  ["needs-info", 0.04],
  ["fixed", 0.05],
  ["disclosed", 0.03],
  ["closed", 0.6],
];
const OPEN_STATES = ["new", "triaged", "in-progress", "needs-info", "fixed", "disclosed"];
const SEVERITIES = ["none", "low", "medium", "high", "critical"] as const;
const ASSETS = ["web-app", "api", "mobile-ios", "mobile-android", "docs", "cli", "infra", "sso"];
const SOURCES = ["web", "api", "email"] as const;
const USERS = Array.from({ length: 12 }, (_, i) => `user${i}`);
const TAGS = [
  "xss",
  "sqli",
  "csrf",
  "ssrf",
  "rce",
  "idor",
  "bounty",
  "regression",
  "needs-cve",
  "third-party",
];
const VOCABULARY = (
  "stored reflected dom xss sql injection blind server side request forgery remote code execution " +
  "idor insecure direct object reference authentication bypass session fixation open redirect csrf token " +
  "missing rate limiting password reset account takeover privilege escalation admin panel upload avatar " +
  "profile page search api endpoint graphql webhook export import invoice billing payment oauth saml " +
  "login logout mfa totp cookie header cors policy clickjacking subdomain takeover dns email spoofing " +
  "information disclosure stack trace debug mode path traversal file inclusion deserialization template " +
  "prototype pollution race condition denial service regex cache poisoning smuggling jwt signature"
).split(" ");

const NOW = new Date("2026-11-25T12:00:00.000Z");
const DAY_MS = 86_400_000;
const BATCH = 500;
/** PostgreSQL: cases per unnest insert (about 5 MB of parameters; one statement per table). */
const POSTGRES_BATCH = 5_000;

/** A seeded generator, so runs are comparable. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("empty list");
  return item;
}

function weighted(random: () => number, items: readonly (readonly [string, number])[]): string {
  let roll = random();
  for (const [item, weight] of items) {
    roll -= weight;
    if (roll <= 0) return item;
  }
  return items.at(-1)?.[0] ?? "";
}

interface Generated {
  cases: CasesTable[];
  terms: { case_id: string; term_hash: string }[];
  tags: { case_id: string; tag: string }[];
}

function generateBatch(random: () => number, keyring: Keyring, key: SearchKey, count: number): Generated {
  const batch: Generated = { cases: [], terms: [], tags: [] };
  const programWeights = PROGRAMS.map((program, i) => [program, PROGRAM_WEIGHTS[i] ?? 0] as const);
  for (let i = 0; i < count; i += 1) {
    const id = randomId();
    const received = new Date(NOW.getTime() - Math.floor(random() * 3 * 365 * DAY_MS));
    const state = weighted(random, STATES);
    const acknowledgeBy =
      random() < 0.9 ? new Date(received.getTime() + (1 + Math.floor(random() * 3)) * DAY_MS) : null;
    const acknowledged = state !== "new" || random() < 0.3;
    const acknowledgedAt = acknowledged ? new Date(received.getTime() + Math.floor(random() * DAY_MS)) : null;
    const dueAt =
      state !== "new" && random() < 0.7
        ? new Date(received.getTime() + Math.floor(random() * 120) * DAY_MS)
        : null;
    const title = Array.from({ length: 4 + Math.floor(random() * 5) }, () => pick(random, VOCABULARY)).join(
      " ",
    );
    const fields = { description: `${title}. Steps to reproduce: …`.repeat(3), impact: "Account takeover" };
    const row: CasesTable = {
      id,
      program: weighted(random, programWeights),
      state,
      source: pick(random, SOURCES),
      asset_id: random() < 0.9 ? pick(random, ASSETS) : null,
      received_at: received.toISOString(),
      acknowledge_by: acknowledgeBy?.toISOString() ?? null,
      updated_at: received.toISOString(),
      reporter_token_hash: sha256Hex(randomBytes(32)),
      report_ct: encryptText(
        keyring,
        JSON.stringify({ title, fields, credit: { mode: "anonymous" } }),
        aad.report(id),
      ),
      contact_ct: null,
      event_count: 0,
      last_event_hash: GENESIS_HASH,
      assignee: state === "new" && random() < 0.7 ? null : random() < 0.85 ? pick(random, USERS) : null,
      priority: state === "new" ? null : pick(random, ["low", "medium", "high"] as const),
      due_at: dueAt?.toISOString() ?? null,
      severity: state === "new" && random() < 0.6 ? null : pick(random, SEVERITIES),
      cvss31_vector: null,
      cvss31_score: random() < 0.5 ? Math.round(random() * 100) / 10 : null,
      cvss40_vector: null,
      cvss40_score: null,
      cwe: null,
      outcome: state === "closed" ? pick(random, ["resolved", "duplicate", "informative", "spam"]) : null,
      duplicate_of: null,
      acknowledged_at: acknowledgedAt?.toISOString() ?? null,
      first_team_reply_at: acknowledgedAt?.toISOString() ?? null,
      detailed_response_at: null,
      triaged_at: state === "new" ? null : (acknowledgedAt?.toISOString() ?? null),
      fixed_at: null,
      closed_at: state === "closed" ? received.toISOString() : null,
      agreement_due_at: null,
      next_due_at: null,
      search_key_id: key.id,
      // Indexed as the bench writes it (title words): no first search indexing 100,000 cases.
      search_index_version: SEARCH_INDEX_VERSION,
      fix_released_at: null,
      privacy_incident_at: null,
      authority_notify_by: null,
      authority_notified_at: null,
      opened_by: null,
    };
    row.next_due_at = nextDueAt(row);
    batch.cases.push(row);
    for (const hash of termHashes(key, title)) batch.terms.push({ case_id: id, term_hash: hash });
    if (random() < 0.35) {
      for (const tag of new Set(
        [pick(random, TAGS), pick(random, TAGS)].slice(0, 1 + Math.floor(random() * 2)),
      )) {
        batch.tags.push({ case_id: id, tag });
      }
    }
  }
  return batch;
}

async function insertCases(store: Store, keyring: Keyring, total: number): Promise<void> {
  const key = await currentSearchKey(store, keyring);
  const random = rng(20261125);
  if (store.dialect === "postgres") {
    await seedPostgres(store, total, POSTGRES_BATCH, (count) => {
      const batch = generateBatch(random, keyring, key, count);
      return { cases: batch.cases, case_title_terms: batch.terms, case_tags: batch.tags };
    });
    return;
  }
  const started = performance.now();
  for (let done = 0; done < total; done += BATCH) {
    const batch = generateBatch(random, keyring, key, Math.min(BATCH, total - done));
    await store.transaction(async (trx) => {
      // Column count × rows stays under both engines' bound-parameter limits.
      for (let start = 0; start < batch.cases.length; start += 250) {
        await trx
          .insertInto("cases")
          .values(batch.cases.slice(start, start + 250))
          .execute();
      }
      for (let start = 0; start < batch.terms.length; start += 5000) {
        await trx
          .insertInto("case_title_terms")
          .values(batch.terms.slice(start, start + 5000))
          .execute();
      }
      if (batch.tags.length > 0) await trx.insertInto("case_tags").values(batch.tags).execute();
    });
    if ((done / BATCH) % 40 === 0) process.stdout.write(`\r  inserted ${done + batch.cases.length} cases`);
  }
  const seconds = (performance.now() - started) / 1000;
  const heap = Math.round(process.memoryUsage().rss / 2 ** 20);
  process.stdout.write(
    `\r  seeding: inserted ${total} cases in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s; bench RSS ${heap} MB)\n`,
  );
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

interface Stats {
  p50: number;
  p95: number;
  max: number;
}

function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? Number.NaN };
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

/** The filters a responder uses, in rotation; `page2` asks for the second page of the first. */
function filters(): { name: string; filter: Omit<InboxFilter, "now" | "limit">; page2?: boolean }[] {
  return [
    { name: "program, open states", filter: { programs: ["acme"], states: OPEN_STATES } },
    { name: "same, page 2", filter: { programs: ["acme"], states: OPEN_STATES }, page2: true },
    {
      name: "two programs, overdue",
      filter: { programs: ["acme", "globex"], states: OPEN_STATES, overdue: true },
    },
    { name: "all programs, new, unassigned", filter: { programs: "*", states: ["new"], assignee: null } },
    { name: "program, high+critical", filter: { programs: ["acme"], severity: ["high", "critical"] } },
    { name: "program, assignee", filter: { programs: ["globex"], assignee: "user3", states: OPEN_STATES } },
    { name: "program, tag", filter: { programs: ["acme"], tag: "xss" } },
    { name: "program, asset, source", filter: { programs: ["initech"], asset: "api", source: "email" } },
    { name: "program, title word", filter: { programs: ["acme"], text: "webhook" } },
    { name: "all programs, two title words", filter: { programs: "*", text: "stored xss" } },
    {
      name: "combined",
      filter: {
        programs: ["acme", "globex", "initech"],
        states: OPEN_STATES,
        severity: ["high"],
        text: "api",
      },
    },
    { name: "all programs, no filter", filter: { programs: "*" } },
  ];
}

async function measure(store: Store, keyring: Keyring, queries: number): Promise<void> {
  const rotation = filters();
  const limit = 50;
  const run = async (entry: (typeof rotation)[number]) => {
    const base: InboxFilter = { ...entry.filter, now: NOW, limit };
    if (!entry.page2) return listInbox(store, keyring, base);
    const first = await listInbox(store, keyring, base);
    return listInbox(store, keyring, { ...base, ...(first.next === undefined ? {} : { after: first.next }) });
  };
  const baseline = () =>
    store.db
      .selectFrom("cases")
      .select(["id", "program", "state", "severity", "assignee", "next_due_at", "received_at"])
      .orderBy("next_due_at")
      .limit(limit)
      .execute();

  // Warm up caches and the JIT, unmeasured.
  for (const entry of rotation) await run(entry);
  for (let i = 0; i < 20; i += 1) await baseline();

  const inbox: number[] = [];
  const byFilter = new Map<string, number[]>();
  const base: number[] = [];
  const rows = new Map<string, number>();
  for (let i = 0; i < queries; i += 1) {
    const entry = rotation[i % rotation.length];
    if (entry === undefined) continue;
    // Page 2 is timed alone: the first page is fetched first, untimed.
    let after: string | undefined;
    if (entry.page2) after = (await listInbox(store, keyring, { ...entry.filter, now: NOW, limit })).next;
    const started = performance.now();
    const result = await listInbox(store, keyring, {
      ...entry.filter,
      now: NOW,
      limit,
      ...(after === undefined ? {} : { after }),
    });
    const elapsed = performance.now() - started;
    inbox.push(elapsed);
    byFilter.set(entry.name, [...(byFilter.get(entry.name) ?? []), elapsed]);
    rows.set(entry.name, result.rows.length);

    const baseStarted = performance.now();
    await baseline();
    base.push(performance.now() - baseStarted);
  }

  console.log(`  ${queries} queries each, limit ${limit}:`);
  for (const [name, samples] of byFilter) {
    const s = stats(samples);
    console.log(
      `    ${name.padEnd(32)} p50 ${ms(s.p50).padStart(10)}  p95 ${ms(s.p95).padStart(10)}  (${rows.get(name)} rows)`,
    );
  }
  const inboxStats = stats(inbox);
  const baseStats = stats(base);
  console.log(
    `  listInbox, all filters          p50 ${ms(inboxStats.p50)}  p95 ${ms(inboxStats.p95)}  max ${ms(inboxStats.max)}`,
  );
  console.log(
    `  baseline select … order by next_due_at limit ${limit}: p50 ${ms(baseStats.p50)}  p95 ${ms(baseStats.p95)}`,
  );
  console.log(
    `  ratio listInbox / baseline: p50 ${(inboxStats.p50 / baseStats.p50).toFixed(1)}×  p95 ${(inboxStats.p95 / baseStats.p95).toFixed(1)}×`,
  );
  const target = 50;
  console.log(`  target p95 < ${target} ms: ${inboxStats.p95 < target ? "met" : "NOT met"}`);
}

export async function run(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      cases: { type: "string", default: "100000" },
      queries: { type: "string", default: "200" },
      postgres: { type: "boolean", default: false },
      keep: { type: "string" },
    },
    allowPositionals: true,
    strict: false,
  });
  const total = Number(values.cases);
  const queries = Number(values.queries);
  if (!Number.isInteger(total) || total < 1 || !Number.isInteger(queries) || queries < 1) {
    throw new Error("--cases and --queries take positive whole numbers");
  }
  const postgres = values.postgres === true;
  const keep = typeof values.keep === "string" ? values.keep : undefined;
  const engine = postgres ? "PostgreSQL" : "SQLite";
  const { store, dispose } = await openBenchStore(postgres, keep);
  try {
    await migrate(store);
    const masterKey = keep === undefined ? randomBytes(32) : Buffer.alloc(32, 7); // a kept file is reopened
    const keyring = await loadKeyring(store, masterKey);
    const existing = await store.db
      .selectFrom("cases")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    // The header after the count: a kept database is measured with the cases it holds, whatever
    // --cases says.
    if (Number(existing?.n ?? 0) > 0) {
      console.log(`inbox: ${Number(existing?.n)} cases on ${engine}, reused from ${keep}`);
      await measure(store, keyring, queries);
      return;
    }
    console.log(`inbox: ${total} cases on ${engine}${keep === undefined ? "" : `, kept in ${keep}`}`);
    // The bulk load is the benchmark's setup, not what it measures: on SQLite, skip the fsync of
    // every commit while loading (the server keeps synchronous = FULL), then restore it.
    // A larger page cache too: at a million cases the random-key index inserts would otherwise
    // go to the file for most pages (SQLite's default cache is 2 MB). Bounded: 128 MiB.
    if (store.dialect === "sqlite") {
      await sql`pragma synchronous = off`.execute(store.db);
      await sql`pragma cache_size = -131072`.execute(store.db);
    }
    await insertCases(store, keyring, total);
    if (store.dialect === "sqlite") {
      await sql`pragma synchronous = full`.execute(store.db);
      await sql`pragma cache_size = -2000`.execute(store.db);
    }
    // Statistics for the planner (and, on PostgreSQL, the visibility map for index-only scans), as
    // a long-running database has them from autovacuum.
    // On PostgreSQL only the bench's own schema: a bare `vacuum analyze` would go through every
    // schema of the shared test database. The seeded tables, then the rest (empty, but vacuumed as
    // before so the planner sees them as empty).
    const analyzing = performance.now();
    if (store.dialect === "postgres") {
      const { rows } = await sql<{ name: string }>`
        select tablename as name from pg_tables where schemaname = current_schema()`.execute(store.db);
      const others = rows.map((row) => row.name).filter((name) => !SEEDED_TABLES.some((t) => t === name));
      const tables = [...SEEDED_TABLES, ...others].map((name) => sql.table(name));
      await sql`vacuum analyze ${sql.join(tables)}`.execute(store.db);
    } else {
      await sql`analyze`.execute(store.db);
    }
    console.log(
      `  ${store.dialect === "postgres" ? "vacuum analyze" : "analyze"} in ${((performance.now() - analyzing) / 1000).toFixed(1)} s`,
    );
    await measure(store, keyring, queries);
  } finally {
    await dispose();
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(path.resolve(entry)).href) {
  run().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  });
}
