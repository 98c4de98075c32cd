import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";
import { z } from "zod";
import { createApiToken } from "../src/auth/api-tokens.js";
import { createUser } from "../src/auth/users.js";
import { openDatabase } from "../src/store/database.js";
import { migrate } from "../src/store/migrate.js";
import { PROGRAM, REPORTS_PATH } from "./intake-servers.js";
import { BASELINE_MODULE, BASELINE_REPORTS_PATH, serve as serveBaseline } from "./soak-baseline.js";
import { startBuiltEmbargo } from "./soak-built.js";
import { SOAK_SERVER_MODULE, serve as serveEmbargo } from "./soak-server.js";
import {
  BenchError,
  type BenchOptions,
  codeDescription,
  formatNumber,
  formatTable,
  freePort,
  type HostedServer,
  host,
  listenSmtp,
  machineDescription,
  progress,
  withCleanup,
} from "./support.js";

/**
 * `npm run bench -- soak [--duration s] [--built]` (default 240 s; `--duration 1800` for a 30-minute soak)
 *
 * Issue 17: does one `embargo serve` stay within its memory over time under a mixed load? Starts
 * Embargo in a child process (SQLite, job runner on, SMTP listener on, a local SMTP sink as its
 * relay so that receipts and replies are really delivered) and, for `--duration` seconds, drives:
 *
 * - 6 API reporters, each POSTing a Kafe report to the intake API in a loop;
 * - 2 staff, each with an API token of their own: list the inbox, open a case, acknowledge it
 *   or reply to its reporter (which queues a mail), in a loop;
 * - 2 SMTP senders, each mailing a plain report to Kafe's address in a loop.
 *
 * The intake limits (per address with and without proof of work, per program: also the program's
 * hourly mail cap, per sending host) are raised through configuration so that the load is not
 * refused; any 429 or SMTP 4xx/5xx is still counted apart as a refusal.
 *
 * Every second it reads the child's VmRSS from /proc/<pid>/status, and prints RSS at the start
 * (after start-up, before load), the peak, at the end, and the slope over the second half of the
 * run (least squares, MB per minute: flat is the aim). The baseline, in the same run: a bare
 * Fastify + SQLite process (soak-baseline.ts, under the same loader) taking the same
 * 6-reporter loop for a quarter of the duration (at most 60 s); the ratio of peaks is printed.
 * Also printed: the peak over Embargo's own idle RSS (at the start).
 *
 * The child runs src/ under tsx, like the other benchmarks' children; tsx's loader (a thread of
 * its own, every module's transformed source kept) adds to RSS, about 85 MB idle on the issue's
 * machine. `--built` soaks the built `embargo serve` (dist/, soak-built.ts) instead: the RSS a
 * deployment has, of the code of the last `npm run build`. The baseline always runs under tsx.
 *
 * The mark: Embargo's peak under 250 MB, and flat over a 30-minute soak. Linux only (/proc).
 */
export const description =
  "memory over time of one embargo serve under mixed load: API reporters, staff, SMTP senders (issue 17)";

const MB = 1_000_000;
const PEAK_MARK_MB = 250;
const REPORTERS = 6;
const STAFF = 2;
const SENDERS = 2;
const DEFAULT_DURATION_S = 240;
/** run.ts's own default for --duration: when it is what we got, this benchmark's default applies. */
const RUN_DEFAULT_DURATION_S = 10;
const SETTLE_MS = 3000;
const PROGRAM_ADDRESS = "mrtreinis@kafe.example";

/** A Kafe report of realistic size: both required template fields, an asset, a contact. */
function report(n: number): string {
  return JSON.stringify({
    title: `Soak report ${n}: path traversal in kafe deploy writes outside the release directory`,
    asset: "kafe-source",
    fields: {
      "location-impact": `Location: the archive extraction step of kafe deploy.\n${"Impact: entries are joined to the release directory without normalising '..'. ".repeat(12)}`,
      steps: `1. Build an archive with an entry ../../home/deploy/.ssh/authorized_keys\n2. Run kafe deploy.\n${"3. Observe the file written outside the release directory. ".repeat(12)}`,
    },
    credit: { mode: "anonymous" },
    contact: { email: `reporter${n % 50}@researcher.example` },
  });
}

// ---------------------------------------------------------------------------------------------
// Measuring

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new BenchError(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

interface Sample {
  /** Seconds since the load started. */
  t: number;
  rss: number;
}

/** Samples `pid`'s RSS every second until `stop()`; `samples` grows as it goes. */
function sampleRss(pid: number, started: number): { samples: Sample[]; stop(): void } {
  const samples: Sample[] = [];
  const timer = setInterval(() => {
    rssOf(pid).then(
      (rss) => samples.push({ t: (performance.now() - started) / 1000, rss }),
      () => {},
    );
  }, 1000);
  return { samples, stop: () => clearInterval(timer) };
}

/** Least-squares slope of RSS over time, in MB per minute. */
function slopeMbPerMinute(samples: readonly Sample[]): number {
  if (samples.length < 2) return Number.NaN;
  const n = samples.length;
  const meanT = samples.reduce((sum, s) => sum + s.t, 0) / n;
  const meanR = samples.reduce((sum, s) => sum + s.rss, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t - meanT) * (s.rss - meanR);
    den += (s.t - meanT) ** 2;
  }
  return ((num / den) * 60) / MB;
}

/** Outcomes of one kind of request. */
class Tally {
  ok = 0;
  refused = 0;
  errors = 0;
  readonly latencies: number[] = [];
  readonly other = new Map<string, number>();

  record(outcome: "ok" | "refused" | "error", ms: number, detail?: string): void {
    this[outcome === "error" ? "errors" : outcome] += 1;
    this.latencies.push(ms);
    if (detail !== undefined) this.other.set(detail, (this.other.get(detail) ?? 0) + 1);
  }

  p95(): number {
    const sorted = Float64Array.from(this.latencies).sort();
    return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)] ?? Number.NaN;
  }
}

type Kinds = Map<string, Tally>;
const tally = (kinds: Kinds, name: string): Tally => {
  let found = kinds.get(name);
  if (found === undefined) {
    found = new Tally();
    kinds.set(name, found);
  }
  return found;
};

function errorCodeOf(body: unknown): string {
  return typeof body === "object" && body !== null && "error" in body ? String(body.error) : "";
}

/** One HTTP request, timed and tallied: 429 a refusal, `expect` a success, anything else an error. */
async function request(
  kinds: Kinds,
  kind: string,
  url: string,
  init: RequestInit,
  expect: number,
): Promise<unknown> {
  const started = performance.now();
  try {
    const response = await fetch(url, init);
    const body: unknown = await response.json().catch(() => undefined);
    const ms = performance.now() - started;
    if (response.status === expect) tally(kinds, kind).record("ok", ms);
    else if (response.status === 429) tally(kinds, kind).record("refused", ms, `429 ${errorCodeOf(body)}`);
    else tally(kinds, kind).record("error", ms, String(response.status));
    return response.status === expect ? body : undefined;
  } catch (error) {
    tally(kinds, kind).record("error", performance.now() - started, (error as Error).name);
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The load

function reporterLoop(
  kinds: Kinds,
  url: string,
  running: () => boolean,
  id: number,
  reportsPath = REPORTS_PATH,
): Promise<void> {
  return (async () => {
    for (let n = id; running(); n += REPORTERS) {
      await request(
        kinds,
        "API report (POST reports)",
        `${url}${reportsPath}`,
        { method: "POST", headers: { "content-type": "application/json" }, body: report(n) },
        201,
      );
    }
  })();
}

const CaseList = z.object({ cases: z.array(z.object({ id: z.string() })) });

/** A responder: the inbox, then one case of it opened, then acknowledged or replied to. */
function staffLoop(kinds: Kinds, url: string, token: string, running: () => boolean): Promise<void> {
  const headers = { authorization: `Bearer ${token}` };
  const json = { ...headers, "content-type": "application/json" };
  return (async () => {
    for (let n = 0; running(); n += 1) {
      const list = CaseList.safeParse(
        await request(
          kinds,
          "staff: inbox (GET cases)",
          `${url}/api/v1/cases?program=${PROGRAM}&limit=50`,
          { headers },
          200,
        ),
      );
      const cases = list.success ? list.data.cases : [];
      const picked = cases[n % Math.max(1, cases.length)];
      if (picked === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      await request(
        kinds,
        "staff: open case (GET case)",
        `${url}/api/v1/cases/${picked.id}`,
        { headers },
        200,
      );
      if (n % 2 === 0) {
        await request(
          kinds,
          "staff: acknowledge (POST)",
          `${url}/api/v1/cases/${picked.id}/acknowledge`,
          { method: "POST", headers },
          200,
        );
      } else {
        await request(
          kinds,
          "staff: reply (POST replies)",
          `${url}/api/v1/cases/${picked.id}/replies`,
          {
            method: "POST",
            headers: json,
            body: JSON.stringify({ text: `Thank you, we are looking into it (${n}).` }),
          },
          201,
        );
      }
    }
  })();
}

function senderLoop(kinds: Kinds, smtpPort: number, running: () => boolean, id: number): Promise<void> {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: smtpPort,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: 1,
    socketTimeout: 60_000,
  });
  const kind = "SMTP report (plain mail)";
  return (async () => {
    try {
      for (let n = 0; running(); n += 1) {
        const started = performance.now();
        try {
          await transport.sendMail({
            from: `sender${id}@mail${id}.example.net`,
            to: PROGRAM_ADDRESS,
            subject: `Soak report ${id}-${n}: XSS in the admin panel`,
            text: `Hello,\n\nthe admin panel reflects the q parameter unescaped.\n${"Steps: open /admin?q=<script>alert(1)</script> and watch it run. ".repeat(10)}\n`,
          });
          tally(kinds, kind).record("ok", performance.now() - started);
        } catch (error) {
          const code = (error as { responseCode?: number }).responseCode;
          tally(kinds, kind).record(
            code !== undefined && code >= 400 ? "refused" : "error",
            performance.now() - started,
            code === undefined ? (error as Error).name : String(code),
          );
        }
      }
    } finally {
      transport.close();
    }
  })();
}

/** A relay for Embargo's outgoing mail that takes everything and keeps only a count. */
async function startRelay(): Promise<{ url: string; delivered: () => number; close(): Promise<void> }> {
  let delivered = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, _session, callback) {
      stream.on("data", () => {});
      stream.on("end", () => {
        delivered += 1;
        callback();
      });
    },
  });
  return { ...(await listenSmtp(server)), delivered: () => delivered };
}

/**
 * Two responders of Kafe, each with an API token. Before the server starts, `migrating` first;
 * or into the database a (built) server has already migrated with its own migrations.
 */
async function createStaffTokens(databaseUrl: string, migrating: boolean): Promise<string[]> {
  const store = await openDatabase(databaseUrl);
  try {
    if (migrating) await migrate(store);
    const now = new Date();
    const tokens: string[] = [];
    for (let i = 0; i < STAFF; i += 1) {
      const { userId } = await createUser(store, {
        email: `responder${i}@bench.example`,
        memberships: [{ program: PROGRAM, role: "responder" }],
        actor: "bench",
        now,
      });
      const { token } = await createApiToken(store, {
        name: `soak ${i}`,
        program: PROGRAM,
        role: "responder",
        createdBy: userId,
        now,
      });
      tokens.push(token);
    }
    return tokens;
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The benchmark

interface Run {
  start: number;
  samples: Sample[];
  seconds: number;
}

/** Runs `load` against the server for `seconds`, sampling its RSS; `start` is after SETTLE_MS idle. */
async function soak(
  server: HostedServer,
  seconds: number,
  load: (running: () => boolean) => Promise<void>[],
): Promise<Run> {
  const pid = server.pid;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const start = await rssOf(pid);
  const started = performance.now();
  const sampler = sampleRss(pid, started);
  const deadline = started + seconds * 1000;
  const loops = load(() => performance.now() < deadline);
  await Promise.all(loops);
  sampler.stop();
  return { start, samples: sampler.samples, seconds: (performance.now() - started) / 1000 };
}

function durationFromOptions(options: BenchOptions): number {
  // run.ts gives every benchmark --duration with its own default of 10 s: too short to say
  // anything about memory over time, so unless --duration was given this one soaks for 240 s.
  const given = process.argv.includes("--duration");
  return given || options.duration !== RUN_DEFAULT_DURATION_S ? options.duration : DEFAULT_DURATION_S;
}

export async function run(options: BenchOptions): Promise<void> {
  if (process.platform !== "linux") throw new BenchError("soak reads /proc: Linux only");
  const seconds = durationFromOptions(options);
  const built = process.argv.includes("--built");
  const baselineSeconds = Math.min(60, Math.max(10, Math.round(seconds / 4)));
  console.log(`machine: ${machineDescription()}`);
  console.log(`code: ${codeDescription()}`);
  console.log(
    `load: ${REPORTERS} API reporters, ${STAFF} staff (API tokens), ${SENDERS} SMTP senders, each a closed loop, ` +
      `for ${seconds} s; embargo serve in a child process (SQLite, job runner on, SMTP listener on, local relay), ` +
      (built ? "built: node dist/cli/main.js serve" : "src/ under tsx (as the other benchmarks' children)"),
  );
  if (options.inProcess) console.log("(--in-process is ignored: the server's own RSS is what is measured)");

  await withCleanup(async (defer) => {
    const dir = await mkdtemp(path.join(tmpdir(), "embargo-bench-soak-"));
    defer(() => rm(dir, { recursive: true, force: true }));

    // The baseline first: a bare Fastify + SQLite process under the same reporter loop.
    progress(`baseline: bare Fastify + SQLite, ${REPORTERS} reporters for ${baselineSeconds} s`);
    const baselineKinds: Kinds = new Map();
    const bare = await host(
      BASELINE_MODULE,
      serveBaseline,
      { file: path.join(dir, "baseline", "baseline.db") },
      false,
    );
    let baseline: Run;
    try {
      baseline = await soak(bare, baselineSeconds, (running) =>
        Array.from({ length: REPORTERS }, (_, i) =>
          reporterLoop(baselineKinds, bare.url, running, i, BASELINE_REPORTS_PATH),
        ),
      );
    } finally {
      await bare.close();
    }

    const relay = await startRelay();
    defer(() => relay.close());
    const databaseUrl = `sqlite:${path.join(dir, "embargo", "embargo.db")}`;
    // The built server runs the last build's migrations, which may be fewer than src/'s: its
    // staff are added once it has migrated, without migrating.
    const tokens = built ? [] : await createStaffTokens(databaseUrl, true);
    const smtpPort = await freePort();
    progress(`embargo: soaking for ${seconds} s`);
    const embargoSpec = { databaseUrl, dataDir: path.join(dir, "embargo"), smtpPort, relayUrl: relay.url };
    const server = built
      ? await startBuiltEmbargo(embargoSpec)
      : await host(SOAK_SERVER_MODULE, serveEmbargo, embargoSpec, false);
    const kinds: Kinds = new Map();
    let measured: Run;
    try {
      if (built) tokens.push(...(await createStaffTokens(databaseUrl, false)));
      measured = await soak(server, seconds, (running) => [
        ...Array.from({ length: REPORTERS }, (_, i) => reporterLoop(kinds, server.url, running, i)),
        ...tokens.map((token) => staffLoop(kinds, server.url, token, running)),
        ...Array.from({ length: SENDERS }, (_, i) => senderLoop(kinds, smtpPort, running, i)),
      ]);
    } finally {
      await server.close();
    }

    printResults(measured, baseline, kinds, baselineKinds, relay.delivered(), built);
  });
}

function summary(run: Run) {
  const { samples } = run;
  const peak = Math.max(run.start, ...samples.map((s) => s.rss));
  const end = samples.at(-1)?.rss ?? run.start;
  const secondHalf = samples.filter((s) => s.t >= run.seconds / 2);
  return { peak, end, slope: slopeMbPerMinute(secondHalf), wholeSlope: slopeMbPerMinute(samples) };
}

function printResults(
  measured: Run,
  baseline: Run,
  kinds: Kinds,
  baselineKinds: Kinds,
  relayed: number,
  built: boolean,
) {
  const embargo = summary(measured);
  const bare = summary(baseline);
  const mb = (bytes: number) => formatNumber(bytes / MB, 0);
  const slope = (value: number) => `${value >= 0 ? "+" : ""}${formatNumber(value, 2)}`;
  console.log("");
  console.log(
    formatTable(
      ["server", "seconds", "start MB", "peak MB", "end MB", "MB/min (2nd half)", "MB/min (all)"],
      [
        [
          built ? "embargo serve, built (mixed load)" : "embargo serve, tsx (mixed load)",
          formatNumber(measured.seconds, 0),
          mb(measured.start),
          mb(embargo.peak),
          mb(embargo.end),
          slope(embargo.slope),
          slope(embargo.wholeSlope),
        ],
        [
          "baseline: bare Fastify + SQLite under tsx (reporters only)",
          formatNumber(baseline.seconds, 0),
          mb(baseline.start),
          mb(bare.peak),
          mb(bare.end),
          slope(bare.slope),
          slope(bare.wholeSlope),
        ],
      ],
    ),
  );
  console.log("");
  // RSS along the way: one line per tenth of the run.
  const marks = measured.samples.filter(
    (_, i, all) => i === all.length - 1 || i % Math.max(1, Math.round(all.length / 10)) === 0,
  );
  console.log(`RSS along the run (MB): ${marks.map((s) => `${Math.round(s.t)}s ${mb(s.rss)}`).join(", ")}`);
  console.log("");
  const rows = (source: Kinds, rate: number) =>
    [...source].map(([name, t]) => [
      name,
      formatNumber(t.ok),
      formatNumber(t.ok / rate, 1),
      formatNumber(t.refused),
      formatNumber(t.errors),
      formatNumber(t.p95(), 0),
      [...t.other].map(([detail, n]) => `${detail} ×${n}`).join(", ") || "-",
    ]);
  console.log(
    formatTable(
      ["requests (embargo)", "done", "per s", "refused", "errors", "p95 ms", "not done"],
      rows(kinds, measured.seconds),
    ),
  );
  console.log(`outgoing mail delivered to the local relay: ${formatNumber(relayed)}`);
  console.log(
    formatTable(
      ["requests (baseline)", "done", "per s", "refused", "errors", "p95 ms", "not done"],
      rows(baselineKinds, baseline.seconds),
    ),
  );
  console.log("");
  console.log(
    `ratio: embargo peak / baseline peak = ${formatNumber(embargo.peak / bare.peak, 1)} ×` +
      `${built ? " (the baseline runs under tsx, Embargo does not)" : ""}; ` +
      `embargo peak / embargo idle (start) = ${formatNumber(embargo.peak / measured.start, 2)} ×, ` +
      `peak - idle = ${mb(embargo.peak - measured.start)} MB`,
  );
  console.log(
    `mark: peak < ${PEAK_MARK_MB} MB: ${embargo.peak / MB < PEAK_MARK_MB ? "met" : "NOT met"}; ` +
      `slope over the second half ${slope(embargo.slope)} MB/min (flat is the aim; judge it on a 30-minute soak, --duration 1800)`,
  );
}
