import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { verifyWebhookSignature } from "../../src/notify/signing.js";
import { databases } from "../support/databases.js";
import { type HttpReceiver, startHttpReceiver } from "../support/http-receiver.js";
import { jobsFor } from "../support/jobs.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";
import { fileReport } from "../support/workspace.js";

/**
 * Webhooks end to end: a policy (test/fixtures/policies/clocks/webhooks.yaml) declares a generic
 * webhook (signed with a secret from the environment, confidential), a Slack and a Matrix one; a
 * report and its acknowledgement breach go through the timer worker, the outbox and the delivery
 * worker to a real HTTP server on 127.0.0.1 started here.
 */
const TITLE = "Stored XSS in the profile page";
const SECRET = "whsec-test-3f9a1c";
const T0 = Date.parse("2026-12-02T10:00:00Z");
const HOUR = 3_600_000;

describe.each(databases)("generic, Slack and Matrix webhooks from a policy, on $name", (database) => {
  let t: TestApp;
  let jobs: JobRunner;
  let receiver: HttpReceiver;
  beforeAll(async () => {
    receiver = await startHttpReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });
  beforeEach(async () => {
    receiver.hits.length = 0;
    t = await startTestApp(database.open, {}, { policies: "test/fixtures/policies/clocks/webhooks.yaml" });
    jobs = jobsFor(t, undefined, {
      HOOKS_TRACKER_URL: `${receiver.base}/tracker`,
      HOOKS_TRACKER_SECRET: SECRET,
      HOOKS_SLACK_URL: `${receiver.base}/services/T0/B0/slack-token`,
      HOOKS_MATRIX_URL: `${receiver.base}/_matrix/hook/matrix-token`,
    });
  });
  afterEach(async () => {
    await jobs.stop();
    await t.close();
  });

  const at = (ms: number) => {
    t.clock.set(new Date(T0 + ms));
    return jobs.drain();
  };
  const hitsTo = (prefix: string) => receiver.hits.filter((hit) => hit.path.startsWith(prefix));

  it("signs the generic body, shapes Slack's and Matrix's, and keeps content to the confidential one", async () => {
    t.clock.set(new Date(T0));
    const report = await fileReport(t, "hooks", {
      title: TITLE,
      fields: { description: "The bio renders HTML." },
    });
    const ref = report.reference;
    await at(0);
    await at(2 * HOUR); // the acknowledgement's breach
    const caseUrl = `${PUBLIC_URL}/cases/${report.id}`;

    // Generic: the raw body is signed (t=…,v1=HMAC-SHA256(secret, "t.body")), checked two ways.
    const generic = hitsTo("/tracker");
    expect(generic.map((hit) => hit.headers["x-embargo-event"])).toEqual([
      "case.received",
      "escalation.breach",
    ]);
    // Each signed at its delivery (the fake clock: T0, then T0 + 2 h), and checked as a receiver would then.
    const sentAt = [new Date(T0), new Date(T0 + 2 * HOUR)];
    generic.forEach((hit, i) => {
      const header = String(hit.headers["x-embargo-signature"]);
      const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
      expect(match).not.toBeNull();
      expect(Number(match![1])).toBe(sentAt[i]!.getTime() / 1000);
      const expected = createHmac("sha256", SECRET).update(`${match![1]}.${hit.body}`, "utf8").digest("hex");
      expect(match![2]).toBe(expected);
      expect(verifyWebhookSignature(SECRET, hit.body, header, sentAt[i]!)).toBe(true);
      expect(verifyWebhookSignature("another secret", hit.body, header, sentAt[i]!)).toBe(false);
      expect(verifyWebhookSignature(SECRET, hit.body.replace("hooks", "Hooks"), header, sentAt[i]!)).toBe(
        false,
      );
      expect(hit.headers["content-type"]).toBe("application/json");
    });
    const [received, breach] = generic.map((hit) => JSON.parse(hit.body) as Record<string, unknown>);
    expect(received).toEqual({
      id: generic[0]!.headers["idempotency-key"],
      program: "hooks",
      caseId: report.id,
      event: "case.received",
      subject: `[Hooks] New report (${ref})`,
      text: `Case ${ref}: ${TITLE}\n\nA new report was received.\n\nOpen the case: ${caseUrl}`,
      url: caseUrl,
      createdAt: new Date(T0).toISOString(),
    });
    // Confidential: the report's title goes with the escalation too.
    expect(breach).toMatchObject({ event: "escalation.breach", caseId: report.id, url: caseUrl });
    expect(String(breach!.text)).toContain(`Report: ${TITLE}`);

    // Slack: one mrkdwn text, subject in bold, the link as <url|label>; not confidential.
    const slack = hitsTo("/services/");
    expect(slack).toHaveLength(2);
    const slackBody = JSON.parse(slack[0]!.body) as Record<string, unknown>;
    expect(Object.keys(slackBody)).toEqual(["text"]);
    expect(slackBody.text).toBe(
      `*[Hooks] New report (${ref})*\nCase ${ref}\n\nA new report was received.\n\nOpen the case: ${caseUrl}\n<${caseUrl}|Open the case>`,
    );

    // Matrix: plain text, HTML and the sender's name; not confidential.
    const matrix = hitsTo("/_matrix/");
    expect(matrix).toHaveLength(2);
    const matrixBody = JSON.parse(matrix[0]!.body) as Record<string, unknown>;
    expect(Object.keys(matrixBody).sort()).toEqual(["html", "text", "username"]);
    expect(matrixBody.username).toBe("Embargo");
    expect(matrixBody.text).toBe(
      `[Hooks] New report (${ref})\nCase ${ref}\n\nA new report was received.\n\nOpen the case: ${caseUrl}\n${caseUrl}`,
    );
    expect(matrixBody.html).toMatch(new RegExp(`^<strong>\\[Hooks\\] New report \\(${ref}\\)</strong><br>`));
    expect(matrixBody.html).toContain(`<a href="${caseUrl}">Open the case</a>`);

    // Only the generic webhook has a secret; the chat rooms never see the title.
    for (const hit of [...slack, ...matrix]) {
      expect(hit.headers["x-embargo-signature"]).toBeUndefined();
      expect(hit.body).not.toContain("Stored XSS");
      expect(hit.headers["idempotency-key"]).toMatch(new RegExp(`^${report.id}:`));
    }
    expect(receiver.hits).toHaveLength(6);
  });
});
