import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { databases } from "../support/databases.js";
import { type HttpReceiver, type ReceivedRequest, startHttpReceiver } from "../support/http-receiver.js";
import { jobsFor } from "../support/jobs.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { createStaff } from "../support/staff.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";
import { fileReport, later, postCaseForm, postCaseMultipart } from "../support/workspace.js";

/**
 * Rocket.Chat: no policy-wide clock (the due date is set per incident at triage), contacts with a
 * chat profile and no email address, and an incoming webhook to the security room for new reports
 * and case changes, its URL (a secret) read from ROCKETCHAT_SECURITY_WEBHOOK_URL.
 */
const REPORTER = "ada@example.org";
const TITLE = "Stored XSS in the profile page";
const DESCRIPTION = "Messages leak between rooms when a thread is moved.";
/** Where the room's incoming webhook listens (its URL is the secret). */
const HOOK_PATH = "/hooks/abc123/secret-token";
const T0 = Date.parse("2026-12-02T10:00:00Z");
const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface RocketChatBody {
  alias: string;
  text: string;
  attachments: { title: string; title_link?: string; text: string }[];
}

describe.each(databases)("Rocket.Chat's security room, driven by a fake clock, on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner | undefined;
  let receiver: HttpReceiver;
  beforeAll(async () => {
    sink = await startSmtpSink();
    receiver = await startHttpReceiver('{"success":true}');
  });
  afterAll(async () => {
    await receiver.close();
    await sink.close();
  });
  beforeEach(async () => {
    sink.mails.length = 0;
    receiver.hits.length = 0;
    receiver.answers.length = 0;
    t = await startTestApp(database.open);
  });
  afterEach(async () => {
    await jobs?.stop();
    jobs = undefined;
    await t.close();
  });

  const withEnv = (env: Record<string, string>): JobRunner => {
    jobs = jobsFor(t, sink.url, env);
    return jobs;
  };
  const at = (runner: JobRunner, ms: number) => {
    t.clock.set(new Date(T0 + ms));
    return runner.drain();
  };
  const fileAtT0 = async () => {
    t.clock.set(new Date(T0));
    const report = await fileReport(t, "rocketchat", {
      title: TITLE,
      fields: { description: DESCRIPTION },
      contact: { email: REPORTER },
    });
    expect(report.acknowledgeBy).toBeNull();
    return { id: report.id, ref: report.reference };
  };
  const outboxRows = (caseId: string) =>
    t.store.db
      .selectFrom("outbox")
      .select(["status", "attempts", "last_error", "next_attempt_at", "destination", "event"])
      .where("case_id", "=", caseId)
      .orderBy("created_at")
      .execute();
  const bodyOf = (hit: ReceivedRequest) => JSON.parse(hit.body) as RocketChatBody;

  /** Files at T0; Markus assigns the case to himself at T0 + 1 h, then replies; the jobs run after each. */
  async function reportAssignedAndAnswered(runner: JobRunner) {
    const { id, ref } = await fileAtT0();
    await at(runner, 0);
    t.clock.set(new Date(T0 + HOUR));
    const markus = await createStaff(t, {
      email: "markus@rocket.example",
      role: "responder",
      program: "rocketchat",
    });
    const page = await markus.browser.get(`/cases/${id}`);
    const self = /<option value="([a-z2-7]{16})"[^>]*>markus@rocket\.example/.exec(page.body)?.[1] ?? "";
    const assigned = await postCaseForm(markus, id, "assign", { assignee: self });
    expect(assigned.headers.location).toMatch(/notice=assigned/);
    await at(runner, HOUR);
    const replied = await postCaseMultipart(markus, id, "reply", {
      reply: "We moved the thread fix to 6.9.1.",
    });
    expect(replied.headers.location).toMatch(/notice=replied/);
    await at(runner, HOUR);
    return { id, ref, markus };
  }

  it("posts the new report to the room without report content; no clock, so never an escalation", async () => {
    const runner = withEnv({ ROCKETCHAT_SECURITY_WEBHOOK_URL: `${receiver.base}${HOOK_PATH}` });
    const { id, ref } = await fileAtT0();
    expect(await at(runner, 0)).toMatchObject({ sent: 1, failed: 0, escalations: 0 });

    expect(receiver.hits).toHaveLength(1);
    const first = receiver.hits[0]!;
    expect(first.headers["content-type"]).toBe("application/json");
    expect(first.headers["idempotency-key"]).toBe(`${id}:events:1-1:new-report:webhook:security-room`);
    expect(first.headers["x-embargo-event"]).toBe("case.received");
    expect(bodyOf(first)).toEqual({
      alias: "Embargo",
      text: `[Rocket.Chat] New report (${ref})`,
      attachments: [
        {
          title: `[Rocket.Chat] New report (${ref})`,
          title_link: `${PUBLIC_URL}/cases/${id}`,
          text: `Case ${ref}\n\nA new report was received.\n\nOpen the case: ${PUBLIC_URL}/cases/${id}`,
        },
      ],
    });
    expect(first.body).not.toContain("Stored XSS");
    expect(first.body).not.toContain("Messages leak");
    // Its contacts have chat profiles, no email; the reporter is not mailed for their own report.
    expect(sink.mails).toHaveLength(0);

    // Weeks later: no clock, so no escalation and nothing more anywhere.
    expect(await at(runner, 60 * DAY)).toMatchObject({ cases: 0, escalations: 0, notifications: 0, sent: 0 });
    expect(receiver.hits).toHaveLength(1);
    expect(sink.mails).toHaveLength(0);
    expect(await t.store.db.selectFrom("case_escalations").select("step_key").execute()).toEqual([]);
    expect((await outboxRows(id)).map((row) => row.status)).toEqual(["sent"]);
  });

  it("case changes reach the room without report content or reply text; the reporter is mailed; no escalation", async () => {
    const runner = withEnv({ ROCKETCHAT_SECURITY_WEBHOOK_URL: `${receiver.base}${HOOK_PATH}` });
    const { id, ref, markus } = await reportAssignedAndAnswered(runner);
    expect(receiver.hits.length).toBeGreaterThanOrEqual(2);
    for (const hit of receiver.hits) {
      const body = bodyOf(hit);
      expect(body.alias).toBe("Embargo");
      expect(body.attachments[0]!.title_link).toBe(`${PUBLIC_URL}/cases/${id}`);
      expect(hit.body).not.toMatch(/Stored XSS|Messages leak|6\.9\.1|ada@example/);
      expect(hit.headers["idempotency-key"]).toMatch(
        new RegExp(`^${id}:events:\\d+-\\d+:(new-report|changes):webhook:security-room$`),
      );
    }
    expect(new Set(receiver.hits.map((hit) => hit.headers["idempotency-key"])).size).toBe(
      receiver.hits.length,
    );
    // No staff address reaches the (non-confidential) room: not the actor's, not the assignee's,
    // in no header either.
    for (const hit of receiver.hits) {
      expect(hit.body).not.toContain("markus@rocket.example");
      expect(hit.body).not.toMatch(/[\w.+-]+@rocket\.example/);
      expect(JSON.stringify(hit.headers)).not.toContain("markus@");
    }
    expect(receiver.hits.some((hit) => hit.body.includes("A team member assigned the case"))).toBe(true);
    // The reporter hears of the acknowledgement and the reply, not what it says; markus is never
    // mailed about his own doing.
    expect(sink.to(REPORTER).map((mail) => mail.subject)).toEqual([
      `[Rocket.Chat] ${ref}: news on your report`,
    ]);
    expect(sink.to(REPORTER)[0]!.text).toContain("The team replied to your report.");
    expect(sink.to(REPORTER)[0]!.text).not.toContain("6.9.1");
    expect(sink.mails).toHaveLength(1);

    const hits = receiver.hits.length;
    await later(t, { at: new Date(T0 + 60 * DAY) }, markus);
    expect(await at(runner, 60 * DAY)).toMatchObject({ escalations: 0, notifications: 0, sent: 0 });
    expect(receiver.hits).toHaveLength(hits);
    expect(await t.store.db.selectFrom("case_escalations").select("step_key").execute()).toEqual([]);
  });

  // A case that owes no escalation keeps its timer row (far in the future), so the worker
  // remembers which events it already told of and each change is posted once.
  it("posts each case change once, as a change (not the new report again)", async () => {
    const runner = withEnv({ ROCKETCHAT_SECURITY_WEBHOOK_URL: `${receiver.base}${HOOK_PATH}` });
    const { id, ref } = await reportAssignedAndAnswered(runner);
    const subjectsSeen = receiver.hits.map((hit) => bodyOf(hit).text);
    expect(subjectsSeen).toEqual([
      `[Rocket.Chat] New report (${ref})`,
      `[Rocket.Chat] Case ${ref} changed`,
      `[Rocket.Chat] Case ${ref} changed`,
    ]);
    // The room is not a confidential channel: it is told what happened, not who on the team did it
    // (a member's only name is their address; see src/domain/notifications/event-notices.ts).
    expect(bodyOf(receiver.hits[1]!).attachments[0]!.text).toContain(
      "A team member assigned the case to a team member.",
    );
    expect(receiver.hits[1]!.headers["idempotency-key"]).toBe(
      `${id}:events:2-2:changes:webhook:security-room`,
    );
    expect(bodyOf(receiver.hits[2]!).attachments[0]!.text).toContain(
      "A team member replied to the reporter.",
    );
  });

  // A new-report notice and a change notice to one webhook from the same events have different
  // keys (the notice's kind is part of it), so the outbox keeps both.
  it("a report changed before the worker's first tick is both announced and shown as changed", async () => {
    const runner = withEnv({ ROCKETCHAT_SECURITY_WEBHOOK_URL: `${receiver.base}${HOOK_PATH}` });
    const { id, ref } = await fileAtT0();
    const markus = await createStaff(t, {
      email: "markus@rocket.example",
      role: "responder",
      program: "rocketchat",
    });
    const page = await markus.browser.get(`/cases/${id}`);
    const self = /<option value="([a-z2-7]{16})"[^>]*>markus@rocket\.example/.exec(page.body)?.[1] ?? "";
    expect((await postCaseForm(markus, id, "assign", { assignee: self })).headers.location).toMatch(
      /notice=assigned/,
    );
    await at(runner, 0);
    expect(receiver.hits.map((hit) => bodyOf(hit).text).sort()).toEqual([
      `[Rocket.Chat] Case ${ref} changed`,
      `[Rocket.Chat] New report (${ref})`,
    ]);
  });

  it("without the environment variable the delivery fails, stays retryable and says which variable is missing", async () => {
    const runner = withEnv({});
    const { id } = await fileAtT0();
    expect(await at(runner, 0)).toMatchObject({ sent: 0, failed: 1 });
    expect(receiver.hits).toHaveLength(0);
    const [row, ...others] = await outboxRows(id);
    expect(others).toEqual([]);
    expect(row).toMatchObject({
      status: "pending",
      attempts: 1,
      destination: "webhook:security-room",
      event: "case.received",
      last_error: "environment variable ROCKETCHAT_SECURITY_WEBHOOK_URL is not set",
    });
    const retryIn = Date.parse(row!.next_attempt_at) - T0;
    expect(retryIn).toBeGreaterThanOrEqual(27 * SECOND);
    expect(retryIn).toBeLessThanOrEqual(33 * SECOND);
    expect(row!.last_error).not.toMatch(/Stored XSS|Messages leak|ada@example/);
    // The message itself is stored encrypted.
    const raw = await t.store.db
      .selectFrom("outbox")
      .select("message_ct")
      .where("case_id", "=", id)
      .execute();
    expect(JSON.stringify(raw)).not.toMatch(/New report|security-room|Rocket\.Chat/);

    // Still missing at the next attempt: still pending, one more attempt counted.
    await at(runner, 34 * SECOND);
    expect((await outboxRows(id))[0]).toMatchObject({ status: "pending", attempts: 2 });
  });

  it("a room that answers 500 then 200 gets the same notice again after the back-off, with the same key", async () => {
    const runner = withEnv({ ROCKETCHAT_SECURITY_WEBHOOK_URL: `${receiver.base}${HOOK_PATH}` });
    receiver.answers.push(500);
    const { id } = await fileAtT0();
    expect(await at(runner, 0)).toMatchObject({ sent: 0, failed: 1 });
    expect(receiver.hits).toHaveLength(1);
    const [failed] = await outboxRows(id);
    expect(failed).toMatchObject({
      status: "pending",
      attempts: 1,
      last_error: `HTTP 500 from 127.0.0.1:${new URL(`${receiver.base}${HOOK_PATH}`).port}`,
    });
    expect(failed!.last_error).not.toContain("secret-token");

    // Before the shortest back-off (30 s − 10 %), nothing is tried.
    expect(await at(runner, 26 * SECOND)).toMatchObject({ sent: 0, failed: 0 });
    expect(receiver.hits).toHaveLength(1);

    // After the longest (30 s + 10 %), the retry goes through.
    expect(await at(runner, 34 * SECOND)).toMatchObject({ sent: 1, failed: 0 });
    expect(receiver.hits).toHaveLength(2);
    const keys = receiver.hits.map((hit) => hit.headers["idempotency-key"]);
    expect(keys[0]).toBe(`${id}:events:1-1:new-report:webhook:security-room`);
    expect(keys[1]).toBe(keys[0]);
    expect(receiver.hits[1]!.body).toBe(receiver.hits[0]!.body);
    expect((await outboxRows(id))[0]).toMatchObject({ status: "sent", attempts: 2, last_error: null });
  });
});
