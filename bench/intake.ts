import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { openDatabase } from "../src/store/database.js";
import { type Measured, report } from "./intake-report.js";
import { REPORTS_PATH, SERVERS_MODULE, type ServeSpec, serve } from "./intake-servers.js";
import {
  type BenchOptions,
  codeDescription,
  cpuBusy,
  cpuMsOfOrUndefined,
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

const POSTGRES_ADMIN_URL = process.env.EMBARGO_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

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
// The benchmark (the servers are in intake-servers.ts, the report in intake-report.ts)

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
  const server = await host(SERVERS_MODULE, serve, spec, options.inProcess);
  progress(`${target}: serving at ${server.url} (${server.where})`);
  let warmup: LoadResult | undefined;
  let load: LoadResult;
  let cpuMsPerReport: number | undefined;
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
    // The server's own CPU per report: a figure that other work on the machine disturbs far less
    // than requests per second (a child's only; in-process it would count autocannon too).
    const cpuBefore = options.inProcess ? undefined : await cpuMsOfOrUndefined(server.pid);
    load = await runLoad({ ...loadSpec, duration: options.duration });
    const cpuAfter = cpuBefore === undefined ? undefined : await cpuMsOfOrUndefined(server.pid);
    if (cpuBefore !== undefined && cpuAfter !== undefined && load.ok > 0)
      cpuMsPerReport = (cpuAfter - cpuBefore) / load.ok;
  } finally {
    await server.close();
  }
  // Counted after the server closed: what is on disk (or committed in PostgreSQL) now.
  const rows = await countRows();
  return { target, load, warmup, table, rows, where: server.where, busyBefore, cpuMsPerReport };
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
