import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { verifyAuditChains } from "../../src/store/audit.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { jobsFor } from "../support/jobs.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { createApiToken, fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Rocket.Chat's policy: a privacy incident is reported to the competent data protection
 * supervisory authority within 72 hours (GDPR Art. 33). Marking a case starts that clock: the case
 * page shows it, the inbox puts the case first, the assignee and followers are warned at 75 %
 * (54 h) and at the deadline, and recording the notification stops it. All of it is internal.
 */
const MARKUS = "markus@rocket.example";
const FRED = "fred@rocket.example";
const T0 = Date.parse("2026-12-02T10:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(databases)("privacy incidents and the authority deadline on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(async () => {
    sink.mails.length = 0;
    t = await startTestApp(database.open);
    t.clock.set(new Date(T0));
    jobs = jobsFor(t, sink.url);
  });
  afterEach(async () => {
    await jobs.stop();
    await t.close();
  });

  const at = (ms: number) => {
    t.clock.set(new Date(T0 + ms));
    return jobs.drain();
  };
  const subjects = (address: string) => sink.to(address).map((mail) => mail.subject);
  const userId = async (email: string) =>
    (await t.store.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow())
      .id;

  it("marking starts the clock, the inbox sorts the case first, warnings at 54 h and 72 h, notifying stops it", async () => {
    const markus = await createStaff(t, { email: MARKUS, role: "responder", program: "rocketchat" });
    const fred = await createStaff(t, { email: FRED, role: "responder", program: "rocketchat" });
    const older = await fileReport(t, "rocketchat", { title: "Older case with a due date" });
    const report = await fileReport(t, "rocketchat", { title: "Customer data in a public room" });
    expect((await postCaseForm(markus, older.id, "triage", { "due-date": "2026-12-10" })).statusCode).toBe(
      303,
    );
    await postCaseForm(markus, report.id, "assign", { assignee: await userId(MARKUS) });
    await postCaseForm(fred, report.id, "follow", {});
    const inboxTitles = async () =>
      [
        ...(await markus.browser.get("/inbox")).body.matchAll(
          /<a href="\/cases\/[a-z2-7]{16}">([^<]+)<\/a>/g,
        ),
      ].map((m) => m[1]);
    expect(await inboxTitles()).toEqual(["Older case with a due date", "Customer data in a public room"]);

    // Before marking: no authority clock, a form to mark it.
    const before = textOf((await markus.browser.get(`/cases/${report.id}`)).body);
    expect(before).not.toContain("Notify the authority");
    expect(before).toContain("Not marked as a privacy incident.");

    const marked = await postCaseForm(markus, report.id, "privacy-incident", { "privacy-since": "" });
    expect(marked.statusCode).toBe(303);
    expect(marked.headers.location).toBe(`/cases/${report.id}?notice=privacy-incident`);
    const page = textOf((await markus.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain(
      "Notify the authority Notify the competent data protection supervisory authority within 72 hours of a privacy incident. 2026-12-05 10:00 UTC due in 3 d",
    );
    expect(page).toContain("Notify the authority by 2026-12-05 10:00 UTC");
    expect(page).toContain("Record that the authority was notified");
    // Due in 72 h, before the older case's due date (the end of 10 December): first.
    expect(await inboxTitles()).toEqual(["Customer data in a public room", "Older case with a due date"]);
    expect(textOf((await markus.browser.get("/inbox")).body)).toContain("notify the authority within 3 d");
    // Marking twice changes nothing.
    const again = await postCaseForm(markus, report.id, "privacy-incident", { "privacy-since": "" });
    expect(again.headers.location).toBe(`/cases/${report.id}?notice=unchanged`);

    // The jobs: Fred hears of the marking; nobody is warned yet.
    await at(0);
    expect(subjects(FRED)).toEqual([`[Rocket.Chat] Case ${report.reference} changed`]);
    expect(sink.to(FRED)[0]!.text).toContain("marked the case as a privacy incident");
    expect(await at(54 * HOUR - 60_000)).toMatchObject({ escalations: 0 });
    const ref = report.reference;

    // 75 % of 72 h: the warning, to the assignee and the follower.
    expect(await at(54 * HOUR)).toMatchObject({ escalations: 1, sent: 2 });
    expect(subjects(MARKUS)).toEqual([`[Rocket.Chat] Notify the authority: due in 18 h (${ref})`]);
    expect(subjects(FRED).at(-1)).toBe(`[Rocket.Chat] Notify the authority: due in 18 h (${ref})`);
    expect(sink.to(MARKUS)[0]!.text).toContain(
      `Case ${ref} is a privacy incident: notify the competent data protection supervisory authority by 2026-12-05 10:00 UTC (due in 18 h).`,
    );
    expect(sink.to(MARKUS)[0]!.text).not.toContain("Customer data");

    // The deadline passes: the breach, once.
    expect(await at(72 * HOUR)).toMatchObject({ escalations: 1, sent: 2 });
    expect(subjects(MARKUS).at(-1)).toBe(`[Rocket.Chat] Notify the authority: overdue (${ref})`);
    expect(await at(80 * HOUR)).toMatchObject({ escalations: 0, notifications: 0 });
    await later(t, { at: new Date(T0 + 80 * HOUR) }, markus);
    expect(textOf((await markus.browser.get(`/cases/${report.id}`)).body)).toContain("overdue by 8 h");
    expect(textOf((await markus.browser.get("/inbox")).body)).toContain(
      "notify the authority overdue by 8 h",
    );

    // Recording the notification stops the clock and gives the inbox its old order back.
    const notified = await postCaseForm(markus, report.id, "authority-notified", {
      "authority-notified-at": "2026-12-05T12:30",
    });
    expect(notified.headers.location).toBe(`/cases/${report.id}?notice=authority-notified`);
    const after = textOf((await markus.browser.get(`/cases/${report.id}`)).body);
    expect(after).toContain("missed by 2 h");
    expect(after).toContain("Authority notified 2026-12-05 12:30 UTC");
    expect(after).not.toContain("Record that the authority was notified");
    expect(await inboxTitles()).toEqual(["Older case with a due date", "Customer data in a public room"]);
    expect(await at(100 * HOUR)).toMatchObject({ escalations: 0 });
    expect(subjects(MARKUS).filter((subject) => subject.includes("Notify the authority"))).toHaveLength(2);

    // Internal all along: the reporter's page says nothing of it; the chain holds.
    const reporterPage = textOf((await t.app.inject({ method: "GET", url: `/r/${report.token}` })).body);
    expect(reporterPage).not.toMatch(/privacy|authority/i);
    const found = await getCaseForStaff(t.store, t.keyring, report.id);
    const internal = found?.events.filter((event) =>
      ["case.privacy_incident_marked", "authority.notification_due", "case.authority_notified"].includes(
        event.type,
      ),
    );
    expect(internal?.map((event) => [event.type, event.reporterVisible])).toEqual([
      ["case.privacy_incident_marked", false],
      ["authority.notification_due", false],
      ["authority.notification_due", false],
      ["case.authority_notified", false],
    ]);
    expect(
      (await t.store.db.selectFrom("case_escalations").select("step_key").orderBy("step_key").execute()).map(
        (row) => row.step_key,
      ),
    ).toEqual([`${report.id}:authority:breach`, `${report.id}:authority:warn`]);
    expect((await verifyAuditChains(t.store, t.keyring)).ok).toBe(true);
  });

  it("through the API: a past start, 409 before marking, 400 without a policy deadline, 403 for a viewer", async () => {
    const admin = await createStaff(t, {
      email: "admin@rocket.example",
      role: "admin",
      program: "rocketchat",
    });
    const responder = await createApiToken(admin, "rocketchat", "responder");
    const viewer = await createApiToken(admin, "rocketchat", "viewer");
    const kafeAdmin = await createStaff(t, { email: "admin@kafe.example", role: "admin", program: "kafe" });
    const kafe = await createApiToken(kafeAdmin, "kafe", "responder");
    const report = await fileReport(t, "rocketchat");
    const kafeReport = await fileReport(t, "kafe");
    const post = (token: string, url: string, body: unknown) =>
      t.app.inject({
        method: "POST",
        url,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        payload: JSON.stringify(body),
      });

    const early = await post(responder, `/api/v1/cases/${report.id}/authority-notification`, {});
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: "not_a_privacy_incident" });
    expect((await post(viewer, `/api/v1/cases/${report.id}/privacy-incident`, {})).statusCode).toBe(403);
    const noPolicy = await post(kafe, `/api/v1/cases/${kafeReport.id}/privacy-incident`, {});
    expect(noPolicy.statusCode).toBe(400);
    expect(noPolicy.json()).toMatchObject({ fields: [{ field: "since" }] });

    // Aware since two days ago: 24 h left.
    const since = new Date(T0 - 2 * DAY).toISOString();
    const marked = await post(responder, `/api/v1/cases/${report.id}/privacy-incident`, { since });
    expect(marked.json()).toEqual({ changed: true });
    const read = async () =>
      (
        await t.app.inject({
          method: "GET",
          url: `/api/v1/cases/${report.id}`,
          headers: { authorization: `Bearer ${viewer}` },
        })
      ).json() as {
        privacyIncidentAt: string;
        authorityNotifyBy: string;
        authorityNotifiedAt: string | null;
        nextDueAt: string;
        clocks: { id: string; state: string; text: string; dueAt: string }[];
      };
    const detail = await read();
    expect(detail).toMatchObject({
      privacyIncidentAt: since,
      authorityNotifyBy: new Date(T0 + DAY).toISOString(),
      authorityNotifiedAt: null,
      nextDueAt: new Date(T0 + DAY).toISOString(),
    });
    expect(detail.clocks).toEqual([
      expect.objectContaining({ id: "authority-notification", state: "running", text: "due in 24 h" }),
    ]);

    // Not before the incident, not in the future.
    const tooEarly = await post(responder, `/api/v1/cases/${report.id}/authority-notification`, {
      notifiedAt: new Date(T0 - 3 * DAY).toISOString(),
    });
    expect(tooEarly.statusCode).toBe(400);
    const future = await post(responder, `/api/v1/cases/${report.id}/authority-notification`, {
      notifiedAt: new Date(T0 + DAY).toISOString(),
    });
    expect(future.statusCode).toBe(400);
    const done = await post(responder, `/api/v1/cases/${report.id}/authority-notification`, {});
    expect(done.json()).toEqual({ changed: true });
    const stopped = await read();
    expect(stopped.authorityNotifiedAt).toBe(new Date(T0).toISOString());
    expect(stopped.nextDueAt).toBeNull();
    expect(stopped.clocks[0]).toMatchObject({ state: "met", text: "met: the authority was notified" });
    expect((await post(responder, `/api/v1/cases/${report.id}/authority-notification`, {})).json()).toEqual({
      changed: false,
    });
  });
});
