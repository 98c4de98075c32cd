import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { JobRunner } from "../../src/jobs/runner.js";
import { verifyAuditChains } from "../../src/store/audit.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { jobsFor } from "../support/jobs.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { multipart, openForm, startTestApp, type TestApp } from "../support/web.js";
import { fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Kitsu's postmortem (`incident.phases[].reporterInvited`): while the phase runs the reporter's
 * page invites their feedback, which becomes part of the case; the team records the root cause
 * and action items, each with an owner and a due date that is a clock of its own: the owner is
 * told at the due date and reminded weekly until the item is marked done.
 */
const EMMA = "emma@kitsu.example";
const SAM = "sam@kitsu.example";
const T0 = Date.parse("2026-12-01T17:00:00Z"); // Tuesday, 09:00 in Los Angeles
const DAY = 24 * 3_600_000;
/** "2026-12-10", the end of that day in Kitsu's time zone (America/Los_Angeles). */
const DUE_1 = Date.parse("2026-12-11T07:59:59Z");

describe.each(databases)("Kitsu's postmortem on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  let emma: CreatedStaff;
  let sam: CreatedStaff;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  const start = async (overrides: Partial<Config> = {}) => {
    sink.mails.length = 0;
    t = await startTestApp(database.open, overrides);
    t.clock.set(new Date(T0));
    jobs = jobsFor(t, sink.url);
    emma = await createStaff(t, { email: EMMA, role: "responder", program: "kitsu" });
    sam = await createStaff(t, { email: SAM, role: "responder", program: "kitsu" });
  };
  afterEach(async () => {
    await jobs.stop();
    await t.close();
  });

  const userId = async (email: string) =>
    (await t.store.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow())
      .id;
  const stored = async (id: string) => {
    const found = await getCaseForStaff(t.store, t.keyring, id);
    if (found === undefined) throw new Error("no case");
    return found;
  };
  const phase = async (id: string, phaseId: string, action: string) => {
    const response = await postCaseForm(emma, id, "incident-phase", { phase: phaseId, action });
    expect(response.statusCode, `${action} ${phaseId}`).toBe(303);
  };
  /** Kitsu's phases up to a running postmortem: assessment answered and completed, containment skipped. */
  const toPostmortem = async (id: string) => {
    await phase(id, "assessment", "start");
    for (const [question, answer] of [
      ["0", "no"],
      ["1", "Only the reporter and us."],
      ["2", "Nothing: it was found before anyone used it."],
    ] as const) {
      const answered = await postCaseForm(emma, id, "answer", { phase: "assessment", question, answer });
      expect(answered.statusCode).toBe(303);
    }
    await phase(id, "assessment", "complete");
    await phase(id, "containment", "skip");
    await phase(id, "remediation", "start");
    await phase(id, "remediation", "complete");
    await phase(id, "postmortem", "start");
  };
  const at = (ms: number) => {
    t.clock.set(new Date(T0 + ms));
    return jobs.drain();
  };
  const actionItemMails = (address: string) =>
    sink
      .to(address)
      .map((mail) => mail.subject)
      .filter((subject) => subject.includes("Action item"));
  const rows = (caseId: string) =>
    t.store.db
      .selectFrom("case_action_items")
      .selectAll()
      .where("case_id", "=", caseId)
      .orderBy("id")
      .execute();

  it("invites the reporter's feedback while the postmortem runs, and tells an action item's owner when it falls due until it is done", async () => {
    await start();
    const report = await fileReport(t, "kitsu");
    const ref = report.reference;
    const emmaId = await userId(EMMA);
    const samId = await userId(SAM);
    expect((await postCaseForm(emma, report.id, "acknowledge", {})).statusCode).toBe(303);
    expect((await postCaseForm(emma, report.id, "assign", { assignee: emmaId })).statusCode).toBe(303);

    // Before the postmortem: no invitation, and feedback is refused.
    const reporter = await openForm(t.app, `/r/${report.token}`);
    expect(reporter.html).not.toContain(`action="/r/${report.token}/feedback"`);
    const sendFeedback = (feedback: string) =>
      t.app.inject({
        method: "POST",
        url: `/r/${report.token}/feedback`,
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: reporter.cookie },
        payload: new URLSearchParams({ _csrf: reporter.csrf, feedback }).toString(),
      });
    const early = await sendFeedback("You were quick.");
    expect(early.statusCode).toBe(409);
    expect(textOf(early.body)).toContain("The team has not started its review of this case yet");

    await toPostmortem(report.id);
    const invited = await t.app.inject({ method: "GET", url: `/r/${report.token}` });
    expect(textOf(invited.body)).toContain("Your feedback on how we handled your report");
    expect(invited.body).toContain(`action="/r/${report.token}/feedback"`);
    const before = (await stored(report.id)).events.length;
    const oversized = await sendFeedback("x".repeat(10_001));
    expect(oversized.statusCode).toBe(400);
    expect(textOf(oversized.body)).toContain("Feedback can have at most 10000 characters.");
    expect((await sendFeedback("   ")).statusCode).toBe(400);
    expect((await stored(report.id)).events).toHaveLength(before);

    const feedback = "Quick and clear answers. A status page would have told me the fix was live.";
    const sent = await sendFeedback(feedback);
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe(`/r/${report.token}`);
    const thanked = textOf((await t.app.inject({ method: "GET", url: `/r/${report.token}` })).body);
    expect(thanked).toContain(`You gave feedback ${feedback}`);
    const withFeedback = await stored(report.id);
    expect(withFeedback.events.at(-1)).toMatchObject({
      type: "reporter.feedback",
      actor: "reporter",
      reporterVisible: true,
      text: feedback,
      payload: { phaseId: "postmortem", text: feedback },
    });
    const page = textOf((await emma.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain(`The reporter's feedback`);
    expect(page).toContain(`The reporter wrote ${feedback}`);

    // The root cause and two action items, with owners and due dates.
    const cause = await postCaseForm(emma, report.id, "root-cause", {
      "root-cause": "Profile bios were rendered as raw HTML.",
    });
    expect(cause.headers.location).toBe(`/cases/${report.id}?notice=postmortem`);
    const add = (fields: Record<string, string>) => postCaseForm(emma, report.id, "action-items", fields);
    const first = await add({
      "action-title": "Escape user content in templates by default",
      "action-kind": "code",
      "action-owner": samId,
      "action-due": "2026-12-10",
    });
    expect(first.headers.location).toBe(`/cases/${report.id}?notice=postmortem`);
    expect(
      (
        await add({
          "action-title": "A second person on call for security reports",
          "action-kind": "process",
          "action-owner": emmaId,
          "action-due": "2026-12-31",
        })
      ).statusCode,
    ).toBe(303);
    const listed = textOf((await emma.browser.get(`/cases/${report.id}`)).body);
    expect(listed).toContain("Profile bios were rendered as raw HTML.");
    expect(listed).toContain(
      `1. Escape user content in templates by default (code change) Owner: ${SAM} · Due 2026-12-11 07:59 UTC · Open`,
    );
    expect(listed).toContain(
      `2. A second person on call for security reports (process change) Owner: ${EMMA} · Due 2027-01-01 07:59 UTC · Open`,
    );
    // The earliest open action item is the case's next deadline.
    expect((await stored(report.id)).nextDueAt).toEqual(new Date(DUE_1));

    // Moving the second item to Sam and a later date.
    const moved = await postCaseForm(emma, report.id, "action-item-change", {
      "action-item": "2",
      "change-owner": samId,
      "change-due": "2027-01-15",
    });
    expect(moved.headers.location).toBe(`/cases/${report.id}?notice=postmortem`);
    expect(textOf((await emma.browser.get(`/cases/${report.id}`)).body)).toContain(
      `Owner: ${SAM} · Due 2027-01-16 07:59 UTC · Open`,
    );

    // The clock: nothing before the due date, the owner alone at it, a week later the assignee too.
    await at(0);
    expect(await at(DUE_1 - T0 - 60_000)).toMatchObject({ escalations: 0 });
    expect(actionItemMails(SAM)).toEqual([]);
    expect(await at(DUE_1 - T0)).toMatchObject({ escalations: 1 });
    expect(actionItemMails(SAM)).toEqual([`[Kitsu] Action item 1: overdue (breach) (${ref})`]);
    const breach = sink.to(SAM).find((mail) => mail.subject.includes("Action item 1"));
    expect(breach?.text).toContain("A postmortem action item you own is past its due date");
    // The title is case content: not in the mail of a program that keeps mail non-confidential.
    expect(breach?.text).not.toContain("Escape user content");
    expect(actionItemMails(EMMA)).toEqual([]);
    await later(t, { at: new Date(DUE_1 + 3_600_000) }, emma, sam);
    expect(textOf((await emma.browser.get(`/cases/${report.id}`)).body)).toContain(
      "Overdue: the owner was told 2026-12-11 07:59 UTC",
    );

    expect(await at(DUE_1 - T0 + 7 * DAY)).toMatchObject({ escalations: 1 });
    const reminder = `[Kitsu] Action item 1: still overdue, reminder 1 (${ref})`;
    expect(actionItemMails(SAM)).toHaveLength(2);
    expect(actionItemMails(SAM).at(-1)).toBe(reminder);
    expect(actionItemMails(EMMA)).toEqual([reminder]);

    // Done: no more mail about it.
    await later(t, { at: new Date(DUE_1 + 7 * DAY + 3_600_000) }, emma, sam);
    const done = await postCaseForm(sam, report.id, "action-item-done", {
      "action-item": "1",
      "done-note": "Merged: templates escape by default.",
    });
    expect(done.headers.location).toBe(`/cases/${report.id}?notice=postmortem`);
    const donePage = textOf((await emma.browser.get(`/cases/${report.id}`)).body);
    expect(donePage).toContain(`Done 2026-12-18 08:59 UTC by ${SAM}: Merged: templates escape by default.`);
    expect(donePage).not.toContain('name="action-item" value="1"');
    expect((await stored(report.id)).nextDueAt).toEqual(new Date("2027-01-16T07:59:59.000Z"));
    expect(await at(DUE_1 - T0 + 22 * DAY)).toMatchObject({ escalations: 0 });
    expect(actionItemMails(SAM)).toHaveLength(2);
    expect(actionItemMails(EMMA)).toHaveLength(1);
    expect(await rows(report.id)).toMatchObject([
      { id: "1", kind: "code", owner: samId, done_at: new Date(DUE_1 + 7 * DAY + 3_600_000).toISOString() },
      { id: "2", kind: "process", owner: samId, done_at: null, due_at: "2027-01-16T07:59:59.000Z" },
    ]);

    // The postmortem completed: the reporter's page no longer asks, and refuses.
    await later(t, { at: new Date(DUE_1 + 22 * DAY) }, emma);
    await phase(report.id, "postmortem", "complete");
    const closedPage = await t.app.inject({ method: "GET", url: `/r/${report.token}` });
    expect(closedPage.body).not.toContain(`action="/r/${report.token}/feedback"`);
    expect(textOf(closedPage.body)).toContain(`You gave feedback ${feedback}`);
    const late = await sendFeedback("One more thing.");
    expect(late.statusCode).toBe(409);
    expect(textOf(late.body)).toContain("no longer takes feedback here");

    // Internal, except the reporter's own words; the chain holds.
    const events = (await stored(report.id)).events.filter((event) => event.type.startsWith("postmortem."));
    expect(events.map((event) => [event.type, event.reporterVisible])).toEqual([
      ["postmortem.root_cause_recorded", false],
      ["postmortem.action_item_added", false],
      ["postmortem.action_item_added", false],
      ["postmortem.action_item_changed", false],
      ["postmortem.action_item_done", false],
    ]);
    const reporterView = textOf(closedPage.body);
    expect(reporterView).not.toContain("raw HTML");
    expect(reporterView).not.toContain("Escape user content");
    expect((await verifyAuditChains(t.store, t.keyring)).ok).toBe(true);
  });

  it("refuses an owner off the team, bad dates, unknown items and empty fields, and writes nothing", async () => {
    await start();
    await createStaff(t, { email: "ola@rocket.example", role: "responder", program: "rocketchat" });
    await createStaff(t, { email: "vic@kitsu.example", role: "viewer", program: "kitsu" });
    const report = await fileReport(t, "kitsu");
    const samId = await userId(SAM);
    const good = {
      "action-title": "Escape user content",
      "action-kind": "code",
      "action-owner": samId,
      "action-due": "2026-12-10",
    };
    expect((await postCaseForm(emma, report.id, "action-items", good)).statusCode).toBe(303);
    const eventsBefore = (await stored(report.id)).events.length;
    const rowsBefore = await rows(report.id);

    const refusals: [string, Record<string, string>, string][] = [
      [
        "action-items",
        { ...good, "action-owner": await userId("ola@rocket.example") },
        "a member of the team",
      ],
      [
        "action-items",
        { ...good, "action-owner": await userId("vic@kitsu.example") },
        "a member of the team",
      ],
      ["action-items", { ...good, "action-owner": "" }, "a member of the team"],
      ["action-items", { ...good, "action-due": "2026-13-45" }, "a date such as 2026-12-31"],
      ["action-items", { ...good, "action-due": "tomorrow" }, "a date such as 2026-12-31"],
      ["action-items", { ...good, "action-due": "2026-11-20" }, "a due date in the future"],
      ["action-items", { ...good, "action-due": "2040-01-01" }, "a due date within five years"],
      ["action-items", { ...good, "action-title": "  " }, "a title: what is to be done"],
      ["action-items", { ...good, "action-title": "x".repeat(301) }, "at most 300 characters"],
      ["action-items", { ...good, "action-kind": "idea" }, "a process or a code change"],
      [
        "action-item-change",
        { "action-item": "9", "change-owner": samId, "change-due": "2026-12-20" },
        "this case has no such action item",
      ],
      [
        "action-item-change",
        { "action-item": "1", "change-owner": samId, "change-due": "2026-02-30" },
        "a date such as 2026-12-31",
      ],
      ["action-item-done", { "action-item": "x", "done-note": "" }, "this case has no such action item"],
      ["action-item-done", { "action-item": "1", "done-note": "x".repeat(2_001) }, "at most 2000 characters"],
      ["root-cause", { "root-cause": "" }, "write down the root cause"],
    ];
    for (const [action, fields, message] of refusals) {
      const refused = await postCaseForm(emma, report.id, action, fields);
      expect(refused.statusCode, `${action} ${JSON.stringify(fields).slice(0, 80)}`).toBe(400);
      expect(textOf(refused.body).toLowerCase()).toContain(message.toLowerCase());
    }
    expect((await stored(report.id)).events).toHaveLength(eventsBefore);
    expect(await rows(report.id)).toEqual(rowsBefore);
    // The form keeps what was sent beside the error.
    const kept = await postCaseForm(emma, report.id, "action-items", { ...good, "action-due": "2026-11-20" });
    expect(kept.body).toContain('value="Escape user content"');
  });
  it("counts the reporter's feedback against the same hourly limit as their messages", async () => {
    await start({
      followUpLimits: { perCasePerHour: 2, bytesPerCasePerHour: 1_000_000, perAddressPerHour: 100 },
    });
    const report = await fileReport(t, "kitsu");
    await toPostmortem(report.id);
    const form = await openForm(t.app, `/r/${report.token}`);
    const message = await multipart({ _csrf: form.csrf, message: "One more detail." });
    const sentMessage = await t.app.inject({
      method: "POST",
      url: `/r/${report.token}/messages`,
      headers: { ...message.headers, cookie: form.cookie },
      payload: message.payload,
    });
    expect(sentMessage.statusCode).toBe(303);
    const feedback = (text: string) =>
      t.app.inject({
        method: "POST",
        url: `/r/${report.token}/feedback`,
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
        payload: new URLSearchParams({ _csrf: form.csrf, feedback: text }).toString(),
      });
    expect((await feedback("Thank you.")).statusCode).toBe(303);
    const refused = await feedback("And one more thing.");
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["retry-after"]).toBeDefined();
    expect(textOf(refused.body)).toContain("You have sent many messages on this case in the last hour.");
    // What they typed is kept for them.
    expect(refused.body).toContain("And one more thing.");
    const given = (await stored(report.id)).events.filter((event) => event.type === "reporter.feedback");
    expect(given.map((event) => event.payload)).toEqual([{ phaseId: "postmortem", text: "Thank you." }]);
  });
});
