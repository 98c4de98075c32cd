import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { databases } from "../support/databases.js";
import { type HttpReceiver, startHttpReceiver } from "../support/http-receiver.js";
import { jobsFor } from "../support/jobs.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";
import { fileReport } from "../support/workspace.js";

/**
 * Who hears of a new report, through the timer and delivery workers to a real SMTP sink and a
 * real HTTP receiver on 127.0.0.1. The `relay` program (test/fixtures/policies/new-report-recipients)
 * names two members in notifications.newReport, not its point of contact, and a webhook given as
 * a plain `url`; its placeholder port is replaced here by the receiver's.
 */
const FIXTURE = "test/fixtures/policies/new-report-recipients/relay.yaml";
const PLACEHOLDER = "http://127.0.0.1:9/";
const HOOK_PATH = "/hooks/new-reports";
const POINT_OF_CONTACT = "lead@relay.example.org";
const NAMED = ["duty@example.org", "triage@example.org"];
const REPORTER = "ada@example.org";
const TITLE = "Session cookie readable by scripts";
const T0 = Date.parse("2026-12-02T10:00:00Z");

/** A folder holding the fixture policy with its webhook URL pointed at `base`. */
async function policiesPostingTo(base: string): Promise<string> {
  const policy = await readFile(FIXTURE, "utf8");
  if (!policy.includes(`url: ${PLACEHOLDER}`)) throw new Error(`${FIXTURE} changed shape`);
  const dir = await mkdtemp(path.join(tmpdir(), "embargo-new-report-"));
  await writeFile(path.join(dir, "relay.yaml"), policy.replace(PLACEHOLDER, `${base}/`));
  return dir;
}

describe.each(databases)("who is told of a new report, on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  let receiver: HttpReceiver;
  let policies: string;
  beforeAll(async () => {
    sink = await startSmtpSink();
    receiver = await startHttpReceiver();
    policies = await policiesPostingTo(receiver.base);
  });
  afterAll(async () => {
    await receiver.close();
    await sink.close();
    await rm(policies, { recursive: true, force: true });
  });
  beforeEach(async () => {
    sink.mails.length = 0;
    receiver.hits.length = 0;
    t = await startTestApp(database.open, {}, { policies });
    // No environment: the webhook's URL can only come from the policy's `url`.
    jobs = jobsFor(t, sink.url, {});
  });
  afterEach(async () => {
    await jobs.stop();
    await t.close();
  });

  const fileAtT0 = async () => {
    t.clock.set(new Date(T0));
    const report = await fileReport(t, "relay", {
      title: TITLE,
      fields: { description: "document.cookie shows the session id." },
      contact: { email: REPORTER },
    });
    return { id: report.id, ref: report.reference };
  };

  it("mails the new report to exactly the contacts newReport names, not the point of contact", async () => {
    expect(t.programs.get("relay")?.policy.notifications.newReport).toEqual(["triage", "duty"]);
    const { id, ref } = await fileAtT0();
    expect(await jobs.drain()).toMatchObject({ escalations: 0, failed: 0 });

    expect(sink.mails.map((mail) => mail.to).sort()).toEqual(NAMED.map((address) => [address]));
    for (const address of NAMED) {
      const [mail] = sink.to(address);
      expect(mail?.subject).toBe(`[Relay] New report (${ref})`);
      expect(mail?.text).toContain("A new report was received.");
      expect(mail?.text).toContain(`${PUBLIC_URL}/cases/${id}`);
    }
    expect(sink.to(POINT_OF_CONTACT)).toEqual([]);
    expect(sink.to(REPORTER)).toEqual([]);
  });

  it("posts the new report to the webhook's url, with no environment variable", async () => {
    const { id, ref } = await fileAtT0();
    expect(await jobs.drain()).toMatchObject({ failed: 0 });

    expect(receiver.hits).toHaveLength(1);
    const [hit] = receiver.hits;
    expect(hit?.path).toBe(HOOK_PATH);
    expect(hit?.headers["content-type"]).toBe("application/json");
    expect(hit?.headers["x-embargo-event"]).toBe("case.received");
    expect(JSON.parse(hit?.body ?? "")).toMatchObject({
      program: "relay",
      caseId: id,
      event: "case.received",
      subject: `[Relay] New report (${ref})`,
      url: `${PUBLIC_URL}/cases/${id}`,
    });
    // Not confidential: the receiver learns that there is a report, not what it says.
    expect(hit?.body).not.toContain(TITLE);
    const outbox = await t.store.db
      .selectFrom("outbox")
      .select(["status", "destination"])
      .where("case_id", "=", id)
      .execute();
    expect(outbox.filter((row) => row.destination.startsWith("webhook:"))).toEqual([
      { status: "sent", destination: "webhook:tracker" },
    ]);
  });
});
