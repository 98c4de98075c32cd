import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createScratchPostgresDatabase, databases } from "../support/databases.js";
import { type ServerProcess, startServerProcess, waitFor } from "../support/server-process.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";

/**
 * Two `embargo serve` processes on one PostgreSQL, as two app servers would run: 300 reports
 * are taken in while no worker runs, so 300 timers are due when both start at once. Each
 * notification reaches the relay exactly once, and both instances did part of the work.
 * (test/jobs/two-instances.test.ts checks the same inside one process, on both databases.)
 */
const REPORTS = 300;

describe.runIf(databases.some((d) => d.name === "postgres"))(
  "two embargo serve processes on PostgreSQL",
  () => {
    let servers: ServerProcess[] = [];
    let sink: SmtpSink | undefined;
    let drop = async () => {};
    afterEach(async () => {
      for (const server of servers) await server.stop();
      servers = [];
      await sink?.close();
      await drop();
    });

    it(`send each of ${REPORTS} due notifications exactly once, sharing the work`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "embargo-two-processes-"));
      const database = await createScratchPostgresDatabase();
      drop = database.drop;
      sink = await startSmtpSink({ delayMs: 2 });
      const env = {
        EMBARGO_DATABASE_URL: database.url,
        EMBARGO_DATA_DIR: dir,
        EMBARGO_POLICIES: "examples/policies",
        EMBARGO_PUBLIC_URL: "http://127.0.0.1",
        EMBARGO_SMTP_URL: sink.url,
        EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS_WITHOUT_POW: "100000",
        // Many reports at once from one address: the upload gate must not turn them away.
        EMBARGO_UPLOADS_PER_ADDRESS: "100",
        EMBARGO_REPORTS_PER_HOUR_PER_PROGRAM: "100000",
        EMBARGO_REQUESTS_PER_MINUTE_PER_ADDRESS: "100000",
      };

      // Intake alone (the master key file is made here, before two processes could race for it).
      const intake = await startServerProcess({ ...env, EMBARGO_WORKER: "off" });
      servers.push(intake);
      for (let start = 0; start < REPORTS; start += 25) {
        await Promise.all(
          Array.from({ length: Math.min(25, REPORTS - start) }, async (_, i) => {
            const response = await fetch(`${intake.url}/api/v1/programs/kitsu/reports`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ title: `Report ${start + i}`, fields: { description: "x" } }),
            });
            expect(response.status).toBe(201);
          }),
        );
      }
      await intake.stop();
      servers = [];
      expect(sink.mails).toHaveLength(0);

      const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
      servers.push(a!, b!);
      const keys = () => new Set(sink!.mails.map((mail) => mail.header("x-embargo-idempotency-key")));
      await waitFor(() => keys().size >= REPORTS, 90_000, "every notification");
      await new Promise((resolve) => setTimeout(resolve, 3_000)); // a repeat would show up now

      expect(keys().size).toBe(REPORTS);
      expect(sink.mails).toHaveLength(REPORTS);
      expect(sink.to("nuck@kitsu.example")).toHaveLength(REPORTS);

      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const sent = await client.query<{ status: string; leased_by: string | null }>(
          "select status, leased_by from outbox",
        );
        expect(sent.rows.every((row) => row.status === "sent")).toBe(true);
        const pids = new Set(sent.rows.map((row) => row.leased_by?.split("-")[0]));
        expect(pids).toEqual(new Set([String(a!.child.pid), String(b!.child.pid)]));
      } finally {
        await client.end();
      }
    }, 180_000);
  },
);
