import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createScratchPostgresDatabase, databases } from "../support/databases.js";
import { type ServerProcess, startServerProcess, waitFor } from "../support/server-process.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";

/**
 * `kill -9` while notifications are being sent: after a restart nothing is lost (every
 * notification arrives), and what arrives twice carries the same idempotency key, so a receiver
 * that honours the key sees each once. The server is a real process (`embargo serve`) with its
 * job runner; the relay is a real, slow SMTP listener so sends are in flight at the kill.
 */
const REPORTS = 120;

const targets = [
  {
    name: "sqlite",
    create: async (dir: string) => ({ url: `sqlite:${join(dir, "embargo.db")}`, drop: async () => {} }),
  },
  ...(databases.some((d) => d.name === "postgres")
    ? [{ name: "postgres", create: (_dir: string) => createScratchPostgresDatabase() }]
    : []),
];

describe.each(targets)("kill -9 during delivery on $name", (target) => {
  let server: ServerProcess | undefined;
  let sink: SmtpSink | undefined;
  let drop = async () => {};
  afterEach(async () => {
    await server?.stop();
    await sink?.close();
    await drop();
  });

  it("loses nothing and repeats only with the same key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "embargo-kill9-jobs-"));
    const database = await target.create(dir);
    drop = database.drop;
    sink = await startSmtpSink({ delayMs: 40 });
    const env = {
      EMBARGO_DATABASE_URL: database.url,
      EMBARGO_DATA_DIR: dir,
      EMBARGO_POLICIES: "examples/policies",
      EMBARGO_PUBLIC_URL: "http://127.0.0.1",
      EMBARGO_SMTP_URL: sink.url,
      EMBARGO_DELIVERY_LEASE_SECONDS: "2",
      EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS_WITHOUT_POW: "1000",
      // Many reports at once from one address: the upload gate must not turn them away.
      EMBARGO_UPLOADS_PER_ADDRESS: "100",
    };
    server = await startServerProcess(env);
    const ids: string[] = [];
    for (let i = 0; i < REPORTS; i++) {
      const response = await fetch(`${server.url}/api/v1/programs/kitsu/reports`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: `Report ${i}`, fields: { description: "x" } }),
      });
      expect(response.status).toBe(201);
      ids.push(((await response.json()) as { id: string }).id);
    }
    // Kill it while mail is going out (some delivered, more in flight).
    await waitFor(() => sink!.mails.length >= 10, 30_000, "the first mails");
    await server.kill9();
    const beforeRestart = sink.mails.length;
    expect(beforeRestart).toBeLessThan(REPORTS);

    server = await startServerProcess(env);
    const keys = () => new Set(sink!.mails.map((mail) => mail.header("x-embargo-idempotency-key")));
    await waitFor(() => keys().size >= REPORTS, 60_000, "every notification");
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // anything else would show up now

    const received = keys();
    expect(received.size).toBe(REPORTS);
    for (const id of ids) expect(received.has(`${id}:events:1-1:new-report:contact:emma`)).toBe(true);
    // Repeats are possible only for what was in flight at the kill, and always with the same key.
    expect(sink.mails.length - received.size).toBeLessThanOrEqual(64);
  }, 150_000);
});
