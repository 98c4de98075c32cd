import { afterEach, describe, expect, it } from "vitest";
import { submitReport } from "../../src/commands/submit-report.js";
import { loadConfig } from "../../src/config.js";
import { jobRunnerFromConfig } from "../../src/jobs/from-config.js";
import { loadPolicies } from "../../src/policy/loader.js";
import { ProgramRegistry } from "../../src/programs/registry.js";
import type { Store } from "../../src/store/database.js";
import { createLogger } from "../../src/web/logging.js";
import { databases } from "../support/databases.js";
import { openReadyStore } from "../support/reports.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";

/**
 * Two app instances on one database, 1,000 cases whose timers fall due at once: every
 * notification is sent exactly once, and each escalation step is taken once. On PostgreSQL the
 * two runners have their own connection pools, as two servers would (SKIP LOCKED keeps them
 * apart). On SQLite two runners share one connection: better-sqlite3 waits for a lock
 * synchronously, so two connections in one process would stall each other's event loop; what
 * is tested there is the leases and keys, with the runners' work interleaved.
 */
const CASES = 1000;
const RECEIVED = new Date("2026-12-02T18:00:00Z"); // Wednesday 10:00 in Los Angeles
const BREACH = new Date("2026-12-03T18:00:00Z"); // one business day later

describe.each(databases)("two instances on one $name database", (database) => {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  it(`sends each of ${CASES} due notifications exactly once and takes each escalation step once`, async () => {
    const { store, keyring } = await openReadyStore(database);
    const second: Store = database.name === "postgres" ? await store.reopen() : store;
    const sink: SmtpSink = await startSmtpSink();
    cleanup.push(
      () => store.close(),
      () => (second === store ? Promise.resolve() : second.close()),
      () => sink.close(),
    );
    const { policies } = await loadPolicies("examples/policies");
    const programs = new ProgramRegistry(policies);
    const config = {
      ...loadConfig({ EMBARGO_PUBLIC_URL: "https://security.example.org" }, "/nonexistent.yaml"),
      smtpUrl: sink.url,
    };
    let now = RECEIVED;
    const logger = createLogger("silent");
    const instance = (s: Store) =>
      jobRunnerFromConfig(
        { config, store: s, keyring, programs, logger, clock: () => now, mailKey: Buffer.alloc(32, 1) },
        { autoStart: false },
      );
    const a = instance(store);
    const b = instance(second);
    cleanup.push(
      () => a.stop(),
      () => b.stop(),
    );

    const ids: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const { caseId } = await submitReport(
        { store, keyring },
        {
          program: "kitsu",
          source: "api",
          assetId: null,
          title: `Report ${i}`,
          fields: { description: "x" },
          credit: { mode: "anonymous" },
          contact: {},
          attachments: [],
          receivedAt: RECEIVED,
          acknowledgeBy: BREACH,
        },
      );
      ids.push(caseId);
    }

    // Every case's timer is due now: the new-report notice to Emma.
    const [first, other] = await Promise.all([a.drain(), b.drain()]);
    await a.drain(); // whatever one left while the other held it
    if (database.name === "postgres") {
      expect(first.cases).toBeGreaterThan(0);
      expect(other.cases).toBeGreaterThan(0);
    }
    expect(sink.to("nuck@kitsu.example")).toHaveLength(CASES);

    // A day later every case breaches at once: help@ is told once per case (the warning it slept
    // through is superseded, not sent late).
    now = BREACH;
    await Promise.all([a.drain(), b.drain()]);
    await Promise.all([a.drain(), b.drain()]);
    expect(sink.to("help@kitsu.example")).toHaveLength(CASES);

    const keys = sink.mails.map((mail) => mail.header("x-embargo-idempotency-key"));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(2 * CASES);
    const outbox = await store.db
      .selectFrom("outbox")
      .select(["status", (eb) => eb.fn.countAll<string | number>().as("n")])
      .groupBy("status")
      .execute();
    expect(outbox.map((row) => [row.status, Number(row.n)])).toEqual([["sent", 2 * CASES]]);
    const steps = await store.db
      .selectFrom("case_events")
      .select((eb) => eb.fn.countAll<string | number>().as("n"))
      .where("type", "=", "escalation.step")
      .executeTakeFirstOrThrow();
    expect(Number(steps.n)).toBe(CASES);
    const taken = await store.db
      .selectFrom("case_escalations")
      .select((eb) => eb.fn.countAll<string | number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(taken.n)).toBe(2 * CASES); // breach taken, warning superseded
    expect(new Set(ids).size).toBe(CASES);
  }, 120_000);
});
