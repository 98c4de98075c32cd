import { beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { useJobsHarness } from "../support/jobs.js";
import type { SmtpSink } from "../support/smtp-sink.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { openForm, type TestApp } from "../support/web.js";
import {
  createApiToken,
  fileReport,
  keepRocketChatRegister,
  later,
  postCaseForm,
  textOf,
} from "../support/workspace.js";

/**
 * Rocket.Chat's agreement gate (`incident.register.reporterAgreement`: required, wait 14 days):
 * a fixed case is neither closed as resolved nor disclosed until the reporter agrees on their
 * page or a team member records an agreement given another way, with a note. When the wait
 * passes without an answer, the reporter is reminded by mail once and the team is told once;
 * the gate keeps holding. Through HTTP (the case page's forms, the reporter's page, the staff
 * API) and SMTP, with a fake clock.
 */
const POLICIES = "test/fixtures/policies/register";
const T0 = new Date("2026-12-07T10:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REPORTER = "ada@example.org";
const MARKUS = "markus@example.org";
const NOTE = "The customer (ACME) confirmed on a call on 2026-12-08 that the upgrade fixes it; ticket 4711.";

describe.each(databases)("Rocket.Chat's agreement gate on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  let markus: CreatedStaff;
  useJobsHarness(
    database.open,
    (parts) => {
      ({ t, sink, jobs } = parts);
    },
    { policies: POLICIES },
  );
  beforeEach(async () => {
    t.clock.set(T0);
    markus = await createStaff(t, { email: MARKUS, role: "responder", program: "rocketchat" });
  });

  const stored = async (id: string) => {
    const found = await getCaseForStaff(t.store, t.keyring, id);
    if (found === undefined) throw new Error("no case");
    return found;
  };
  const move = (id: string, fields: Record<string, string>) => postCaseForm(markus, id, "transition", fields);
  const closeResolved = (id: string) => move(id, { to: "closed", outcome: "resolved" });
  const subjects = (address: string) => sink.to(address).map((mail) => mail.subject);

  /** A report (or an incident the team opened) kept to the register, classified, and moved to fixed. */
  async function toFixed(id: string): Promise<void> {
    await keepRocketChatRegister(markus, id);
    const classified = await postCaseForm(markus, id, "triage", {
      priority: "high",
      "due-date": "2030-01-31",
      severity: "high",
      cwe: "CWE-79",
      asset: "",
    });
    expect(classified.statusCode).toBe(303);
    for (const to of ["triaged", "in-progress", "fixed"])
      expect((await move(id, { to })).statusCode).toBe(303);
  }
  async function fixedReport() {
    const report = await fileReport(t, "rocketchat", { contact: { email: REPORTER } });
    await toFixed(report.id);
    await jobs.drain();
    sink.mails.length = 0;
    return report;
  }
  const answer = async (token: string, agree: "yes" | "no", comment = "") => {
    const form = await openForm(t.app, `/r/${token}`);
    return t.app.inject({
      method: "POST",
      url: `/r/${token}/agreement`,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
      payload: new URLSearchParams({ _csrf: form.csrf, agree, comment }).toString(),
    });
  };

  it("refuses to close as resolved or to disclose while the reporter's agreement is awaited, saying what is awaited", async () => {
    const report = await fixedReport();
    const page = textOf((await markus.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain("Agreement that the case is resolved");
    expect(page).toContain(
      "Awaited: the case is not closed as resolved nor disclosed until it is given. Asked of the reporter until 2026-12-21 10:00 UTC",
    );

    const closing = await closeResolved(report.id);
    expect(closing.statusCode).toBe(409);
    expect(textOf(closing.body)).toContain(
      "A case is closed as resolved only once the agreement is given; this program waits for the reporter's (or the affected customer's) agreement that the case is resolved",
    );
    const disclosing = await move(report.id, { to: "disclosed" });
    expect(disclosing.statusCode).toBe(409);
    expect(textOf(disclosing.body)).toContain("A case is disclosed only once the agreement is given");
    expect((await stored(report.id)).state).toBe("fixed");

    // Through the staff API, the refusal has its code.
    const admin = await createStaff(t, { email: "admin@example.org", role: "admin", program: "rocketchat" });
    const token = await createApiToken(admin, "rocketchat", "responder");
    const api = await t.app.inject({
      method: "POST",
      url: `/api/v1/cases/${report.id}/transitions`,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      payload: JSON.stringify({ to: "closed", outcome: "resolved" }),
    });
    expect(api.statusCode).toBe(409);
    expect(api.json()).toMatchObject({ error: "transition_blocked", reason: "agreement-pending" });
    expect((await stored(report.id)).state).toBe("fixed");
    // Closing otherwise (not as resolved) claims no resolution: the gate does not hold it.
    expect((await move(report.id, { to: "closed", outcome: "informative" })).statusCode).toBe(303);
  });

  it("after the wait, reminds the reporter by mail once and tells the team once; the gate keeps holding", async () => {
    const report = await fixedReport();
    const ref = report.reference;
    const reminder = `[Rocket.Chat] ${ref}: does the fix resolve your report? (reminder)`;
    const teamNotice = `[Rocket.Chat] Agreement still awaited (${ref})`;

    // Thirteen days on: still waiting, nobody reminded.
    t.clock.set(new Date(T0.getTime() + 13 * DAY));
    await jobs.drain();
    expect(subjects(REPORTER)).not.toContain(reminder);
    expect(subjects(MARKUS)).not.toContain(teamNotice);

    // Fourteen days and an hour: the wait has passed.
    t.clock.set(new Date(T0.getTime() + 14 * DAY + HOUR));
    await jobs.drain();
    expect(subjects(REPORTER).filter((subject) => subject === reminder)).toHaveLength(1);
    const toReporter = sink.to(REPORTER).find((mail) => mail.subject === reminder);
    expect(toReporter?.text).toContain(
      "The team is still waiting for your answer (asked by 2026-12-21 10:00 UTC).",
    );
    expect(toReporter?.text).not.toMatch(/Stored XSS|Messages leak/);
    expect(subjects(MARKUS).filter((subject) => subject === teamNotice)).toHaveLength(1);
    const toTeam = sink.to(MARKUS).find((mail) => mail.subject === teamNotice);
    expect(toTeam?.text).toContain("the wait for the agreement that the case is resolved ended");
    expect(toTeam?.text).toContain(`/cases/${report.id}`);

    // Later ticks and more days: told once, not again.
    for (const days of [15, 20, 40]) {
      t.clock.set(new Date(T0.getTime() + days * DAY));
      await jobs.drain();
    }
    expect(subjects(REPORTER).filter((subject) => subject === reminder)).toHaveLength(1);
    expect(subjects(MARKUS).filter((subject) => subject === teamNotice)).toHaveLength(1);
    const found = await stored(report.id);
    expect(found.events.filter((event) => event.type === "case.agreement_reminded")).toHaveLength(1);

    await later(t, { at: new Date(T0.getTime() + 40 * DAY) }, markus);
    const closing = await closeResolved(report.id);
    expect(closing.statusCode).toBe(409);
    expect((await stored(report.id)).state).toBe("fixed");
    // The reporter may still answer on their page after the reminder.
    expect((await openForm(t.app, `/r/${report.token}`)).html).toContain(
      `action="/r/${report.token}/agreement"`,
    );
  });

  it("a team member records an agreement given another way with a note, which opens the gate; a note missing is refused", async () => {
    const report = await fixedReport();
    const record = (note: string) => postCaseForm(markus, report.id, "agreement", { "agreement-note": note });

    const empty = await record("   ");
    expect(empty.statusCode).toBe(400);
    expect(textOf(empty.body)).toContain("Say how the agreement was given");
    const oversized = await record("x".repeat(2_001));
    expect(oversized.statusCode).toBe(400);
    expect(textOf(oversized.body)).toContain("A note can have at most 2000 characters.");
    expect((await closeResolved(report.id)).statusCode).toBe(409);

    const recorded = await record(NOTE);
    expect(recorded.statusCode).toBe(303);
    expect(recorded.headers.location).toBe(`/cases/${report.id}?notice=agreement`);
    const page = textOf((await markus.browser.get(`/cases/${report.id}`)).body);
    // The timeline shows who and why; the panel says it was given.
    expect(page).toContain(`${MARKUS} · Agreement recorded (given another way)`);
    expect(page).toContain(`How it was given: ${NOTE}`);
    expect(page).toContain(`Given by ${MARKUS}`);
    // The reporter does not see the note, and no longer waits to be asked.
    const reporterPage = await t.app.inject({ url: `/r/${report.token}` });
    expect(reporterPage.body).not.toContain("ACME");
    expect(reporterPage.body).not.toContain(`action="/r/${report.token}/agreement"`);

    // A second record: nothing is awaited any more.
    const again = await record("once more");
    expect(again.statusCode).toBe(409);
    expect(textOf(again.body)).toContain("The agreement was already given.");

    expect((await closeResolved(report.id)).statusCode).toBe(303);
    expect(await stored(report.id)).toMatchObject({ state: "closed", outcome: "resolved" });
    // No reminder once the agreement is recorded.
    t.clock.set(new Date(T0.getTime() + 30 * DAY));
    await jobs.drain();
    expect(subjects(REPORTER).some((subject) => subject.includes("does the fix resolve"))).toBe(false);
  });

  it("the reporter's yes opens the gate; a no keeps it closed and tells the team", async () => {
    const report = await fixedReport();
    const no = await answer(report.token, "no", "Still reproducible on 6.2.1.");
    expect(no.statusCode).toBe(303);
    await jobs.drain();
    const told = sink.to(MARKUS).map((mail) => mail.text);
    expect(told.join("\n")).toContain("The reporter did not agree that the fix resolves their report.");
    const refused = await closeResolved(report.id);
    expect(refused.statusCode).toBe(409);
    expect(textOf(refused.body)).toContain("the reporter did not agree that the fix resolves the report");
    expect(textOf((await markus.browser.get(`/cases/${report.id}`)).body)).toContain(
      "The reporter did not agree that the fix resolves the report.",
    );

    // The team works on the fix again; fixed once more, the reporter is asked again and agrees.
    expect((await move(report.id, { to: "in-progress" })).statusCode).toBe(303);
    expect((await move(report.id, { to: "fixed" })).statusCode).toBe(303);
    expect((await closeResolved(report.id)).statusCode).toBe(409);
    expect((await answer(report.token, "yes", "Fixed now.")).statusCode).toBe(303);
    expect(textOf((await markus.browser.get(`/cases/${report.id}`)).body)).toContain("Given by the reporter");
    expect((await closeResolved(report.id)).statusCode).toBe(303);
    expect((await stored(report.id)).outcome).toBe("resolved");
  });

  it("records the affected customer's agreement on an incident the team opened, through the staff API", async () => {
    const admin = await createStaff(t, { email: "admin@example.org", role: "admin", program: "rocketchat" });
    await markus.browser.get("/programs/rocketchat/incidents/new");
    const opened = await markus.browser.post("/programs/rocketchat/incidents", {
      title: "Messages leak between rooms",
      description: "A customer sees another room's messages after the 6.2 upgrade.",
      "source-tag": "customer-complaint",
      "background-links": "",
      asset: "rocketchat-cloud",
    });
    const id = /^\/cases\/([a-z0-9]+)\?notice=incident-opened$/.exec(String(opened.headers.location))?.[1];
    if (id === undefined) throw new Error(`open: ${opened.statusCode}`);
    const token = await createApiToken(admin, "rocketchat", "responder");
    const viewerToken = await createApiToken(admin, "rocketchat", "viewer");
    const post = (body: unknown, bearer = token) =>
      t.app.inject({
        method: "POST",
        url: `/api/v1/cases/${id}/agreement`,
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
        payload: JSON.stringify(body),
      });

    // Not fixed yet: nothing is awaited.
    const early = await post({ note: NOTE });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: "agreement_not_awaited" });

    await toFixed(id);
    expect((await closeResolved(id)).statusCode).toBe(409);
    const missing = await post({});
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: "invalid_request" });
    const blank = await post({ note: "  " });
    expect(blank.statusCode).toBe(400);
    expect(blank.json()).toMatchObject({ error: "invalid_request", fields: [{ field: "note" }] });
    expect((await post({ note: "x".repeat(2_001) })).statusCode).toBe(400);
    expect((await post({ note: NOTE, extra: true })).statusCode).toBe(400);
    expect((await post({ note: NOTE }, viewerToken)).statusCode).toBe(403);

    const recorded = await post({ note: NOTE });
    expect(recorded.statusCode).toBe(200);
    expect(recorded.json()).toEqual({ changed: true });
    const event = (await stored(id)).events.find((e) => e.type === "case.agreement_recorded");
    expect(event).toMatchObject({ reporterVisible: false, payload: { note: NOTE } });
    expect(event?.actor).toMatch(/^team:/);
    expect((await closeResolved(id)).statusCode).toBe(303);

    // The OpenAPI document describes the route and its body.
    const openapi = (await t.app.inject({ url: "/api/v1/openapi.json" })).json() as {
      paths: Record<string, { post?: { requestBody?: unknown } }>;
    };
    expect(openapi.paths["/api/v1/cases/{id}/agreement"]?.post?.requestBody).toBeDefined();
  });
});
