import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import nodemailer from "nodemailer";
import { z } from "zod";
import { loadConfig } from "../src/config.js";
import { startServer } from "../src/server.js";
import { openDatabase } from "../src/store/database.js";
import { benchEmbargoEnvironment, parsePoolSettings, UNLIMITED } from "./embargo-server.js";
import {
  BenchError,
  type BenchOptions,
  codeDescription,
  formatNumber,
  formatTable,
  freePort,
  type Hosted,
  host,
  machineDescription,
  progress,
} from "./support.js";

/**
 * `npm run bench -- mail-memory [--runs n]`
 *
 * Issue 14, finding 4: taking in one 25 MB message cost the server process about 630 MB of
 * peak RSS. This starts `embargo serve` as configured for mail (SQLite, the SMTP listener on,
 * 25 MiB messages) in a child process, sends it one large message over SMTP (nodemailer), and
 * reads the child's peak RSS (VmHWM in /proc/<pid>/status, reset through clear_refs just before
 * the message) against its RSS just before. Each message kind gets a fresh server, after a
 * small warm-up message that starts the parse threads:
 *
 * - the baseline: a message just over the size limit, refused with 552 as it arrives: what
 *   receiving 25 MB over SMTP costs with nothing kept;
 * - a 25 MB text/plain body (7bit, 76-character lines);
 * - an 18 MB attachment (24.6 MB of base64) with a short body;
 * - a 25 MB HTML-only body (html-to-text; may well go over the parse budget: the status says).
 *
 * Prints each kind's peak growth, the growth per byte of raw mail, and the ratio to the
 * baseline's growth; the median of `--runs` runs (default 3). Linux only (/proc). The server
 * always runs in a child process: RSS of this process would count the sender too.
 */
export const description =
  "peak RSS of the server taking in one 25 MB message over SMTP (issue 14, finding 4)";

const PROGRAM_ADDRESS = "nuck@kitsu.example";
const MAX_BYTES = 25 * 1024 * 1024;
const MB = 1_000_000;
/** After the warm-up message: lets its garbage be collected and the threads settle. */
const SETTLE_MS = 1500;

// ---------------------------------------------------------------------------------------------
// The server (run in a child process: see child.ts)

const ServeSpec = z.object({ databaseUrl: z.string(), dataDir: z.string(), smtpPort: z.number().int() });

export async function serve(spec: unknown): Promise<Hosted> {
  const parsed = ServeSpec.parse(spec);
  const config = loadConfig(
    benchEmbargoEnvironment(parsed, {
      EMBARGO_LOG_LEVEL: "error",
      EMBARGO_SMTP_PORT: String(parsed.smtpPort),
      EMBARGO_SMTP_MAX_BYTES: String(MAX_BYTES),
      // The attachment kind's file is 18 MB: above the default 10 MiB per attachment.
      EMBARGO_MAX_ATTACHMENT_BYTES: String(MAX_BYTES),
      // Intake alone: no delivery worker sending the receipts.
      EMBARGO_WORKER: "off",
      EMBARGO_MAIL_PER_HOUR_PER_SENDER: UNLIMITED,
      EMBARGO_REPORTS_PER_HOUR_PER_PROGRAM: UNLIMITED,
      ...parsePoolSettings(),
    }),
    "/nonexistent",
  );
  const running = await startServer(config);
  // The parent reads this process's memory from /proc: it needs the pid.
  await writeFile(path.join(parsed.dataDir, "server.pid"), String(process.pid));
  return { url: running.url, close: () => running.close() };
}

// ---------------------------------------------------------------------------------------------
// The mail

function message(headers: string[], body: string | Buffer): Buffer {
  const head = Buffer.from(
    [
      "From: sender@example.net",
      `To: ${PROGRAM_ADDRESS}`,
      "Subject: a large report",
      `Message-ID: <bench-${Math.random().toString(36).slice(2)}@example.net>`,
      "MIME-Version: 1.0",
      ...headers,
      "",
      "",
    ].join("\r\n"),
  );
  return Buffer.concat([head, typeof body === "string" ? Buffer.from(body) : body]);
}

/** `bytes` of text in CRLF lines of 76 characters, each line different enough not to compress. */
function lines(bytes: number, line: (i: number) => string): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const text = `${line(i)}\r\n`;
    parts.push(text);
    size += text.length;
  }
  return parts.join("");
}

const sentence = (i: number) =>
  `Line ${String(i).padStart(8, "0")} of the report: the quick brown fox jumps.`;

interface Kind {
  name: string;
  /** Refused at the door (552): the baseline. */
  refused?: true;
  make(): Buffer;
}

const KINDS: Kind[] = [
  {
    name: "baseline: 25 MiB + 1 kB, refused (552)",
    refused: true,
    make: () => message(["Content-Type: text/plain"], lines(MAX_BYTES + 1000, sentence)),
  },
  {
    name: "text/plain body, 25 MB",
    make: () =>
      message(
        ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 7bit"],
        lines(25 * MB, sentence),
      ),
  },
  {
    name: "18 MB attachment (base64), short body",
    make: () => {
      const file = Buffer.alloc(18 * MB);
      for (let i = 0; i < file.length; i += 4) file.writeUInt32LE((i * 2654435761) >>> 0, i);
      const base64 = file.toString("base64").replace(/.{76}/g, "$&\r\n");
      return message(
        ['Content-Type: multipart/mixed; boundary="b"'],
        [
          "--b",
          "Content-Type: text/plain; charset=utf-8",
          "",
          "The proof of concept is attached.",
          "--b",
          'Content-Type: application/octet-stream; name="dump.bin"',
          'Content-Disposition: attachment; filename="dump.bin"',
          "Content-Transfer-Encoding: base64",
          "",
          base64,
          "--b--",
          "",
        ].join("\r\n"),
      );
    },
  },
  {
    name: "HTML-only body, 25 MB",
    make: () =>
      message(
        ["Content-Type: text/html; charset=utf-8"],
        lines(25 * MB, (i) => `<p>${sentence(i)}</p>`),
      ),
  },
];

// ---------------------------------------------------------------------------------------------
// Measuring

/** VmHWM and VmRSS of a process, in bytes. */
async function memoryOf(pid: number): Promise<{ peak: number; rss: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status);
    if (match === null) throw new BenchError(`no ${name} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { peak: field("VmHWM"), rss: field("VmRSS") };
}

/** Resets the process's peak RSS (VmHWM) to its current RSS (Linux: clear_refs, 5). */
async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, "5");
}

async function sendOne(port: number, raw: Buffer): Promise<number> {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port,
    secure: false,
    ignoreTLS: true,
    pool: false,
    socketTimeout: 600_000,
  });
  try {
    await transport.sendMail({ envelope: { from: "sender@example.net", to: [PROGRAM_ADDRESS] }, raw });
    return 250;
  } catch (error) {
    const code = (error as { responseCode?: number }).responseCode;
    if (code === undefined) throw error;
    return code;
  } finally {
    transport.close();
  }
}

async function statuses(databaseUrl: string): Promise<string[]> {
  const store = await openDatabase(databaseUrl);
  try {
    const rows = await store.db.selectFrom("inbound_mail").select("status").orderBy("received_at").execute();
    return rows.map((row) => row.status);
  } finally {
    await store.close();
  }
}

interface Measured {
  rawBytes: number;
  before: number;
  peak: number;
  code: number;
  /** The stored message's status (the warm-up message's is left out); "-" when refused. */
  status: string;
}

/** One fresh server, a warm-up message, then the message: its peak growth. */
async function measure(kind: Kind, raw: Buffer): Promise<Measured> {
  const dir = await mkdtemp(path.join(tmpdir(), "embargo-bench-mail-memory-"));
  try {
    const databaseUrl = `sqlite:${path.join(dir, "embargo.db")}`;
    const smtpPort = await freePort();
    const server = await host(import.meta.url, serve, { databaseUrl, dataDir: dir, smtpPort }, false);
    let measured: Omit<Measured, "status">;
    try {
      const pid = Number(await readFile(path.join(dir, "server.pid"), "utf8"));
      const warm = await sendOne(smtpPort, message(["Content-Type: text/plain"], "Warming up.\r\n"));
      if (warm !== 250) throw new BenchError(`the warm-up message was answered ${warm}`);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      await resetPeak(pid);
      const { rss: before } = await memoryOf(pid);
      const code = await sendOne(smtpPort, raw);
      const { peak } = await memoryOf(pid);
      measured = { rawBytes: raw.length, before, peak, code };
    } finally {
      await server.close();
    }
    const expected = kind.refused ? 552 : 250;
    if (measured.code !== expected)
      throw new BenchError(`${kind.name}: answered ${measured.code}, expected ${expected}`);
    const [, status] = await statuses(databaseUrl);
    return { ...measured, status: status ?? "-" };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function runsFromArgs(): number {
  const index = process.argv.indexOf("--runs");
  if (index === -1) return 3;
  const runs = Number(process.argv[index + 1]);
  if (!Number.isInteger(runs) || runs < 1)
    throw new BenchError("--runs expects a whole number of at least 1");
  return runs;
}

// ---------------------------------------------------------------------------------------------
// The benchmark

export async function run(options: BenchOptions): Promise<void> {
  if (process.platform !== "linux") throw new BenchError("mail-memory reads /proc: Linux only");
  const runs = runsFromArgs();
  console.log(`machine: ${machineDescription()}`);
  console.log(`code: ${codeDescription()}`);
  console.log(
    `load: one message over SMTP to a fresh server (child process, SQLite, EMBARGO_SMTP_MAX_BYTES=${MAX_BYTES}) ` +
      `after a warm-up message; peak RSS (VmHWM, reset just before) minus RSS before; median of ${runs} run(s)`,
  );
  if (options.inProcess) console.log("(--in-process is ignored: the server's own RSS is what is measured)");
  const rows: { kind: Kind; rawBytes: number; growth: number; before: number; status: string }[] = [];
  for (const kind of KINDS) {
    const raw = kind.make();
    const growths: number[] = [];
    const befores: number[] = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < runs; i++) {
      progress(`${kind.name}: run ${i + 1} of ${runs}`);
      const measured = await measure(kind, raw);
      growths.push(measured.peak - measured.before);
      befores.push(measured.before);
      seen.set(measured.status, (seen.get(measured.status) ?? 0) + 1);
    }
    // Every run's outcome: one over the time budget on a busy machine should not hide.
    const status = [...seen].map(([name, n]) => (runs === 1 ? name : `${name} ×${n}`)).join(", ");
    rows.push({ kind, rawBytes: raw.length, growth: median(growths), before: median(befores), status });
  }

  const baseline = rows.find((row) => row.kind.refused)?.growth ?? Number.NaN;
  console.log("");
  console.log(
    formatTable(
      ["message", "raw MB", "RSS before MB", "peak growth MB", "per raw byte", "× baseline", "status"],
      rows.map((row) => [
        row.kind.name,
        formatNumber(row.rawBytes / MB, 1),
        formatNumber(row.before / MB, 0),
        formatNumber(row.growth / MB, 0),
        formatNumber(row.growth / row.rawBytes, 1),
        formatNumber(row.growth / baseline, 1),
        row.status,
      ]),
    ),
  );
  const worst = rows.filter((row) => !row.kind.refused).sort((a, b) => b.growth - a.growth)[0];
  if (worst !== undefined)
    console.log(
      `ratio: the costliest kind (${worst.kind.name}) / baseline = ${formatNumber(worst.growth / baseline, 1)} ×`,
    );
}
