import { randomBytes } from "node:crypto";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { encryptText } from "../src/crypto/envelope.js";
import type { Keyring } from "../src/crypto/keyring.js";
import { deliverDue } from "../src/jobs/delivery-worker.js";
import { fireDueTimers, timerBatching } from "../src/jobs/runner.js";
import { processDueTimers } from "../src/jobs/timer-worker.js";
import { storeKeySource } from "../src/mail/store-key-source.js";
import { createEmailSender } from "../src/notify/email-sender.js";
import { loadPolicies } from "../src/policy/loader.js";
import { ProgramRegistry } from "../src/programs/registry.js";
import { aad } from "../src/store/aad.js";
import { GENESIS_HASH } from "../src/store/chain.js";
import { loadKeyring } from "../src/store/data-keys.js";
import type { Store } from "../src/store/database.js";
import { randomId, sha256Hex } from "../src/store/ids.js";
import { migrate } from "../src/store/migrate.js";
import type { CasesTable } from "../src/store/schema.js";
import { createLogger } from "../src/web/logging.js";
import { openBenchStore } from "./bench-store.js";
import { listenSmtp } from "./support.js";

/**
 * `npm run bench -- timers [--cases 100000] [--due 10000] [--postgres]`
 *
 * 100,000 open Kitsu cases, of which 10,000 breach their "one business day" promise in the same
 * minute. Measures, on the injected clock at that minute:
 * - fire: the timer worker taking every due case (escalation step as a hash-chained event, the
 *   breach notice queued in the encrypted outbox), as `embargo serve` does (src/jobs/runner.ts);
 * - deliver: the delivery worker sending those notices to a real SMTP listener in this process;
 * - an idle tick afterwards (nothing due among 100,000 open cases);
 * - baseline: the bare cost of touching the same due rows through the same index (select the due
 *   timers in batches and move them, nothing else), in the same run; the ratio is fire/baseline.
 * The mark: every due timer fires within 60 s.
 */
export const description =
  "10,000 escalations due in one minute among 100,000 open cases (timer worker, outbox)";

/** Wednesday 2 December 2026, 10:00 in Los Angeles: Kitsu's working hours. */
const NOW = new Date("2026-12-02T18:00:00.000Z");
/** One business day earlier: the breach of "acknowledge within one business day" is due at NOW. */
const RECEIVED_DUE = new Date("2026-12-01T18:00:00.000Z");
const BATCH = 1000;
const MARK_SECONDS = 60;

/** A case as intake writes it; `reporter` gives it a reporter's address, as most cases have. */
function caseRow(keyring: Keyring, receivedAt: Date, reporter?: string): CasesTable {
  const id = randomId();
  return {
    id,
    program: "kitsu",
    state: "new",
    source: "web",
    asset_id: null,
    received_at: receivedAt.toISOString(),
    acknowledge_by: null,
    updated_at: receivedAt.toISOString(),
    reporter_token_hash: sha256Hex(randomBytes(32)),
    report_ct: encryptText(
      keyring,
      JSON.stringify({
        title: "Synthetic report",
        fields: { description: "…" },
        credit: { mode: "anonymous" },
      }),
      aad.report(id),
    ),
    contact_ct:
      reporter === undefined
        ? null
        : encryptText(keyring, JSON.stringify({ email: reporter }), aad.contact(id)),
    event_count: 0,
    last_event_hash: GENESIS_HASH,
    assignee: null,
    priority: null,
    due_at: null,
    severity: null,
    cvss31_vector: null,
    cvss31_score: null,
    cvss40_vector: null,
    cvss40_score: null,
    cwe: null,
    outcome: null,
    duplicate_of: null,
    acknowledged_at: null,
    first_team_reply_at: null,
    detailed_response_at: null,
    triaged_at: null,
    fixed_at: null,
    closed_at: null,
    agreement_due_at: null,
    next_due_at: null,
    search_key_id: null,
    fix_released_at: null,
    privacy_incident_at: null,
    authority_notify_by: null,
    authority_notified_at: null,
    opened_by: null,
  };
}

/**
 * Loads `total` open cases with their timers: `due` of them received a business day ago (their
 * breach falls due within the minute before NOW); the others received within the last hour (their
 * next step is the warning, hours away). Earlier steps count as taken, as a running system would
 * have them.
 */
async function load(store: Store, keyring: Keyring, total: number, due: number): Promise<void> {
  const started = performance.now();
  for (let done = 0; done < total; done += BATCH) {
    const count = Math.min(BATCH, total - done);
    const cases: CasesTable[] = [];
    const timers: {
      case_id: string;
      due_at: string;
      processed_seq: number;
      attempts: number;
      last_error: null;
    }[] = [];
    const taken: { step_key: string; case_id: string; at: string }[] = [];
    for (let i = 0; i < count; i++) {
      const index = done + i;
      const step = Math.floor(total / due);
      const isDue = index % step === 0 && index / step < due;
      const received = isDue
        ? new Date(RECEIVED_DUE.getTime() - Math.floor(Math.random() * 59_000))
        : new Date(NOW.getTime() - Math.floor(Math.random() * 3_600_000));
      // Due cases carry a reporter address, so the worker sets up mail to the reporter as it would.
      const row = caseRow(keyring, received, isDue ? `reporter-${index}@example.org` : undefined);
      cases.push(row);
      const dueAt = isDue
        ? new Date(received.getTime() + 24 * 3_600_000)
        : new Date(NOW.getTime() + 5 * 3_600_000);
      timers.push({
        case_id: row.id,
        due_at: dueAt.toISOString(),
        processed_seq: 0,
        attempts: 0,
        last_error: null,
      });
      if (isDue)
        taken.push({ step_key: `${row.id}:acknowledge:warn:0`, case_id: row.id, at: received.toISOString() });
    }
    await store.transaction(async (trx) => {
      for (let start = 0; start < cases.length; start += 250) {
        await trx
          .insertInto("cases")
          .values(cases.slice(start, start + 250))
          .execute();
      }
      for (let start = 0; start < timers.length; start += 500) {
        await trx
          .insertInto("case_timers")
          .values(timers.slice(start, start + 500))
          .execute();
      }
      if (taken.length > 0) await trx.insertInto("case_escalations").values(taken).execute();
    });
    if ((done / BATCH) % 10 === 0) process.stdout.write(`\r  loaded ${done + count} cases`);
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`\r  loaded ${total} open cases (${due} due) in ${seconds.toFixed(1)} s\n`);
}

async function countDue(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom("case_timers")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where("due_at", "<=", NOW.toISOString())
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The bare baseline: take the due timers through the index in batches and move them on, in the
 * runner's batch size and lanes.
 */
async function baseline(store: Store): Promise<number> {
  const { batch, lanes } = timerBatching(store.dialect);
  const started = performance.now();
  let touched = 0;
  const lane = async () => {
    for (;;) {
      const moved = await store.transaction(async (trx) => {
        const rows = await trx
          .selectFrom("case_timers")
          .select("case_id")
          .where("due_at", "<=", NOW.toISOString())
          .orderBy("due_at")
          .limit(batch)
          .$if(store.dialect === "postgres", (q) => q.forUpdate().skipLocked())
          .execute();
        for (const row of rows) {
          await trx
            .updateTable("case_timers")
            .set({ due_at: "9999-12-31T23:59:59.999Z" })
            .where("case_id", "=", row.case_id)
            .execute();
        }
        return rows.length;
      });
      touched += moved;
      if (moved < batch) return;
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  const ms = performance.now() - started;
  console.log(`  baseline: moved ${touched} due timers in ${(ms / 1000).toFixed(2)} s`);
  return ms;
}

async function startSink(): Promise<{ url: string; received: () => number; close(): Promise<void> }> {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        simpleParser(Buffer.concat(chunks)).then((_mail: ParsedMail) => {
          received += 1;
          callback();
        }, callback);
      });
    },
  });
  return { ...(await listenSmtp(server)), received: () => received };
}

export async function run(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      cases: { type: "string", default: "100000" },
      due: { type: "string", default: "10000" },
      postgres: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: false,
  });
  const total = Number(values.cases);
  const due = Number(values.due);
  if (!Number.isInteger(total) || !Number.isInteger(due) || due < 1 || due > total) {
    throw new Error("--cases and --due take whole numbers, 1 ≤ due ≤ cases");
  }
  const postgres = values.postgres === true;
  console.log(
    `timers: ${total} open cases, ${due} due in one minute, on ${postgres ? "PostgreSQL" : "SQLite"}`,
  );
  const { policies } = await loadPolicies("examples/policies");
  const programs = new ProgramRegistry(policies);
  const logger = createLogger("silent");

  // Two identical databases: one for the baseline, one for Embargo, so neither warms the other.
  const runs: { store: Store; dispose(): Promise<void>; keyring: Keyring }[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const { store, dispose } = await openBenchStore(postgres, undefined);
      runs.push({
        store,
        dispose,
        keyring: await (async () => {
          await migrate(store);
          return loadKeyring(store, randomBytes(32));
        })(),
      });
    }
    const [base, subject] = runs as [(typeof runs)[number], (typeof runs)[number]];
    for (const { store, keyring } of runs) {
      if (store.dialect === "sqlite") await sql`pragma synchronous = off`.execute(store.db);
      await load(store, keyring, total, due);
      if (store.dialect === "sqlite") await sql`pragma synchronous = full`.execute(store.db);
      await sql.raw(store.dialect === "postgres" ? "vacuum analyze" : "analyze").execute(store.db);
    }
    console.log(`  due now: ${await countDue(subject.store)} timers`);
    const baseMs = await baseline(base.store);

    const deps = {
      store: subject.store,
      keyring: subject.keyring,
      programs,
      publicUrl: "https://security.example.org",
      logger,
      mailKey: randomBytes(32),
      mailDomain: "security.example.org",
      programKeys: storeKeySource(subject.store, subject.keyring),
    };
    const fireStarted = performance.now();
    const { cases, escalations, notifications } = await fireDueTimers(deps, () => NOW);
    const fireMs = performance.now() - fireStarted;
    console.log(
      `  fire: ${cases} cases, ${escalations} escalation steps, ${notifications} notices queued in ${(fireMs / 1000).toFixed(2)} s (${Math.round(cases / (fireMs / 1000))} cases/s)`,
    );

    const idleStarted = performance.now();
    const idle = await processDueTimers(deps, NOW, timerBatching(subject.store.dialect).batch);
    console.log(
      `  idle tick with ${total} open cases: ${(performance.now() - idleStarted).toFixed(2)} ms (${idle.cases} due)`,
    );

    const sink = await startSink();
    const email = createEmailSender(sink.url, "embargo@security.example.org");
    const deliveryStarted = performance.now();
    let sent = 0;
    let failed = 0;
    try {
      for (;;) {
        const round = await deliverDue(
          {
            ...deps,
            email,
            env: {},
            workerId: "bench",
            leaseMs: 120_000,
          },
          NOW,
          64,
        );
        sent += round.sent;
        failed += round.failed;
        if (round.sent + round.failed < 64) break;
      }
    } finally {
      email.close();
      await sink.close();
    }
    const deliverMs = performance.now() - deliveryStarted;
    console.log(
      `  deliver: ${sent} mails sent (${failed} failed) to a local SMTP listener in ${(deliverMs / 1000).toFixed(2)} s (${Math.round(sent / (deliverMs / 1000))}/s), ${sink.received()} received`,
    );
    console.log(`  ratio fire / baseline: ${(fireMs / baseMs).toFixed(1)}×`);
    console.log(`  fire + deliver: ${((fireMs + deliverMs) / 1000).toFixed(1)} s`);
    const met = cases === due && escalations === due && fireMs / 1000 <= MARK_SECONDS;
    console.log(
      `  mark: all ${due} due timers fire within ${MARK_SECONDS} s: ${met ? "met" : "NOT met"} (${(fireMs / 1000).toFixed(1)} s)`,
    );
    if (!met) process.exitCode = 1;
  } finally {
    for (const { dispose } of runs) await dispose();
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(path.resolve(entry)).href) {
  run().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  });
}
