import { mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";
import { z } from "zod";
import { loadConfig } from "../src/config.js";
import { startServer } from "../src/server.js";
import { benchEmbargoEnvironment, parsePoolSettings, UNLIMITED } from "./embargo-server.js";
import {
  BenchError,
  type BenchOptions,
  codeDescription,
  cpuBusy,
  cpuMsOf,
  formatNumber,
  formatTable,
  freePort,
  type Hosted,
  host,
  machineDescription,
  progress,
  withCleanup,
} from "./support.js";

/**
 * `npm run bench -- mail`
 *
 * Issue 17: mail throughput. Starts `embargo serve` as configured for mail (SQLite, the SMTP
 * listener on, the delivery worker sending receipts to a local SMTP sink in this process) in a
 * child process, and sends it 1,000 plain ~2 kB reports over SMTP (nodemailer), each from its
 * own reporter address, in three ways:
 *
 * - 16 parallel one-message sessions: a new connection for every message;
 * - 1 reused session: every message over one connection, one after the other (RSET between);
 * - 4 reused sessions: four such connections side by side.
 *
 * For each it prints the rate messages were accepted (250, from the first message sent to the
 * last 250) and the rate they were receipted (to the last receipt arriving at the sink), and
 * the server's CPU per message: utime + stime of the child (all its threads, the parse pool's
 * included) from /proc/<pid>/stat, from the first message to the last receipt.
 *
 * The baseline, in the same run, the same three ways: a bare smtp-server in a child process of
 * its own that writes each message to its own file and fsyncs it before answering 250 (no
 * parsing, no database, no receipts). Prints both, the ratio, and the marks: at least
 * 100 msgs/s with 16 one-message sessions, at least 150 msgs/s with 4 reused sessions, at most
 * 6 ms of server CPU per message. A run fails (exit 1) when a message is refused for good or a
 * receipt never comes, not when a mark is missed (the machine may be shared: the line before the
 * results says how busy it was).
 *
 * The per-program hourly cap (EMBARGO_REPORTS_PER_HOUR_PER_PROGRAM, 500 by default) and the
 * per-host limits are raised in the server's configuration: every message goes to one program
 * from 127.0.0.1. EMBARGO_BENCH_MAIL_MESSAGES sets the messages per way (default 1000). Linux
 * only (/proc).
 */
export const description = "SMTP intake and receipts: msgs/s and server CPU per message (issue 17)";

const PROGRAM_ADDRESS = "nuck@kitsu.example";
const MESSAGES = Number(process.env.EMBARGO_BENCH_MAIL_MESSAGES ?? 1000);
const WARMUP_MESSAGES = 20;
/** Longest wait for the receipts once the last message was accepted. */
const RECEIPT_TIMEOUT_MS = 300_000;
/** A sender told 4xx (busy, try later) tries again this much later, as a mail server would. */
const RETRY_MS = 200;
const MARKS = { oneMessage16: 100, reused4: 150, cpuMsPerMessage: 6 };

interface Mode {
  key: string;
  name: string;
  sessions: number;
  reuse: boolean;
}

const MODES: Mode[] = [
  { key: "one16", name: "16 one-message sessions", sessions: 16, reuse: false },
  { key: "reused1", name: "1 reused session", sessions: 1, reuse: true },
  { key: "reused4", name: "4 reused sessions", sessions: 4, reuse: true },
];

// ---------------------------------------------------------------------------------------------
// The servers (each in a child process of its own: see child.ts)

const ServeSpec = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("baseline"), dataDir: z.string(), smtpPort: z.number().int() }),
  z.object({
    kind: z.literal("embargo"),
    databaseUrl: z.string(),
    dataDir: z.string(),
    smtpPort: z.number().int(),
    sinkPort: z.number().int(),
  }),
]);

export async function serve(spec: unknown): Promise<Hosted> {
  const parsed = ServeSpec.parse(spec);
  const hosted = parsed.kind === "baseline" ? await serveBaseline(parsed) : await serveEmbargo(parsed);
  // The parent reads this process's CPU time from /proc: it needs the pid.
  await writeFile(path.join(parsed.dataDir, "server.pid"), String(process.pid));
  return hosted;
}

async function serveEmbargo(spec: {
  databaseUrl: string;
  dataDir: string;
  smtpPort: number;
  sinkPort: number;
}): Promise<Hosted> {
  const config = loadConfig(
    benchEmbargoEnvironment(spec, {
      EMBARGO_LOG_LEVEL: "error",
      EMBARGO_SMTP_PORT: String(spec.smtpPort),
      // Receipts go out through the sink in the parent process.
      EMBARGO_SMTP_URL: `smtp://127.0.0.1:${spec.sinkPort}`,
      EMBARGO_MAIL_FROM: "security@kitsu.example",
      EMBARGO_WORKER: "on",
      // Every message comes from 127.0.0.1 to one program: the per-program hourly cap (500 by
      // default) and the per-host limits would refuse most of them.
      EMBARGO_REPORTS_PER_HOUR_PER_PROGRAM: UNLIMITED,
      EMBARGO_MAIL_PER_HOUR_PER_SENDER: UNLIMITED,
      EMBARGO_MAIL_ANSWERS_PER_HOUR_PER_HOST: UNLIMITED,
      EMBARGO_MAIL_ANSWERS_PER_HOUR_PER_ADDRESS: UNLIMITED,
      ...parsePoolSettings(),
    }),
    "/nonexistent",
  );
  const running = await startServer(config);
  return { url: running.url, close: () => running.close() };
}

/** The baseline: each message to a file of its own, fsynced before the 250. Nothing else. */
async function serveBaseline(spec: { dataDir: string; smtpPort: number }): Promise<Hosted> {
  const dir = path.join(spec.dataDir, "mail");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let next = 0;
  const store = async (raw: Buffer) => {
    const file = await open(path.join(dir, `${next++}.eml`), "wx", 0o600);
    try {
      await file.writeFile(raw);
      await file.sync();
    } finally {
      await file.close();
    }
  };
  const server = new SMTPServer({
    banner: "baseline",
    size: 25 * 1024 * 1024,
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        store(Buffer.concat(chunks)).then(
          () => callback(null, "Message accepted"),
          (error: Error) => callback(error),
        );
      });
    },
  });
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(spec.smtpPort, "127.0.0.1", resolve));
  return {
    url: `smtp://127.0.0.1:${spec.smtpPort}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---------------------------------------------------------------------------------------------
// The mail

const WORDS =
  "the login form accepts a crafted session cookie and an attacker who can set it reads another account's invoices through the export endpoint".split(
    " ",
  );

/** A plain report of about 2 kB, different from every other (no duplicate detection kicks in). */
function reportMail(mode: string, index: number): { from: string; raw: Buffer } {
  const from = `${mode}.${index}@reporters.example`;
  const lines: string[] = [];
  for (let line = 0; lines.join("\r\n").length < 1900; line++) {
    const words = Array.from(
      { length: 12 },
      (_, w) => WORDS[(index * 7 + line * 5 + w * 3) % WORDS.length] ?? "x",
    );
    lines.push(`${line + 1}. ${words.join(" ")} (${mode} ${index}).`);
  }
  const raw = Buffer.from(
    [
      `From: ${from}`,
      `To: ${PROGRAM_ADDRESS}`,
      `Subject: Report ${index} (${mode}): session fixation in the export`,
      `Message-ID: <bench-${mode}-${index}-${Date.now()}@reporters.example>`,
      `Date: ${new Date().toUTCString()}`,
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: 7bit",
      "",
      ...lines,
      "",
    ].join("\r\n"),
  );
  return { from, raw };
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** Receives the receipts: counts them per mode (the reporter address's first part). */
async function startReceiptSink(): Promise<{
  port: number;
  count(mode: string): number;
  waitFor(mode: string, n: number, timeoutMs: number): Promise<number | undefined>;
  close(): Promise<void>;
}> {
  const counts = new Map<string, number>();
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      stream.on("data", () => {});
      stream.on("end", () => {
        for (const rcpt of session.envelope.rcptTo) {
          const mode = rcpt.address.split(".")[0] ?? "";
          counts.set(mode, (counts.get(mode) ?? 0) + 1);
        }
        for (const wake of waiters.splice(0)) wake();
        callback();
      });
    },
  });
  server.on("error", () => {});
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const count = (mode: string) => counts.get(mode) ?? 0;
  return {
    port,
    count,
    /** performance.now() when `n` receipts for `mode` had arrived; undefined after the timeout. */
    async waitFor(mode, n, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (count(mode) < n) {
        const left = deadline - performance.now();
        if (left <= 0) return undefined;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 1000));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return performance.now();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Sent {
  accepted: number;
  deferred: number;
  refused: string[];
  /** performance.now() of the last 250. */
  lastAcceptedAt: number;
}

/**
 * Sends the messages in `mode`'s way: `sessions` senders side by side, each taking the next
 * message when its previous one is answered; over a new connection each time, or over one
 * connection of its own kept open (nodemailer's pool of one).
 */
async function sendAll(port: number, mode: Mode, mails: { from: string; raw: Buffer }[]): Promise<Sent> {
  const transport = () =>
    nodemailer.createTransport({
      host: "127.0.0.1",
      port,
      secure: false,
      ignoreTLS: true,
      socketTimeout: 600_000,
      ...(mode.reuse ? { pool: true, maxConnections: 1, maxMessages: Number.POSITIVE_INFINITY } : {}),
    });
  const shared = mode.reuse ? undefined : transport();
  const sent: Sent = { accepted: 0, deferred: 0, refused: [], lastAcceptedAt: performance.now() };
  let next = 0;
  const sender = async () => {
    const own = shared ?? transport();
    try {
      for (let index = next++; index < mails.length; index = next++) {
        const mail = mails[index];
        if (mail === undefined) break;
        for (;;) {
          try {
            await own.sendMail({ envelope: { from: mail.from, to: [PROGRAM_ADDRESS] }, raw: mail.raw });
            sent.accepted++;
            sent.lastAcceptedAt = performance.now();
            break;
          } catch (error) {
            const code = (error as { responseCode?: number }).responseCode;
            if (code !== undefined && code >= 400 && code < 500) {
              sent.deferred++;
              await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
              continue;
            }
            sent.refused.push(error instanceof Error ? error.message : String(error));
            break;
          }
        }
      }
    } finally {
      if (shared === undefined) own.close();
    }
  };
  try {
    await Promise.all(Array.from({ length: mode.sessions }, sender));
  } finally {
    shared?.close();
  }
  return sent;
}

interface Result {
  mode: Mode;
  sent: Sent;
  acceptedPerSecond: number;
  /** Undefined for the baseline (no receipts) or when they did not all come. */
  receiptedPerSecond: number | undefined;
  receipts: number;
  cpuMsPerMessage: number;
}

async function measure(
  pid: number,
  smtpPort: number,
  mode: Mode,
  count: number,
  sink: Awaited<ReturnType<typeof startReceiptSink>> | undefined,
  tag: string,
): Promise<Result> {
  const key = `${tag}${mode.key}`;
  const mails = Array.from({ length: count }, (_, i) => reportMail(key, i));
  const cpuBefore = await cpuMsOf(pid);
  const started = performance.now();
  const sent = await sendAll(smtpPort, mode, mails);
  const acceptedSeconds = (sent.lastAcceptedAt - started) / 1000;
  let receiptedAt: number | undefined;
  if (sink !== undefined) receiptedAt = await sink.waitFor(key, sent.accepted, RECEIPT_TIMEOUT_MS);
  const cpuAfter = await cpuMsOf(pid);
  return {
    mode,
    sent,
    acceptedPerSecond: sent.accepted / acceptedSeconds,
    receiptedPerSecond:
      receiptedAt === undefined ? undefined : sent.accepted / ((receiptedAt - started) / 1000),
    receipts: sink?.count(key) ?? 0,
    cpuMsPerMessage: (cpuAfter - cpuBefore) / Math.max(1, sent.accepted),
  };
}

// ---------------------------------------------------------------------------------------------
// The benchmark

export async function run(options: BenchOptions): Promise<void> {
  if (process.platform !== "linux") throw new BenchError("mail reads /proc: Linux only");
  if (!(Number.isInteger(MESSAGES) && MESSAGES > 0))
    throw new BenchError("EMBARGO_BENCH_MAIL_MESSAGES must be a positive whole number");
  console.log(`machine: ${machineDescription()}`);
  console.log(`code: ${codeDescription()}`);
  console.log(
    `load: ${MESSAGES} plain ~2 kB reports over SMTP per way, each from its own address; ` +
      `the server in a child process (SQLite), receipts to a sink in this process; ` +
      "CPU from /proc/<pid>/stat",
  );
  if (options.inProcess) progress("mail: --in-process is ignored (the server's CPU is read from /proc)");

  await withCleanup(async (defer) => {
    const dir = await mkdtemp(path.join(tmpdir(), "embargo-bench-mail-"));
    defer(() => rm(dir, { recursive: true, force: true }));
    const sink = await startReceiptSink();
    defer(() => sink.close());
    const busy = await cpuBusy();

    // The baseline.
    const baselineDir = path.join(dir, "baseline");
    await mkdir(baselineDir);
    const baselinePort = await freePort();
    const baselineServer = await host(
      import.meta.url,
      serve,
      { kind: "baseline", dataDir: baselineDir, smtpPort: baselinePort },
      false,
    );
    const baseline: Result[] = [];
    try {
      const pid = Number(await readFile(path.join(baselineDir, "server.pid"), "utf8"));
      progress(`baseline: SMTP on ${baselinePort} (${baselineServer.where})`);
      await measure(pid, baselinePort, MODES[1]!, WARMUP_MESSAGES, undefined, "bwarm");
      for (const mode of MODES) {
        progress(`baseline: ${mode.name}`);
        baseline.push(await measure(pid, baselinePort, mode, MESSAGES, undefined, "b"));
      }
    } finally {
      await baselineServer.close();
    }

    // Embargo.
    const embargoDir = path.join(dir, "embargo");
    await mkdir(embargoDir);
    const smtpPort = await freePort();
    const server = await host(
      import.meta.url,
      serve,
      {
        kind: "embargo",
        databaseUrl: `sqlite:${path.join(embargoDir, "embargo.db")}`,
        dataDir: embargoDir,
        smtpPort,
        sinkPort: sink.port,
      },
      false,
    );
    const embargo: Result[] = [];
    try {
      const pid = Number(await readFile(path.join(embargoDir, "server.pid"), "utf8"));
      progress(`embargo: SMTP on ${smtpPort} (${server.where})`);
      // Warm-up: the first messages compile the code paths and start the parse threads.
      await measure(pid, smtpPort, MODES[1]!, WARMUP_MESSAGES, sink, "warm");
      for (const mode of MODES) {
        progress(`embargo: ${mode.name}`);
        embargo.push(await measure(pid, smtpPort, mode, MESSAGES, sink, "e"));
        progress(`  receipts: ${embargo.at(-1)?.receipts}`);
      }
    } finally {
      await server.close();
    }
    report(baseline, embargo, busy);
  });
}

function report(baseline: Result[], embargo: Result[], busy: number | undefined): void {
  if (busy !== undefined)
    console.log(
      `other processes' CPU use in the second before the servers started: ${Math.round(busy * 100)}%`,
    );
  console.log("");
  const rows = MODES.map((mode, i) => {
    const b = baseline[i];
    const e = embargo[i];
    if (b === undefined || e === undefined) throw new BenchError("a way was not measured");
    return [
      mode.name,
      formatNumber(b.acceptedPerSecond, 1),
      formatNumber(e.acceptedPerSecond, 1),
      formatNumber(e.receiptedPerSecond ?? Number.NaN, 1),
      `${formatNumber(e.acceptedPerSecond / b.acceptedPerSecond, 2)}×`,
      formatNumber(b.cpuMsPerMessage, 2),
      formatNumber(e.cpuMsPerMessage, 2),
      `${formatNumber(e.sent.deferred)}/${formatNumber(b.sent.deferred)}`,
    ];
  });
  console.log(
    formatTable(
      [
        "way",
        "baseline msgs/s",
        "embargo accepted msgs/s",
        "embargo receipted msgs/s",
        "ratio (accepted)",
        "baseline CPU ms/msg",
        "embargo CPU ms/msg",
        "4xx embargo/baseline",
      ],
      rows,
    ),
  );
  console.log("");
  const [one16, , reused4] = embargo;
  const verdict = (ok: boolean) => (ok ? "met" : "not met");
  const rateMark = (label: string, result: Result | undefined, mark: number) => {
    if (result === undefined) return;
    const receipted = result.receiptedPerSecond ?? Number.NaN;
    console.log(
      `mark: ≥ ${mark} msgs/s with ${label}: accepted ${formatNumber(result.acceptedPerSecond, 1)} ` +
        `(${verdict(result.acceptedPerSecond >= mark)}), receipted ${formatNumber(receipted, 1)} ` +
        `(${verdict(receipted >= mark)})`,
    );
  };
  rateMark("16 one-message sessions", one16, MARKS.oneMessage16);
  rateMark("4 reused sessions", reused4, MARKS.reused4);
  const worstCpu = Math.max(...embargo.map((r) => r.cpuMsPerMessage));
  console.log(
    `mark: ≤ ${MARKS.cpuMsPerMessage} ms server CPU per message (intake and receipt), worst way: ` +
      `${formatNumber(worstCpu, 2)} ms (${verdict(worstCpu <= MARKS.cpuMsPerMessage)})`,
  );

  const failures: string[] = [];
  for (const result of [...baseline, ...embargo]) {
    if (result.sent.accepted !== MESSAGES)
      failures.push(
        `${result.mode.name}: ${result.sent.accepted} of ${MESSAGES} accepted: ${result.sent.refused.slice(0, 3).join("; ")}`,
      );
  }
  for (const result of embargo) {
    if (result.receiptedPerSecond === undefined)
      failures.push(`${result.mode.name}: ${result.receipts} of ${result.sent.accepted} receipts arrived`);
  }
  if (failures.length > 0) throw new BenchError(`mail check failed:\n  ${failures.join("\n  ")}`);
}
