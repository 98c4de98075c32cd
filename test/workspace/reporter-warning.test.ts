import { beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { useJobsHarness } from "../support/jobs.js";
import type { SmtpSink } from "../support/smtp-sink.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { openForm, type TestApp } from "../support/web.js";
import { fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Kulupu's written warning (`disclosure.reporterWarning`: required, written, "Give us adequate
 * written warning before disclosing it to anyone else."): the reporter's private page has "I
 * intend to publish on DATE" with a message; the team (Wei, the point of contact, as nobody is
 * assigned) is alerted by mail at once, a clock runs to that date on the case page, the date
 * joins the case's next due date, and when it comes the team is told once. Through HTTP and SMTP,
 * with a fake clock.
 */
const T0 = new Date("2026-12-02T10:00:00Z");
const WEI = "wei@kulupu.example";
const REPORTER = "ada@example.org";
const POLICY_TEXT = "Give us adequate written warning before disclosing it to anyone else.";
const MESSAGE = "I will present the forged seal at a conference; slides attached to my next message.";

describe.each(databases)("Kulupu's written warning on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  let lead: CreatedStaff;
  useJobsHarness(database.open, (parts) => {
    ({ t, sink, jobs } = parts);
  });
  beforeEach(async () => {
    t.clock.set(T0);
    lead = await createStaff(t, { email: "lead@kulupu.example", role: "responder", program: "kulupu" });
  });

  const stored = async (id: string) => {
    const found = await getCaseForStaff(t.store, t.keyring, id);
    if (found === undefined) throw new Error("no case");
    return found;
  };
  const nextDue = async (id: string) =>
    (
      await t.store.db
        .selectFrom("cases")
        .select("next_due_at")
        .where("id", "=", id)
        .executeTakeFirstOrThrow()
    ).next_due_at;
  const subjects = (address: string) => sink.to(address).map((mail) => mail.subject);
  const reporterPage = async (token: string) => textOf((await t.app.inject({ url: `/r/${token}` })).body);
  /** Posts the warning form as a browser would: the page first (its CSRF token and cookie). */
  const warn = async (token: string, fields: Record<string, string>) => {
    const form = await openForm(t.app, `/r/${token}`);
    return t.app.inject({
      method: "POST",
      url: `/r/${token}/publication-intent`,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
      payload: new URLSearchParams({ _csrf: form.csrf, ...fields }).toString(),
    });
  };
  async function kulupuReport() {
    const report = await fileReport(t, "kulupu", {
      title: "Block import accepts a forged seal",
      contact: { email: REPORTER },
    });
    await jobs.drain();
    sink.mails.length = 0;
    return report;
  }

  it("shows the form with the policy's words on a Kulupu reporter's page, and nothing on a program without the key", async () => {
    const report = await kulupuReport();
    const page = await openForm(t.app, `/r/${report.token}`);
    const text = textOf(page.html);
    expect(text).toContain("Before you publish");
    expect(text).toContain(POLICY_TEXT);
    expect(text).toContain("I intend to publish on");
    expect(text).toContain("A date from today (2026-12-02) to 2028-12-02");
    expect(page.html).toContain(`action="/r/${report.token}/publication-intent"`);
    expect(page.html).toMatch(
      /<input type="date" id="publish-on" name="publish-on" required min="2026-12-02"/,
    );
    expect(page.html).toMatch(
      /<textarea id="warning-message" name="message" required maxLength="5000"|maxlength="5000"/i,
    );
    expect(text).toContain("Your written warning to the team");
    expect(text).not.toContain("You told the team you intend to publish on");

    // Privacytools takes no warning: no form, and a post is refused with a clear message.
    const other = await fileReport(t, "privacytools");
    expect((await t.app.inject({ url: `/r/${other.token}` })).body).not.toContain("publication-intent");
    const refused = await warn(other.token, { action: "declare", "publish-on": "2026-12-20", message: "Hi" });
    expect(refused.statusCode).toBe(409);
    expect(textOf(refused.body)).toContain("This program does not take a publication warning.");
    expect((await stored(other.id)).events.map((event) => event.type)).not.toContain(
      "reporter.publication_intent",
    );
  });

  it("alerts the team by mail at once, shows the clock on the case and the reporter's page, and tells the team once when the date comes", async () => {
    const report = await kulupuReport();
    const ref = report.reference;
    const sent = await warn(report.token, {
      action: "declare",
      "publish-on": "2026-12-20",
      message: MESSAGE,
    });
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe(`/r/${report.token}`);
    expect(await reporterPage(report.token)).toContain(
      "You told the team you intend to publish on 2026-12-20",
    );
    expect(await nextDue(report.id)).toBe("2026-12-20T00:00:00.000Z");

    // The team hears at once: Wei, the point of contact (nobody is assigned). Kulupu has all
    // communication encrypted and Wei's key is not loaded, so the message stays on the case page.
    await jobs.drain();
    const alert = `[Kulupu] The reporter intends to publish on 2026-12-20 (${ref})`;
    expect(subjects(WEI)).toEqual([alert]);
    const mail = sink.to(WEI)[0]!;
    expect(mail.text).toContain(
      `Case ${ref}: the reporter told the team they intend to publish on 2026-12-20.`,
    );
    expect(mail.text).toContain("Their message is on the case page.");
    expect(mail.text).toContain(`/cases/${report.id}`);
    expect(mail.text).not.toMatch(/forged seal|conference/);
    expect(sink.to(REPORTER)).toHaveLength(0);

    // The case shows the clock, and the timeline the warning with its message.
    const page = textOf((await lead.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain("The reporter intends to publish");
    expect(page).toMatch(/2026-12-20 00:00 UTC in 17 d/);
    expect(page).toContain("The reporter's publication warning");
    expect(page).toContain(`Intends to publish on 2026-12-20. ${MESSAGE}`);
    expect(page).not.toContain("Kulupu's policy promises no response times.");

    // The day before: nothing yet.
    t.clock.set(new Date("2026-12-19T23:00:00Z"));
    await jobs.drain();
    expect(sink.mails).toHaveLength(1);
    // The day comes: the team is told once, however often the worker looks again.
    const come = `[Kulupu] The reporter's publication date has come (${ref})`;
    for (const at of ["2026-12-20T00:30:00Z", "2026-12-20T06:00:00Z", "2026-12-28T10:00:00Z"]) {
      t.clock.set(new Date(at));
      await jobs.drain();
    }
    expect(subjects(WEI)).toEqual([alert, come]);
    expect(sink.to(WEI)[1]!.text).toContain(
      "the reporter said they intend to publish on 2026-12-20. That day has come.",
    );
    const found = await stored(report.id);
    expect(found.events.filter((event) => event.type === "reporter.publication_date_reached")).toHaveLength(
      1,
    );
    await later(t, { at: new Date("2026-12-28T10:00:00Z") }, lead);
    expect(textOf((await lead.browser.get(`/cases/${report.id}`)).body)).toContain(
      "reached 8 d ago: the reporter may publish now",
    );
  });

  it("the reporter changes the date, then withdraws it: each is a new event the team hears of", async () => {
    const report = await kulupuReport();
    const ref = report.reference;
    expect(
      (await warn(report.token, { action: "declare", "publish-on": "2026-12-20", message: MESSAGE }))
        .statusCode,
    ).toBe(303);
    const changed = await warn(report.token, {
      action: "declare",
      "publish-on": "2027-01-10",
      message: "The conference moved; new date.",
    });
    expect(changed.statusCode).toBe(303);
    expect(await reporterPage(report.token)).toContain(
      "You told the team you intend to publish on 2027-01-10",
    );
    expect(await nextDue(report.id)).toBe("2027-01-10T00:00:00.000Z");
    await jobs.drain();
    // Two statements in one tick: two mails (the sink may receive them in either order).
    expect(subjects(WEI).sort()).toEqual([
      `[Kulupu] The reporter intends to publish on 2026-12-20 (${ref})`,
      `[Kulupu] The reporter intends to publish on 2027-01-10 (${ref})`,
    ]);

    const withdrawn = await warn(report.token, { action: "withdraw" });
    expect(withdrawn.statusCode).toBe(303);
    expect(await reporterPage(report.token)).not.toContain("You told the team you intend to publish on");
    expect(await nextDue(report.id)).toBeNull();
    await jobs.drain();
    expect(subjects(WEI).at(-1)).toBe(`[Kulupu] The reporter withdrew their publication date (${ref})`);
    const intents = (await stored(report.id)).events.filter((e) => e.type === "reporter.publication_intent");
    expect(intents.map((event) => event.payload)).toEqual([
      { publishOn: "2026-12-20", message: MESSAGE },
      { publishOn: "2027-01-10", message: "The conference moved; new date." },
      { publishOn: null, message: "" },
    ]);
    // Nothing to withdraw any more; neither date tells the team it has come.
    expect((await warn(report.token, { action: "withdraw" })).statusCode).toBe(409);
    for (const at of ["2026-12-20T12:00:00Z", "2027-01-10T12:00:00Z"]) {
      t.clock.set(new Date(at));
      await jobs.drain();
    }
    expect(subjects(WEI).filter((subject) => subject.includes("has come"))).toEqual([]);
    expect((await lead.browser.get(`/cases/${report.id}`)).body).not.toContain(
      "The reporter intends to publish",
    );
  });

  it("refuses a stranger's inputs: a past or garbage date, a missing or oversized message, no CSRF token, a closed case", async () => {
    const report = await kulupuReport();
    const cases: [Record<string, string>, string][] = [
      [{ "publish-on": "2026-12-01", message: MESSAGE }, "The date has passed"],
      [{ "publish-on": "20-12-2026", message: MESSAGE }, "Give the date as YYYY-MM-DD"],
      [{ "publish-on": "2026-02-30", message: MESSAGE }, "Give the date as YYYY-MM-DD"],
      [{ "publish-on": "tomorrow", message: MESSAGE }, "Give the date as YYYY-MM-DD"],
      [{ "publish-on": "2026-12-20".repeat(1_000), message: MESSAGE }, "Give the date as YYYY-MM-DD"],
      [{ message: MESSAGE }, "Give the date as YYYY-MM-DD"],
      [{ "publish-on": "2029-01-01", message: MESSAGE }, "Give a date at most two years from today."],
      [{ "publish-on": "2026-12-20", message: "   " }, "This program asks for your warning in writing"],
      [{ "publish-on": "2026-12-20" }, "This program asks for your warning in writing"],
      [
        { "publish-on": "2026-12-20", message: "x".repeat(5_001) },
        "A message can have at most 5000 characters.",
      ],
    ];
    for (const [fields, message] of cases) {
      const refused = await warn(report.token, { action: "declare", ...fields });
      expect(refused.statusCode, JSON.stringify(fields).slice(0, 80)).toBe(400);
      expect(textOf(refused.body)).toContain(message);
      // The form keeps what was typed (a short one), and the page is the reporter's own.
      expect(refused.body).toContain(`action="/r/${report.token}/publication-intent"`);
    }

    const noCsrf = await t.app.inject({
      method: "POST",
      url: `/r/${report.token}/publication-intent`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({
        action: "declare",
        "publish-on": "2026-12-20",
        message: MESSAGE,
      }).toString(),
    });
    expect(noCsrf.statusCode).toBe(403);
    const unknown = await t.app.inject({
      method: "POST",
      url: `/r/${"A".repeat(43)}/publication-intent`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "action=declare",
    });
    expect([403, 404]).toContain(unknown.statusCode);

    // Nothing was written, the team heard nothing.
    expect((await stored(report.id)).events.map((event) => event.type)).not.toContain(
      "reporter.publication_intent",
    );
    expect(await nextDue(report.id)).toBeNull();
    await jobs.drain();
    expect(sink.mails).toHaveLength(0);

    // Today is fine; a closed case takes no warning.
    expect(
      (await warn(report.token, { action: "declare", "publish-on": "2026-12-02", message: MESSAGE }))
        .statusCode,
    ).toBe(303);
    expect(
      (await postCaseForm(lead, report.id, "transition", { to: "closed", outcome: "informative" }))
        .statusCode,
    ).toBe(303);
    const closed = await warn(report.token, {
      action: "declare",
      "publish-on": "2026-12-20",
      message: MESSAGE,
    });
    expect(closed.statusCode).toBe(409);
    expect(textOf(closed.body)).toContain("This case is closed.");
  });
});
