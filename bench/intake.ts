import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import { z } from "zod";
import { loadConfig } from "../src/config.js";
import { encryptText, type KeySource } from "../src/crypto/envelope.js";
import { startServer } from "../src/server.js";
import { aad } from "../src/store/aad.js";
import { openDatabase } from "../src/store/database.js";
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
 * Report intake under load: how many reports per second Embargo takes in through its JSON API
 * (validation, policy checks, encryption, hash-chained event, one durable transaction), next to
 * a bare baseline that does only the unavoidable part of that work (parse, encrypt with the same
 * envelope code, one durable SQLite insert) on plain node:http. The issue's aim: Embargo on
 * SQLite at 0.6 or more of the baseline's requests per second.
 *
 * Where the processes run: on a 2-core machine, autocannon and a server in one process share one
 * event loop, so the load generator's own work (writing requests, parsing responses) is taken out
 * of the server's time and every target looks slower, the cheapest (the baseline) most of all,
 * which flatters the ratio. So by default each server runs in a child process of its own (the
 * same `serve` code, started with `startServer(config)` there), and autocannon in this one: one
 * core each, as a server and its clients would be on separate machines. `--in-process` runs them
 * all in this process instead, for comparison.
 */
export const description =
  "report intake: POST /api/v1/programs/kafe/reports on Embargo (SQLite, PostgreSQL) vs a bare node:http + SQLite baseline";

const PROGRAM = "kafe";
const REPORTS_PATH = `/api/v1/programs/${PROGRAM}/reports`;
const POLICIES = fileURLToPath(new URL("../examples/policies/", import.meta.url));
const POSTGRES_ADMIN_URL = process.env.EMBARGO_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
/** The issue's aim: Embargo on SQLite at this fraction of the baseline's requests per second or more. */
const AIM = 0.6;
const UNLIMITED = String(1_000_000_000);

/** A realistic report to Kafe: both required template fields, an asset, credit, a contact. */
const REPORT = {
  title: "Path traversal in kafe deploy lets a crafted archive write outside the release directory",
  asset: "kafe-source",
  fields: {
    "location-impact": [
      "Location: the archive extraction step of `kafe deploy` (the Lua task runner calls the",
      "bundled extractor on every target host with the archive produced by `kafe pack`).",
      "",
      "Impact: entries in the release archive are joined to the release directory without",
      "normalising `..` segments or rejecting absolute paths. Anyone who can influence the",
      "archive (a compromised CI job, a malicious dependency that adds files to the build",
      "output, or a man-in-the-middle on an unsigned artifact download) can make the deploy",
      "write arbitrary files on every target host with the privileges of the deploy user:",
      "for example ~/.ssh/authorized_keys, a systemd user unit, or the shell profile. Because",
      "deploys usually run with a key that has access to many hosts, one poisoned archive",
      "becomes code execution across the whole fleet on the next deploy. Symlink entries make",
      "it worse: a symlink pointing outside the release directory followed by a regular file",
      "with the same name writes through the link. We rate it CVSS:3.1/AV:N/AC:H/PR:L/UI:N/",
      "S:C/C:H/I:H/A:H (8.5). Versions tested: 1.4.0 and the main branch as of last week.",
    ].join("\n"),
    steps: [
      "1. Create a working directory and a harmless payload:",
      "     mkdir -p /tmp/poc/build && echo 'ssh-ed25519 AAAA... attacker' > /tmp/poc/key",
      "2. Build an archive whose entry escapes the release directory:",
      "     python3 - <<'PY'",
      "     import tarfile",
      "     with tarfile.open('/tmp/poc/release.tar.gz', 'w:gz') as tar:",
      "         tar.add('/tmp/poc/key', arcname='../../../../home/deploy/.ssh/authorized_keys')",
      "         tar.add('/tmp/poc/build', arcname='app')",
      "     PY",
      "3. Point a minimal kafe project at it (kafe.lua):",
      "     local kafe = require('kafe')",
      "     kafe.add_inventory('staging', { 'deploy@10.0.0.5' })",
      "     kafe.task('deploy', function() kafe.upload_and_extract('/tmp/poc/release.tar.gz',",
      "       '/srv/app/releases/' .. os.time()) end)",
      "4. Run `kafe deploy staging` and log in to 10.0.0.5.",
      "5. Observe that /home/deploy/.ssh/authorized_keys now holds the attacker's key, and that",
      "   nothing in the deploy output mentions a file outside /srv/app/releases/<timestamp>.",
      "6. Variant with a symlink: add an entry `app/link -> /home/deploy/.bashrc` followed by a",
      "   regular file `app/link`; after the deploy the profile holds the file's content.",
      "",
      "Suggested fix: resolve each entry against the release directory, reject it unless the",
      "result stays inside, and refuse symlinks whose target leaves the directory. Happy to test",
      "a patch. I have not shared this with anyone else and will keep it private until the",
      "60 days in your policy have passed or you have released a fix, whichever comes first.",
    ].join("\n"),
  },
  credit: { mode: "name", name: "Jane Researcher", link: "https://jane-researcher.example" },
  contact: { email: "jane@researcher.example" },
};
const REPORT_JSON = JSON.stringify(REPORT);

// ---------------------------------------------------------------------------------------------
// The servers (also run in child processes: see child.ts)

const ServeSpec = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("baseline"), file: z.string() }),
  z.object({ kind: z.literal("embargo"), databaseUrl: z.string(), dataDir: z.string() }),
]);
type ServeSpec = z.infer<typeof ServeSpec>;

export async function serve(spec: unknown): Promise<Hosted> {
  const parsed = ServeSpec.parse(spec);
  return parsed.kind === "baseline" ? serveBaseline(parsed.file) : serveEmbargo(parsed);
}

/** Embargo itself, configured from an environment the way `embargo serve` would be. */
async function serveEmbargo(spec: { databaseUrl: string; dataDir: string }): Promise<Hosted> {
  const config = loadConfig(
    {
      EMBARGO_DATABASE_URL: spec.databaseUrl,
      EMBARGO_DATA_DIR: spec.dataDir,
      EMBARGO_POLICIES: POLICIES,
      EMBARGO_HOST: "127.0.0.1",
      EMBARGO_PORT: "0",
      EMBARGO_PUBLIC_URL: "http://127.0.0.1",
      EMBARGO_LOG_LEVEL: "warn",
      // The job runner works as in `embargo serve` (new-report notices are queued and tried);
      // EMBARGO_WORKER=off measures intake alone.
      EMBARGO_WORKER: process.env.EMBARGO_WORKER ?? "on",
      // Every request comes from 127.0.0.1: raise the limits so the benchmark measures intake.
      EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS: UNLIMITED,
      EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS_WITHOUT_POW: UNLIMITED,
      EMBARGO_REPORTS_PER_HOUR_PER_PROGRAM: UNLIMITED,
      // autocannon's connections all come from one address.
      EMBARGO_UPLOADS_PER_ADDRESS: "100",
      EMBARGO_REQUESTS_PER_MINUTE_PER_ADDRESS: UNLIMITED,
    },
    "/nonexistent",
  );
  const running = await startServer(config);
  return { url: running.url, close: () => running.close() };
}

const BODY_LIMIT = 1024 * 1024;

/**
 * The baseline: no framework, no validation beyond the JSON's shape, no policy, no events. Per
 * request it parses the body, encrypts the report and the contact with Embargo's AES-256-GCM
 * envelope code, and commits one insert to SQLite with Embargo's pragmas (WAL, synchronous=FULL:
 * an fsync per commit), then answers 201.
 */
async function serveBaseline(file: string): Promise<Hosted> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 10000");
  db.exec(`create table if not exists reports (
    id text primary key, program text not null, received_at text not null,
    report_ct text not null, contact_ct text)`);
  const insert = db.prepare<[string, string, string, string, string | null]>(
    "insert into reports (id, program, received_at, report_ct, contact_ct) values (?, ?, ?, ?, ?)",
  );
  const key = randomBytes(32);
  const keys: KeySource = {
    active: { id: "k1", key },
    get: (id) => {
      if (id !== "k1") throw new Error(`unknown key ${id}`);
      return key;
    },
  };

  const take = (body: string): { status: number; answer: object } => {
    let report: unknown;
    try {
      report = JSON.parse(body);
    } catch {
      return { status: 400, answer: { error: "malformed_json" } };
    }
    if (!isReportShape(report)) return { status: 400, answer: { error: "invalid_report" } };
    const id = randomBytes(10).toString("base64url");
    const { title, fields, credit, contact } = report;
    const reportCt = encryptText(keys, JSON.stringify({ title, fields, credit }), aad.report(id));
    const contactCt =
      contact === undefined ? null : encryptText(keys, JSON.stringify(contact), aad.contact(id));
    insert.run(id, PROGRAM, new Date().toISOString(), reportCt, contactCt);
    return { status: 201, answer: { id } };
  };

  const server = createServer((request, response) => {
    if (request.method !== "POST" || request.url !== REPORTS_PATH) {
      request.resume();
      send(response, 404, { error: "not_found" });
      return;
    }
    readBody(request, BODY_LIMIT).then(
      (body) => {
        if (body === undefined) return send(response, 413, { error: "too_large" });
        try {
          const { status, answer } = take(body);
          send(response, status, answer);
        } catch {
          send(response, 500, { error: "internal_error" });
        }
      },
      () => response.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      server.closeAllConnections();
      await closed;
      db.close();
    },
  };
}

interface ReportShape {
  title: string;
  fields: Record<string, string>;
  credit?: unknown;
  contact?: unknown;
}

function isReportShape(value: unknown): value is ReportShape {
  if (typeof value !== "object" || value === null) return false;
  if (!("title" in value) || typeof value.title !== "string") return false;
  if (!("fields" in value) || typeof value.fields !== "object" || value.fields === null) return false;
  return Object.values(value.fields).every((answer) => typeof answer === "string");
}

/** The body as text; undefined when it is larger than `limit` bytes. */
function readBody(request: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    request.on("end", () => resolve(size <= limit ? Buffer.concat(chunks).toString("utf8") : undefined));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, status: number, answer: object): void {
  const text = JSON.stringify(answer);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

// ---------------------------------------------------------------------------------------------
// The benchmark

interface Measured {
  target: string;
  load: LoadResult;
  warmup: LoadResult | undefined;
  /** The table the target writes one row per report to, and its row count after the run. */
  table: string;
  rows: number;
  where: string;
  /** CPU use by other processes in the second before the target started (0–1), when known. */
  busyBefore: number | undefined;
}

/** Above this share of CPU used by others just before a target, its figures are flagged. */
const BUSY_WARNING = 0.2;

export async function run(options: BenchOptions): Promise<void> {
  const results: Measured[] = [];
  let postgresNote: string | undefined;

  console.log(`request: POST ${REPORTS_PATH}, a Kafe report of ${REPORT_JSON.length} bytes of JSON`);
  console.log(`machine: ${machineDescription()}`);
  console.log(`code: ${codeDescription()}`);
  console.log(
    `load: autocannon, ${options.connections} connections, ${options.duration} s measured` +
      `${options.warmup > 0 ? ` after ${options.warmup} s of warm-up` : ""}, per target`,
  );
  console.log(
    options.inProcess
      ? `processes: autocannon runs in the same process as the servers (pid ${process.pid}): they share one event loop`
      : `processes: autocannon runs in this process (pid ${process.pid}); each server in a child process of its own`,
  );

  await withCleanup(async (defer) => {
    // The scratch database first, so that its drop is the last cleanup step: if dropping it
    // fails (or, with --in-process, kills a pool that a failed close left open), the temp dir is
    // already gone.
    const scratch = await createScratchPostgres(POSTGRES_ADMIN_URL);
    if (typeof scratch === "string") {
      postgresNote = `embargo-postgres: skipped, PostgreSQL at ${redact(POSTGRES_ADMIN_URL)} is unreachable (${scratch})`;
      progress(postgresNote);
    } else {
      defer(scratch.drop);
      postgresNote = `embargo-postgres: scratch database ${scratch.name} on ${redact(POSTGRES_ADMIN_URL)} (dropped afterwards)`;
    }
    const dir = await mkdtemp(path.join(tmpdir(), "embargo-bench-intake-"));
    defer(() => rm(dir, { recursive: true, force: true }));

    const baselineFile = path.join(dir, "baseline", "baseline.db");
    results.push(
      await measure("baseline", { kind: "baseline", file: baselineFile }, "reports", options, () =>
        countBaselineRows(baselineFile),
      ),
    );

    const sqliteDir = path.join(dir, "embargo-sqlite");
    const sqliteUrl = `sqlite:${path.join(sqliteDir, "embargo.db")}`;
    results.push(
      await measure(
        "embargo-sqlite",
        { kind: "embargo", databaseUrl: sqliteUrl, dataDir: sqliteDir },
        "cases",
        options,
        () => countCases(sqliteUrl),
      ),
    );

    if (typeof scratch === "string") return;
    const postgresDir = path.join(dir, "embargo-postgres");
    results.push(
      await measure(
        "embargo-postgres",
        { kind: "embargo", databaseUrl: scratch.url, dataDir: postgresDir },
        "cases",
        options,
        () => countCases(scratch.url),
      ),
    );
  });

  report(results, postgresNote);
}

async function measure(
  target: string,
  spec: ServeSpec,
  table: string,
  options: BenchOptions,
  countRows: () => Promise<number>,
): Promise<Measured> {
  const busyBefore = await cpuBusy();
  const server = await host(import.meta.url, serve, spec, options.inProcess);
  progress(`${target}: serving at ${server.url} (${server.where})`);
  let warmup: LoadResult | undefined;
  let load: LoadResult;
  try {
    const loadSpec = {
      url: `${server.url}${REPORTS_PATH}`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: REPORT_JSON,
      connections: options.connections,
      expectStatus: 201,
    } as const;
    if (options.warmup > 0) {
      progress(`${target}: warming up for ${options.warmup} s`);
      warmup = await runLoad({ ...loadSpec, duration: options.warmup });
    }
    progress(`${target}: measuring for ${options.duration} s`);
    load = await runLoad({ ...loadSpec, duration: options.duration });
  } finally {
    await server.close();
  }
  // Counted after the server closed: what is on disk (or committed in PostgreSQL) now.
  const rows = await countRows();
  return { target, load, warmup, table, rows, where: server.where, busyBefore };
}

function report(results: Measured[], postgresNote: string | undefined): void {
  const baseline = results.find((result) => result.target === "baseline");
  const ratio = (result: Measured) =>
    baseline === undefined ? Number.NaN : result.load.requestsPerSecond / baseline.load.requestsPerSecond;
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
  console.log("");

  const failures: string[] = [];
  console.log("check: rows written = 201 responses (warm-up and measured run together)");
  for (const result of results) {
    const created = result.load.ok + (result.warmup?.ok ?? 0);
    const same = created === result.rows;
    if (!same)
      failures.push(`${result.target}: ${result.rows} rows in ${result.table}, ${created} responses 201`);
    console.log(
      `  ${result.target.padEnd(16)} ${formatNumber(result.rows).padStart(9)} rows in ${result.table.padEnd(7)}` +
        ` ${same ? "=" : "≠"} ${formatNumber(created).padStart(9)} responses 201` +
        ` (${formatNumber(result.load.ok)} measured + ${formatNumber(result.warmup?.ok ?? 0)} warm-up)` +
        `  ${same ? "ok" : "MISMATCH"}`,
    );
  }
  for (const result of results) {
    for (const [phase, load] of [
      ["measured", result.load],
      ["warm-up", result.warmup],
    ] as const) {
      if (load === undefined || load.errors === 0) continue;
      const kinds = [...load.breakdown].map(([kind, n]) => `${kind} × ${n}`).join(", ");
      console.log(`errors: ${result.target} (${phase}): ${kinds}`);
    }
    if (result.load.ok === 0) failures.push(`${result.target}: no response 201 at all`);
  }

  const sqlite = results.find((result) => result.target === "embargo-sqlite");
  if (sqlite !== undefined) {
    const value = ratio(sqlite);
    console.log(
      `aim: embargo-sqlite at ${AIM.toFixed(2)} × baseline req/s or more: ${formatNumber(value, 2)}` +
        ` (${value >= AIM ? "met" : "not met"})`,
    );
  }
  if (postgresNote !== undefined) console.log(postgresNote);
  if (results.some((result) => result.busyBefore !== undefined)) {
    const busy = results.map((result) => `${result.target} ${formatPercent(result.busyBefore)}`);
    console.log(`other processes' CPU use in the second before each target: ${busy.join(", ")}`);
    if (results.some((result) => (result.busyBefore ?? 0) > BUSY_WARNING)) {
      console.log(
        `warning: the machine was busy with other work (over ${formatPercent(BUSY_WARNING)} CPU): ` +
          "these figures are not reliable; run again when it is quiet",
      );
    }
  }
  if (failures.length > 0) throw new BenchError(`intake check failed:\n  ${failures.join("\n  ")}`);
}

function formatPercent(fraction: number | undefined): string {
  return fraction === undefined ? "unknown" : `${Math.round(fraction * 100)}%`;
}

// ---------------------------------------------------------------------------------------------
// Databases

async function countBaselineRows(file: string): Promise<number> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[], { n: number }>("select count(*) as n from reports").get()?.n ?? 0;
  } finally {
    db.close();
  }
}

async function countCases(databaseUrl: string): Promise<number> {
  const store = await openDatabase(databaseUrl);
  try {
    const row = await store.db
      .selectFrom("cases")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await store.close();
  }
}

/**
 * A fresh database `embargo_bench_<random>` next to the one `adminUrl` names, and how to drop it;
 * or, when PostgreSQL cannot be reached, why not.
 */
async function createScratchPostgres(
  adminUrl: string,
): Promise<{ name: string; url: string; drop(): Promise<void> } | string> {
  const name = `embargo_bench_${randomBytes(6).toString("hex")}`;
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  try {
    await admin((client) => client.query("select 1"));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  await admin((client) => client.query(`create database ${client.escapeIdentifier(name)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await admin((client) =>
        client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`),
      );
    },
  };
}

/** A database URL fit to print: without its password. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}
