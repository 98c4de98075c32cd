import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import type { SMTPServer } from "smtp-server";

/**
 * What every benchmark shares: its options, hosting a server in-process or in a child process,
 * driving HTTP load with autocannon, cleaning up, and printing. A benchmark is one module under
 * bench/ that exports a `description` and `run(options)` (see run.ts); one that serves HTTP also
 * exports `serve(spec)`, which is what a child process calls (see child.ts).
 */
export interface BenchOptions {
  /** Seconds of measured load per target. */
  duration: number;
  connections: number;
  /** Seconds of unmeasured load per target before the measured run (JIT, caches). */
  warmup: number;
  /** Run the servers in this process, next to autocannon, instead of one child process each. */
  inProcess: boolean;
}

export interface BenchmarkModule {
  description: string;
  run(options: BenchOptions): Promise<void>;
}

/** A started server: where it listens, and how to stop it. */
export interface Hosted {
  url: string;
  close(): Promise<void>;
}

/** What a module that serves for benchmarks exports; `spec` is JSON (it crosses a process boundary). */
export type ServeFunction = (spec: unknown) => Promise<Hosted>;

export class BenchError extends Error {}

// ---------------------------------------------------------------------------------------------
// Cleanup

type Step = () => Promise<void> | void;
const active = new Set<Step[]>();

/**
 * Runs `body` with a `defer` that registers cleanup steps (servers, temp dirs, databases); they
 * run in reverse order when `body` ends, however it ends. A failing step is reported and the
 * others still run.
 */
export async function withCleanup<T>(body: (defer: (step: Step) => void) => Promise<T>): Promise<T> {
  const steps: Step[] = [];
  active.add(steps);
  try {
    return await body((step) => steps.push(step));
  } finally {
    active.delete(steps);
    await runSteps(steps);
  }
}

/** Runs every pending cleanup step now (on SIGINT/SIGTERM). */
export async function cleanUpEverything(): Promise<void> {
  for (const steps of active) await runSteps(steps);
  active.clear();
}

async function runSteps(steps: Step[]): Promise<void> {
  while (steps.length > 0) {
    const step = steps.pop();
    try {
      await step?.();
    } catch (error) {
      console.error(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Hosting servers

export interface HostedServer extends Hosted {
  /** "child process 1234" or "this process". */
  where: string;
  /** The process the server runs in. */
  pid: number;
}

type ChildMessage = { type: "ready"; url: string } | { type: "failed"; message: string };

function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== "object" || value === null || !("type" in value)) return false;
  if (value.type === "ready") return "url" in value && typeof value.url === "string";
  return value.type === "failed" && "message" in value && typeof value.message === "string";
}

const CHILD_ENTRY = fileURLToPath(new URL("./child.ts", import.meta.url));
const REPOSITORY = fileURLToPath(new URL("..", import.meta.url));
const CHILD_START_MS = 60_000;
const CHILD_STOP_MS = 15_000;

function profileArguments(): string[] {
  const dir = process.env.BENCH_PROFILE_DIR;
  return dir === undefined || dir === "" ? [] : ["--cpu-prof", `--cpu-prof-dir=${dir}`];
}

/**
 * Starts a server with `serve(spec)` from the module at `moduleUrl`: in a child process of its
 * own (the default), or in this process when `inProcess`.
 */
export async function host(
  moduleUrl: string,
  serve: ServeFunction,
  spec: unknown,
  inProcess: boolean,
): Promise<HostedServer> {
  if (inProcess) return { ...(await serve(spec)), where: "this process", pid: process.pid };
  const child = fork(CHILD_ENTRY, [moduleUrl, JSON.stringify(spec)], {
    // The child runs TypeScript too: load tsx into it by absolute URL (works from any directory).
    // BENCH_PROFILE_DIR=dir writes a CPU profile of each server child there (--cpu-prof).
    execArgv: ["--import", import.meta.resolve("tsx"), ...profileArguments()],
    // The server's stdout (Embargo prints a first-administrator link there) goes to stderr, with
    // the progress lines, so that stdout holds only the results.
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  child.stdout?.pipe(process.stderr);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let url: string;
  try {
    url = await waitUntilReady(child);
  } catch (error) {
    await stopChild(child, exited, false);
    throw error;
  }
  return {
    url,
    where: `child process ${child.pid}`,
    pid: child.pid ?? 0,
    close: async () => {
      const code = await stopChild(child, exited, true);
      if (code !== 0) throw new BenchError(`the server in child process ${child.pid} exited with ${code}`);
    },
  };
}

function waitUntilReady(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new BenchError(`the server in child process ${child.pid} did not start`)),
      CHILD_START_MS,
    );
    child.on("message", (message: unknown) => {
      if (!isChildMessage(message)) return;
      clearTimeout(timer);
      if (message.type === "ready") resolve(message.url);
      else
        reject(
          new BenchError(`the server in child process ${child.pid} failed to start:\n${message.message}`),
        );
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(
        new BenchError(`the server in child process ${child.pid} exited with ${code} before it started`),
      );
    });
  });
}

/** Asks the child to close its server and exit; kills it (this child only) if it does not. */
async function stopChild(child: ChildProcess, exited: Promise<number | null>, graceful: boolean) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  if (graceful && child.connected) child.send({ type: "close" });
  else child.kill("SIGTERM");
  const timeout = new Promise<"timeout">((resolve) => setTimeout(resolve, CHILD_STOP_MS, "timeout").unref());
  const outcome = await Promise.race([exited, timeout]);
  if (outcome !== "timeout") return outcome;
  child.kill("SIGKILL");
  await exited;
  throw new BenchError(`the server in child process ${child.pid} did not stop; killed it`);
}

// ---------------------------------------------------------------------------------------------
// Load

export interface LoadSpec {
  url: string;
  method: "POST" | "GET" | "PUT";
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  /** Seconds. */
  duration: number;
  /** The status of a successful response; any other status counts as an error. */
  expectStatus: number;
}

export interface LoadResult {
  /** Responses in the load window divided by its length. */
  requestsPerSecond: number;
  /** Milliseconds, over every response (successful or not). */
  p50: number;
  p99: number;
  /** Responses with the expected status, including those that completed while draining. */
  ok: number;
  /** Responses with another status, connection errors and timeouts. */
  errors: number;
  /** Response count per status, and socket errors and timeouts by name, for the error report. */
  breakdown: Map<string, number>;
}

/** Longest a connection may take to finish its last request once the load window closed. */
const DRAIN_LIMIT_S = 120;

/**
 * Drives `spec.connections` keep-alive connections, each sending the next request as soon as the
 * previous one is answered, for `spec.duration` seconds; then drains: no connection sends a new
 * request, and each waits for the answer to the one it has in flight.
 *
 * The drain is what makes "rows written = successful responses" an exact check. autocannon stops
 * a duration-bound run by destroying its sockets, so up to one request per connection reaches
 * the server, is committed, and its 201 is never read. Here each client's response limit (an
 * autocannon internal, `responseMax`, the one its `amount` option uses) is set to the number of
 * requests it has sent, so it closes after its in-flight answer arrives.
 *
 * Throughput and latency are measured here, from autocannon's per-response events: requests per
 * second is the responses that arrived within the window over its length (autocannon's own
 * per-second average would count the short drain as a last, nearly empty second), and the
 * percentiles come from the exact sub-millisecond response times (autocannon's histogram rounds
 * them to whole milliseconds).
 */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const clients: DrainableClient[] = [];
  const latencies: number[] = [];
  const breakdown = new Map<string, number>();
  const count = (key: string) => breakdown.set(key, (breakdown.get(key) ?? 0) + 1);
  let ok = 0;
  let inWindow = 0;
  let windowOpen = true;

  return new Promise((resolve, reject) => {
    let drainTimer: NodeJS.Timeout | undefined;
    let instance: autocannon.Instance;
    try {
      instance = autocannon(
        {
          url: spec.url,
          method: spec.method,
          ...(spec.headers === undefined ? {} : { headers: spec.headers }),
          ...(spec.body === undefined ? {} : { body: spec.body }),
          connections: spec.connections,
          duration: spec.duration + DRAIN_LIMIT_S,
          setupClient: (client) => clients.push(asDrainable(client)),
        },
        (error, result) => {
          clearTimeout(drainTimer);
          if (error !== null && error !== undefined) {
            reject(error instanceof Error ? error : new BenchError(String(error)));
            return;
          }
          const sorted = Float64Array.from(latencies).sort();
          const socketErrors = result.errors - result.timeouts;
          if (socketErrors > 0) breakdown.set("socket errors", socketErrors);
          if (result.timeouts > 0) breakdown.set("timeouts", result.timeouts);
          resolve({
            requestsPerSecond: inWindow / spec.duration,
            p50: percentile(sorted, 0.5),
            p99: percentile(sorted, 0.99),
            ok,
            errors: latencies.length - ok + result.errors,
            breakdown,
          });
        },
      );
    } catch (error) {
      reject(error);
      return;
    }
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (windowOpen) inWindow++;
      if (statusCode === spec.expectStatus) ok++;
      else count(String(statusCode));
    });
    drainTimer = setTimeout(() => {
      windowOpen = false;
      for (const client of clients) client.responseMax = Math.max(1, client.reqsMade);
    }, spec.duration * 1000);
  });
}

/** The autocannon client internals the drain relies on (lib/httpClient.js, autocannon 7–9). */
interface DrainableClient {
  reqsMade: number;
  responseMax: number | undefined;
}

function asDrainable(client: autocannon.Client): DrainableClient {
  const internals: object = client;
  if (!("reqsMade" in internals) || typeof internals.reqsMade !== "number" || !("responseMax" in internals)) {
    throw new BenchError("autocannon's client no longer has reqsMade/responseMax: the drain needs updating");
  }
  return internals as DrainableClient;
}

/** Nearest-rank percentile of ascending values; NaN when there are none. */
function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

// ---------------------------------------------------------------------------------------------
// Printing

export function machineDescription(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim().replace(/\s+/g, " ") ?? "unknown CPU";
  const memory = (os.totalmem() / 2 ** 30).toFixed(1);
  return (
    `${model} × ${cpus.length} (os.cpus()), ${memory} GiB memory, Node ${process.version}, ` +
    `${os.type()} ${os.release()} ${os.arch()}`
  );
}

/**
 * How busy all CPUs were over the next `ms` milliseconds, from 0 to 1 (Linux: /proc/stat; undefined
 * elsewhere). Sampled while none of the benchmark's own processes run, it is what others use.
 */
export async function cpuBusy(ms = 1000): Promise<number | undefined> {
  const sample = async () => {
    try {
      const line = (await readFile("/proc/stat", "utf8")).split("\n")[0] ?? "";
      // cpu  user nice system idle iowait irq softirq steal …
      const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
      if (ticks.length < 8 || ticks.some((n) => !Number.isFinite(n))) return undefined;
      const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
      return { idle, total: ticks.reduce((sum, n) => sum + n, 0) };
    } catch {
      return undefined;
    }
  };
  const before = await sample();
  if (before === undefined) return undefined;
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await sample();
  if (after === undefined || after.total <= before.total) return undefined;
  return 1 - (after.idle - before.idle) / (after.total - before.total);
}

/**
 * The code being measured: the commit, and how many files under src/ differ from it (a benchmark
 * of a working tree that others are editing is a benchmark of that moment's code).
 */
export function codeDescription(): string {
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: REPOSITORY,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  try {
    const commit = git("rev-parse", "--short", "HEAD");
    const changed = git("status", "--porcelain", "--untracked-files=all", "--", "src")
      .split("\n")
      .filter(Boolean);
    return changed.length === 0
      ? `commit ${commit}, src/ unchanged`
      : `commit ${commit} + ${changed.length} uncommitted file(s) under src/`;
  } catch {
    return "unknown (not a git checkout, or no git)";
  }
}

/** A plain-text table; columns whose cells look numeric are right-aligned. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const numeric = header.map((_, column) => rows.every((row) => /^[-\d.,×%]*$/.test(row[column] ?? "")));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return column > 0 && numeric[column] ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return "-";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Progress goes to stderr, so stdout holds only the results. */
export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** A free TCP port on the loopback interface (for a child server's second listener, e.g. SMTP). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `server` on a free port of 127.0.0.1: its smtp:// URL, and how to stop it. */
export async function listenSmtp(server: SMTPServer): Promise<{ url: string; close(): Promise<void> }> {
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time a process has used (user + system, all its threads), in milliseconds (Linux: /proc). */
export async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // The command name is in parentheses and may hold spaces: fields count from after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5): 12 and 13 after the name and the state.
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new BenchError(`cannot read the CPU time in /proc/${pid}/stat`);
  return (ticks * 1000) / CLOCK_TICKS;
}

/** `cpuMsOf`, or undefined where /proc cannot be read (not Linux). */
export async function cpuMsOfOrUndefined(pid: number): Promise<number | undefined> {
  try {
    return await cpuMsOf(pid);
  } catch {
    return undefined;
  }
}
