import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Fastify from "fastify";
import { z } from "zod";
import { submitReport } from "../src/commands/submit-report.js";
import { loadMasterKey } from "../src/crypto/master-key.js";
import { assess } from "../src/domain/disclosure/affected-answer.js";
import { parseVersion } from "../src/domain/disclosure/versions.js";
import { AffectedLookup, type PublishedProduct } from "../src/store/affected-lookup.js";
import { loadKeyring } from "../src/store/data-keys.js";
import { openDatabase } from "../src/store/database.js";
import { randomId } from "../src/store/ids.js";
import { migrate } from "../src/store/migrate.js";
import type { PublishedAffectedTable } from "../src/store/schema.js";
import { benchEmbargoConfig, type EmbargoSpec, serveBenchEmbargo } from "./embargo-server.js";
import {
  BenchError,
  type BenchOptions,
  codeDescription,
  cpuBusy,
  formatNumber,
  formatTable,
  type Hosted,
  host,
  type LoadResult,
  machineDescription,
  progress,
  runLoad,
  withCleanup,
} from "./support.js";

/**
 * `npm run bench -- affected [--duration s] [--connections n] [--warmup s] [--in-process]`
 *
 * "Is my version affected?" under load: `GET /api/v1/programs/rocketchat/affected` polled as
 * product instances poll it, on Embargo (SQLite) with 10,000 published ranges in the database,
 * next to a bare baseline in the same run: a Fastify route without plugins that answers the same
 * bytes as a constant (Embargo's answer, captured first). Three targets: Embargo answering 200,
 * Embargo answering 304 to If-None-Match (a poller that kept the ETag), and the baseline.
 *
 * The data is the worst case for the endpoint: every range belongs to the product asked about.
 * A poll is answered from memory (the product's rows are cached per process for 30 s, and the
 * answer per version with them: src/store/affected-lookup.ts, src/web/routes/affected.ts), so
 * the load measures the app's per-request work; what it does not show is timed in this process
 * and printed too: a cache refill (the query and reading 10,000 rows) and the CPU time of a
 * version never asked before (matching it against all 10,000 ranges). Every response under load
 * must have the expected status. As in the intake benchmark, each server runs in a child process
 * of its own unless --in-process. The job runner is off (EMBARGO_WORKER=on runs it).
 */
export const description =
  "GET /api/v1/programs/{program}/affected with 10,000 published ranges on Embargo (SQLite) vs a bare Fastify route answering the same JSON as a constant";

const MODULE = import.meta.url;
const PROGRAM = "rocketchat";
const PRODUCT = "rocketchat-product";
const VERSION = "7.0.1";
const AFFECTED_PATH = `/api/v1/programs/${PROGRAM}/affected`;
const QUERY = `?product=${PRODUCT}&version=${VERSION}`;
const RANGES = 10_000;
/** Cases the ranges are spread over (each disclosed case publishes its matrix). */
const CASES = 100;

const ServeSpec = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("baseline"), body: z.string() }),
  z.object({ kind: z.literal("embargo"), databaseUrl: z.string(), dataDir: z.string() }),
]);
export async function serve(spec: unknown): Promise<Hosted> {
  const parsed = ServeSpec.parse(spec);
  return parsed.kind === "baseline" ? serveBaseline(parsed.body) : serveEmbargo(parsed);
}

/** Fastify without plugins, answering `body` (Embargo's answer, captured first) as it is. */
async function serveBaseline(body: string): Promise<Hosted> {
  const app = Fastify({ logger: false });
  app.get(AFFECTED_PATH, async (_request, reply) => reply.type("application/json; charset=utf-8").send(body));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

// The endpoint alone (the job runner has nothing to do with it); EMBARGO_WORKER=on runs it too.
const SETTINGS = { EMBARGO_WORKER: process.env.EMBARGO_WORKER ?? "off" };

async function serveEmbargo(spec: EmbargoSpec): Promise<Hosted> {
  return serveBenchEmbargo(spec, SETTINGS);
}

// ---------------------------------------------------------------------------------------------
// The published ranges

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

/**
 * One published range: release lines with a fix, patch lines not affected, single versions
 * affected, the odd will-not-fix and label. Spread over majors 1–60, so few match VERSION; the
 * first row is the one that finds it affected (fixed in 7.0.3).
 */
function rangeRow(index: number, caseId: string, random: () => number): PublishedAffectedTable {
  const major = 1 + Math.floor(random() * 60);
  const minor = Math.floor(random() * 20);
  const kind = index === 0 ? 0 : Math.floor(random() * 5);
  const [versions, status, fixedIn] = (() => {
    if (index === 0) return [">=7.0.0 <7.1.0", "fixed", "7.0.3"] as const;
    if (kind === 0)
      return [
        `>=${major}.${minor}.0 <${major}.${minor + 1}.0`,
        "fixed",
        `${major}.${minor}.${1 + kind}`,
      ] as const;
    if (kind === 1) return [`${major}.${minor}.x`, "not-affected", null] as const;
    if (kind === 2) return [`${major}.${minor}.${Math.floor(random() * 9)}`, "affected", null] as const;
    if (kind === 3)
      return [
        `>=${major}.${minor}.0 <${major}.${minor}.3 || >=${major}.${minor}.5-rc.1 <=${major}.${minor}.9`,
        "will-not-fix",
        null,
      ] as const;
    return ["live || nightly", "fixed", null] as const;
  })();
  return {
    id: randomId(),
    program: PROGRAM,
    case_id: caseId,
    product: PRODUCT,
    product_name: "Rocket.Chat (open-source and closed-source code)",
    versions,
    status,
    fixed_in: fixedIn,
    cve_id: `CVE-2026-${10_000 + Math.floor(index / (RANGES / CASES))}`,
    published_at: new Date(Date.UTC(2026, 10, 20, 10, 0, index)).toISOString(),
  };
}

interface Prepared {
  rows: number;
  /** Reading the product's rows for the first time in a process: the query, and parsing every range. */
  firstReadMs: number;
  /** Reading them again when the cache entry expired: the query; the ranges were parsed before. */
  refillMs: number;
  /** The median CPU time of answering a version that is not in the answer cache. */
  assessMs: number;
  freshVersions: number;
}

const FRESH_VERSIONS = 200;

/**
 * Migrates the database, files CASES reports and publishes RANGES ranges over them; then times,
 * in this process, what the load below does not show: a cache refill, and answering versions
 * never asked before (a stranger sending a new version each time).
 */
async function preparePublished(spec: { databaseUrl: string; dataDir: string }): Promise<Prepared> {
  const config = benchEmbargoConfig(spec, SETTINGS);
  const masterKey = await loadMasterKey({ dataDir: config.dataDir });
  const store = await openDatabase(config.databaseUrl);
  try {
    await migrate(store);
    const keyring = await loadKeyring(store, masterKey);
    const caseIds: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const { caseId } = await submitReport(
        { store, keyring },
        {
          program: PROGRAM,
          source: "api",
          assetId: PRODUCT,
          title: `Disclosed vulnerability ${i}`,
          fields: { description: "Disclosed long ago." },
          credit: { mode: "anonymous" },
          contact: {},
          attachments: [],
          receivedAt: new Date("2026-10-01T10:00:00.000Z"),
          acknowledgeBy: null,
        },
      );
      caseIds.push(caseId);
    }
    const random = rng(20261209);
    const rows = Array.from({ length: RANGES }, (_, i) =>
      rangeRow(i, caseIds[Math.floor(i / (RANGES / CASES))] ?? caseIds[0] ?? "", random),
    );
    await store.transaction(async (trx) => {
      // Column count × rows stays under both engines' bound-parameter limits.
      for (let start = 0; start < rows.length; start += 500)
        await trx
          .insertInto("published_affected")
          .values(rows.slice(start, start + 500))
          .execute();
    });
    const count = await store.db
      .selectFrom("published_affected")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();

    const refills: number[] = [];
    let product: PublishedProduct | undefined;
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      product = await new AffectedLookup(store.db, { now: () => new Date() }).product(PROGRAM, PRODUCT);
      refills.push(performance.now() - started);
    }
    if (product === undefined) throw new BenchError("the published rows could not be read back");
    const times: number[] = [];
    for (let i = 0; i < FRESH_VERSIONS; i++) {
      const version = parseVersion(`${1 + (i % 60)}.${i % 20}.${i % 9}`);
      if (!version.ok) throw new BenchError(version.error);
      const started = performance.now();
      assess(product.ranges, version.value);
      times.push(performance.now() - started);
    }
    return {
      rows: Number(count.n),
      firstReadMs: refills[0] ?? Number.NaN,
      refillMs: median(refills.slice(1)),
      assessMs: median(times),
      freshVersions: FRESH_VERSIONS,
    };
  } finally {
    await store.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

// ---------------------------------------------------------------------------------------------
// The benchmark

interface Measured {
  target: string;
  load: LoadResult;
  where: string;
}

export async function run(options: BenchOptions): Promise<void> {
  console.log(`request: GET ${AFFECTED_PATH}${QUERY}`);
  console.log(`machine: ${machineDescription()}`);
  console.log(`code: ${codeDescription()}`);
  console.log(
    `load: autocannon, ${options.connections} connections, ${options.duration} s measured` +
      `${options.warmup > 0 ? ` after ${options.warmup} s of warm-up` : ""}, per target`,
  );
  console.log(
    options.inProcess
      ? `processes: autocannon runs in the same process as the servers (pid ${process.pid})`
      : `processes: autocannon runs in this process (pid ${process.pid}); each server in a child process of its own`,
  );
  const busy = await cpuBusy();
  const results: Measured[] = [];
  let answer = "";
  let prepared: Prepared | undefined;
  await withCleanup(async (defer) => {
    const dir = await mkdtemp(path.join(tmpdir(), "embargo-bench-affected-"));
    defer(() => rm(dir, { recursive: true, force: true }));
    const spec = { databaseUrl: `sqlite:${path.join(dir, "embargo.db")}`, dataDir: dir };
    progress(`embargo-sqlite: publishing ${formatNumber(RANGES)} ranges over ${CASES} cases`);
    prepared = await preparePublished(spec);

    const embargo = await host(MODULE, serve, { kind: "embargo", ...spec }, options.inProcess);
    progress(`embargo-sqlite: serving at ${embargo.url} (${embargo.where})`);
    try {
      const url = `${embargo.url}${AFFECTED_PATH}${QUERY}`;
      const response = await fetch(url);
      answer = await response.text();
      if (response.status !== 200)
        throw new BenchError(`the endpoint answered ${response.status}: ${answer}`);
      const etag = response.headers.get("etag") ?? "";
      results.push(await measure("embargo-sqlite", embargo.where, { url }, 200, options));
      results.push(
        await measure(
          "embargo-sqlite 304",
          embargo.where,
          { url, headers: { "if-none-match": etag } },
          304,
          options,
        ),
      );
    } finally {
      await embargo.close();
    }

    // The same answer, as a constant.
    const baseline = await host(MODULE, serve, { kind: "baseline", body: answer }, options.inProcess);
    progress(`baseline: serving at ${baseline.url} (${baseline.where})`);
    try {
      const url = `${baseline.url}${AFFECTED_PATH}${QUERY}`;
      results.unshift(await measure("baseline", baseline.where, { url }, 200, options));
    } finally {
      await baseline.close();
    }
  });

  const baseline = results.find((result) => result.target === "baseline");
  const ratio = (result: Measured) =>
    baseline === undefined ? Number.NaN : result.load.requestsPerSecond / baseline.load.requestsPerSecond;
  const parsed = JSON.parse(answer) as { status: string; fixedIn: string[]; advisories: unknown[] };
  console.log(`data: ${formatNumber(prepared?.rows ?? 0)} rows in published_affected, all for ${PRODUCT}`);
  console.log(
    `answer: status ${parsed.status}, fixedIn ${JSON.stringify(parsed.fixedIn)}, ` +
      `${parsed.advisories.length} advisories, ${answer.length} bytes (the baseline answers the same bytes)`,
  );
  if (prepared !== undefined) {
    console.log(
      `reading the product's ${formatNumber(RANGES)} rows: ${formatNumber(prepared.firstReadMs, 1)} ms the first time ` +
        `(query and parse), ${formatNumber(prepared.refillMs, 1)} ms on each refill after (once per 30 s per process)`,
    );
    console.log(
      `a version not asked before (match it against every range, median of ${prepared.freshVersions}): ` +
        `${formatNumber(prepared.assessMs, 2)} ms of CPU`,
    );
  }
  if (busy !== undefined) {
    console.log(`other processes' CPU use in the second before the run: ${Math.round(busy * 100)}%`);
    if (busy > 0.2)
      console.log("warning: the machine was busy with other work: these figures are not reliable");
  }
  console.log("");
  console.log(
    formatTable(
      ["target", "req/s (avg)", "p50 ms", "p99 ms", "errors", "× baseline req/s"],
      results.map((result) => [
        result.target,
        formatNumber(result.load.requestsPerSecond, 1),
        formatNumber(result.load.p50, 2),
        formatNumber(result.load.p99, 2),
        formatNumber(result.load.errors),
        formatNumber(ratio(result), 2),
      ]),
    ),
  );
  const failed = results.filter((result) => result.load.errors > 0 || result.load.ok === 0);
  if (failed.length > 0) {
    const kinds = (result: Measured) =>
      [...result.load.breakdown].map(([kind, n]) => `${kind} × ${n}`).join(", ");
    throw new BenchError(
      `affected check failed:\n  ${failed.map((r) => `${r.target}: ${kinds(r)}`).join("\n  ")}`,
    );
  }
}

async function measure(
  target: string,
  where: string,
  request: { url: string; headers?: Record<string, string> },
  expectStatus: number,
  options: BenchOptions,
): Promise<Measured> {
  const loadSpec = { ...request, method: "GET", connections: options.connections, expectStatus } as const;
  if (options.warmup > 0) {
    progress(`${target}: warming up for ${options.warmup} s`);
    await runLoad({ ...loadSpec, duration: options.warmup });
  }
  progress(`${target}: measuring for ${options.duration} s`);
  const load = await runLoad({ ...loadSpec, duration: options.duration });
  return { target, load, where };
}
