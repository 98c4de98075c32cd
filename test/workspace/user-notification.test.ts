import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { verifyAuditChains } from "../../src/store/audit.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { jobsFor } from "../support/jobs.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

/**
 * privacytools' `disclosure.userNotification` ("If user data was directly affected or compromised,
 * we will inform affected users ... via email and/or a website notification"): marking a case as
 * one where user data was affected (a privacy incident) gives it a task with one item per channel,
 * each due 72 hours later, with draft words to start from; the assignee and the program's lead
 * are told when a channel is overdue, and reminded weekly until it is marked done with what was
 * sent. With `when: always` the task appears when the case is fixed.
 */
const OPS = "ops@privacytools.example";
const ADMIN = "admin@privacytools.example";
const T0 = Date.parse("2026-12-02T10:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DUE = T0 + 72 * HOUR;
const POLICY_TEXT = "If user data was directly affected or compromised, we will inform affected users";

async function alwaysPolicyFolder(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "embargo-user-notification-"));
  const policy = (await readFile("examples/policies/privacytools.yaml", "utf8")).replace(
    "    when: user-data-affected\n",
    "    when: always\n",
  );
  if (!policy.includes("when: always")) throw new Error("the privacytools example changed");
  await writeFile(path.join(dir, "privacytools.yaml"), policy);
  return dir;
}

describe.each(databases)("telling affected users on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  let ops: CreatedStaff;
  let always: string;
  beforeAll(async () => {
    sink = await startSmtpSink();
    always = await alwaysPolicyFolder();
  });
  afterAll(async () => {
    await sink.close();
    await rm(always, { recursive: true, force: true });
  });
  const start = async (policies?: string) => {
    sink.mails.length = 0;
    t = await startTestApp(database.open, {}, policies === undefined ? {} : { policies });
    t.clock.set(new Date(T0));
    jobs = jobsFor(t, sink.url);
    ops = await createStaff(t, { email: OPS, role: "responder", program: "privacytools" });
  };
  afterEach(async () => {
    await jobs.stop();
    await t.close();
  });

  const userId = async (email: string) =>
    (await t.store.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow())
      .id;
  const at = (ms: number) => {
    t.clock.set(new Date(T0 + ms));
    return jobs.drain();
  };
  const taskMails = (address: string) =>
    sink
      .to(address)
      .map((mail) => mail.subject)
      .filter((subject) => subject.includes("Tell affected users"));
  const casePage = async (id: string) => textOf((await ops.browser.get(`/cases/${id}`)).body);

  describe("when user data is affected", () => {
    beforeEach(() => start());

    it("lists a task per channel with drafts once user data was affected, tells the team when it is overdue, and stops per channel once done", async () => {
      const report = await fileReport(t, "privacytools");
      const ref = report.reference;
      expect((await postCaseForm(ops, report.id, "acknowledge", {})).statusCode).toBe(303);
      expect((await postCaseForm(ops, report.id, "assign", { assignee: await userId(OPS) })).statusCode).toBe(
        303,
      );

      const before = await casePage(report.id);
      expect(before).toContain(`Tell affected users ${POLICY_TEXT}`);
      expect(before).toContain("Affected users are told when user data was affected: mark the case then");
      expect(before).not.toContain("Email to affected users");

      const marked = await postCaseForm(ops, report.id, "user-data-affected", { "user-data-since": "" });
      expect(marked.headers.location).toBe(`/cases/${report.id}?notice=user-notification`);
      const page = await casePage(report.id);
      expect(page).toContain("It appeared 2026-12-02 10:00 UTC");
      expect(page).toContain("Email to affected users: due 2026-12-05 10:00 UTC");
      expect(page).toContain("Website notice: due 2026-12-05 10:00 UTC");
      expect(page).toContain("Subject: Security notice from privacytools.io");
      expect(page).toContain(
        "We are writing to tell you about a security incident at privacytools.io that affected data of our users, including yours.",
      );
      expect(page).toContain(`Security notice: privacytools.io had a security incident`);
      expect(page).toContain(`Our security policy says: "${POLICY_TEXT}`);
      expect(page).toContain("You can reach us at admin@privacytools.example.");
      // Case-neutral: the drafts name neither the report nor the case.
      const drafts = [
        ...(await ops.browser.get(`/cases/${report.id}`)).body.matchAll(
          /<pre class="answer">([^<]*)<\/pre>/g,
        ),
      ]
        .map((m) => m[1] ?? "")
        .filter((text) => text.includes("privacytools.io"));
      expect(drafts).toHaveLength(2);
      for (const draft of drafts) {
        expect(draft).not.toContain("Stored XSS");
        expect(draft).not.toContain(ref);
      }
      const again = await postCaseForm(ops, report.id, "user-data-affected", { "user-data-since": "" });
      expect(again.headers.location).toBe(`/cases/${report.id}?notice=unchanged`);

      // Nothing before the due date; at it, the assignee and the lead, once per channel.
      await at(0);
      await at(72 * HOUR - 60_000);
      expect(taskMails(OPS)).toEqual([]);
      await at(72 * HOUR);
      const breach = [
        `[privacytools.io] Tell affected users by email: overdue (breach) (${ref})`,
        `[privacytools.io] Tell affected users with a website notice: overdue (breach) (${ref})`,
      ];
      expect(taskMails(OPS).sort()).toEqual(breach);
      expect(taskMails(ADMIN).sort()).toEqual(breach);
      expect(sink.to(OPS).find((mail) => mail.subject === breach[0])?.text).toContain(
        "Affected users are to be told of this incident.",
      );

      // The email went out: marked done with what was sent.
      await later(t, { at: new Date(DUE + HOUR) }, ops);
      expect(await casePage(report.id)).toContain("Overdue: the team was told 2026-12-05 10:00 UTC");
      const noNote = await postCaseForm(ops, report.id, "users-notified", {
        channel: "email",
        "users-notified-note": " ",
      });
      expect(noNote.statusCode).toBe(400);
      expect(textOf(noNote.body)).toContain("What was sent, and to whom.");
      const pigeon = await postCaseForm(ops, report.id, "users-notified", {
        channel: "carrier-pigeon",
        "users-notified-note": "Sent.",
      });
      expect(pigeon.statusCode).toBe(400);
      expect(textOf(pigeon.body)).toContain("One of the channels the policy names.");
      const note = "Sent to the 214 affected accounts through our mailer.";
      const emailed = await postCaseForm(ops, report.id, "users-notified", {
        channel: "email",
        "users-notified-note": note,
      });
      expect(emailed.headers.location).toBe(`/cases/${report.id}?notice=user-notification`);
      expect(await casePage(report.id)).toContain(
        `Email to affected users: done 2026-12-05 11:00 UTC by ${OPS}: ${note}`,
      );
      const twice = await postCaseForm(ops, report.id, "users-notified", {
        channel: "email",
        "users-notified-note": "Again.",
      });
      expect(twice.headers.location).toBe(`/cases/${report.id}?notice=unchanged`);

      // A week on: a reminder for the website notice only.
      await at(72 * HOUR + 7 * DAY);
      const reminder = `[privacytools.io] Tell affected users with a website notice: still overdue, reminder 1 (${ref})`;
      expect(taskMails(OPS)).toEqual([...taskMails(OPS).slice(0, 2), reminder]);
      expect(taskMails(ADMIN)).toHaveLength(3);

      await later(t, { at: new Date(DUE + 7 * DAY + HOUR) }, ops);
      const noticed = await postCaseForm(ops, report.id, "users-notified", {
        channel: "website-notice",
        "users-notified-note": "Banner on privacytools.io from 12 December, linking the details.",
      });
      expect(noticed.headers.location).toBe(`/cases/${report.id}?notice=user-notification`);
      expect(await casePage(report.id)).toContain(
        "Website notice: done 2026-12-12 11:00 UTC by ops@privacytools.example: Banner on privacytools.io",
      );
      expect(await at(72 * HOUR + 30 * DAY)).toMatchObject({ escalations: 0 });
      expect(taskMails(OPS)).toHaveLength(3);
      expect(taskMails(ADMIN)).toHaveLength(3);

      // Internal: the reporter's page says nothing of it; the chain holds.
      const reporterPage = textOf((await t.app.inject({ method: "GET", url: `/r/${report.token}` })).body);
      expect(reporterPage).not.toMatch(/affected users|privacy incident|users-notified/i);
      expect(reporterPage).not.toContain("214 affected accounts");
      const found = await getCaseForStaff(t.store, t.keyring, report.id);
      expect(
        found?.events
          .filter((event) => event.type === "disclosure.users_notified")
          .map((event) => [event.payload, event.reporterVisible]),
      ).toEqual([
        [{ channel: "email", note }, false],
        [
          {
            channel: "website-notice",
            note: "Banner on privacytools.io from 12 December, linking the details.",
          },
          false,
        ],
      ]);
      expect(
        await t.store.db
          .selectFrom("case_action_items")
          .select(["id", "kind", "owner", "due_at"])
          .where("case_id", "=", report.id)
          .orderBy("id")
          .execute(),
      ).toEqual([
        { id: "notify-email", kind: "user-notification", owner: null, due_at: new Date(DUE).toISOString() },
        {
          id: "notify-website-notice",
          kind: "user-notification",
          owner: null,
          due_at: new Date(DUE).toISOString(),
        },
      ]);
      expect((await verifyAuditChains(t.store, t.keyring)).ok).toBe(true);
    });

    it("refuses to mark a channel done before the task appears, and where the policy promises no user notification", async () => {
      const report = await fileReport(t, "privacytools");
      const early = await postCaseForm(ops, report.id, "users-notified", {
        channel: "email",
        "users-notified-note": "Sent.",
      });
      expect(early.statusCode).toBe(400);
      expect(textOf(early.body)).toContain(
        "Affected users are told once the case is marked a privacy incident.",
      );
      expect((await getCaseForStaff(t.store, t.keyring, report.id))?.privacyIncidentAt).toBeNull();

      const kafeStaff = await createStaff(t, {
        email: "kafe@example.org",
        role: "responder",
        program: "kafe",
      });
      const kafe = await fileReport(t, "kafe");
      const before = (await getCaseForStaff(t.store, t.keyring, kafe.id))?.events.length;
      const marked = await postCaseForm(kafeStaff, kafe.id, "user-data-affected", { "user-data-since": "" });
      // Kafe's case page has no such form: the refusal is the status, and nothing is written.
      expect(marked.statusCode).toBe(400);
      expect(
        (
          await postCaseForm(kafeStaff, kafe.id, "users-notified", {
            channel: "email",
            "users-notified-note": "x",
          })
        ).statusCode,
      ).toBe(400);
      expect((await getCaseForStaff(t.store, t.keyring, kafe.id))?.events.length).toBe(before);
      expect(textOf((await kafeStaff.browser.get(`/cases/${kafe.id}`)).body)).not.toContain(
        "Tell affected users",
      );
    });
  });

  describe("when always", () => {
    beforeEach(() => start(always));

    it("gives a fixed case the task, due 72 hours after the fix", async () => {
      const report = await fileReport(t, "privacytools");
      expect(await casePage(report.id)).toContain("the task appears when the case is fixed");
      for (const to of ["triaged", "in-progress"])
        expect((await postCaseForm(ops, report.id, "transition", { to })).statusCode).toBe(303);
      expect(await casePage(report.id)).not.toContain("Email to affected users");
      await later(t, { at: new Date(T0 + DAY) }, ops);
      // privacytools fixes every release in production first (test/workspace/affected-releases.test.ts).
      for (const [asset, version] of [
        ["privacytools-code", "main"],
        ["mastodon", "live"],
        ["matrix", "live"],
        ["riot", "live"],
      ] as const)
        await postCaseForm(ops, report.id, "affected", { asset, version, status: "not-affected" });
      expect((await postCaseForm(ops, report.id, "transition", { to: "fixed" })).statusCode).toBe(303);
      const page = await casePage(report.id);
      expect(page).toContain("Email to affected users: due 2026-12-06 10:00 UTC");
      expect(page).toContain("Website notice: due 2026-12-06 10:00 UTC");
    });
  });
});
