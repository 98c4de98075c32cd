import { describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { databases } from "../support/databases.js";
import { useJobsHarness } from "../support/jobs.js";
import type { SmtpSink } from "../support/smtp-sink.js";
import { createStaff } from "../support/staff.js";
import type { TestApp } from "../support/web.js";
import { createApiToken, fileReport, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Team groups (`team.groups`): Rocket.Chat's "assign it to the proper team". A case is assigned
 * to a group through the case page or the API, every view names the team, and what the assignee
 * hears reaches the group's members who have an account. The policy: Security engineering is
 * Markus, Rodrigo (cto@) and Lena, who has no account; Mobile apps is Rodrigo.
 */
const POLICIES = "test/fixtures/policies/groups";
const SECURITY = "group:security-engineering";

/** The triage form as the page sends it: every field, every time. */
const triage = (fields: Record<string, string>) => ({
  priority: "",
  "due-date": "",
  severity: "",
  cwe: "",
  asset: "",
  ...fields,
});

describe.each(databases)("team groups on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  useJobsHarness(
    database.open,
    (parts) => {
      ({ t, sink, jobs } = parts);
    },
    { policies: POLICIES },
  );

  /** Markus and Rodrigo (group members), Paula (a responder outside the group), Vera (a viewer). */
  async function team() {
    const markus = await createStaff(t, {
      email: "markus@example.org",
      role: "responder",
      program: "rocketchat",
    });
    const rodrigo = await createStaff(t, {
      email: "cto@example.org",
      role: "responder",
      program: "rocketchat",
    });
    const paula = await createStaff(t, { email: "paula@example.org", role: "admin", program: "rocketchat" });
    const vera = await createStaff(t, { email: "vera@example.org", role: "viewer", program: "rocketchat" });
    return { markus, rodrigo, paula, vera };
  }

  const api = (method: "GET" | "POST", url: string, token: string, body?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });

  const caseRow = (id: string) =>
    t.store.db.selectFrom("cases").select(["assignee"]).where("id", "=", id).executeTakeFirstOrThrow();
  const eventCount = async (id: string) =>
    (await t.store.db.selectFrom("case_events").select("seq").where("case_id", "=", id).execute()).length;

  it("assigns a case to a team through the form and the API; the page, the inbox and the API name the team", async () => {
    const { markus, paula } = await team();
    const report = await fileReport(t, "rocketchat");

    // The select offers the teams first, then the members.
    const before = (await markus.browser.get(`/cases/${report.id}`)).body;
    const select = /<select id="assignee"[\s\S]*?<\/select>/.exec(before)?.[0] ?? "";
    expect(select).toContain(`value="${SECURITY}"`);
    const teamAt = select.indexOf("Team: Security engineering");
    expect(teamAt).toBeGreaterThan(-1);
    expect(select.indexOf("Team: Mobile apps")).toBeGreaterThan(teamAt);
    expect(select.indexOf("markus@example.org")).toBeGreaterThan(select.indexOf("Team: Mobile apps"));

    const assigned = await postCaseForm(markus, report.id, "assign", { assignee: SECURITY });
    expect(assigned.statusCode).toBe(303);
    expect((await caseRow(report.id)).assignee).toBe(SECURITY);
    const event = await t.store.db
      .selectFrom("case_events")
      .select("type")
      .where("case_id", "=", report.id)
      .where("type", "=", "case.assigned")
      .execute();
    expect(event.length).toBe(2); // the default assignee at intake, then the team

    const page = textOf((await markus.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain("Team: Security engineering");
    expect(page).not.toContain(SECURITY);
    const selected = (await markus.browser.get(`/cases/${report.id}`)).body;
    expect(selected).toMatch(new RegExp(`<option value="${SECURITY}" selected`));

    const inboxPage = (await markus.browser.get("/inbox")).body;
    // The assignee filter offers the teams before the members.
    expect(inboxPage).toContain(
      `<option value="${SECURITY}">Team: Security engineering</option><option value="group:mobile">Team: Mobile apps</option>`,
    );
    const inbox = textOf(inboxPage);
    expect(inbox).toContain("Team: Security engineering");
    expect(inbox).not.toContain(SECURITY);
    const filtered = textOf((await markus.browser.get(`/inbox?assignee=${SECURITY}`)).body);
    expect(filtered).toContain("Stored XSS in the profile page");
    const otherTeam = textOf((await markus.browser.get("/inbox?assignee=group:mobile")).body);
    expect(otherTeam).not.toContain("Stored XSS in the profile page");

    const token = await createApiToken(paula, "rocketchat", "responder");
    const byApi = await api("POST", `/api/v1/cases/${report.id}/assignee`, token, { group: "mobile" });
    expect(byApi.statusCode).toBe(200);
    expect(byApi.json()).toEqual({ changed: true });
    expect((await caseRow(report.id)).assignee).toBe("group:mobile");
    const listed = await api("GET", "/api/v1/cases?assignee=group:mobile", token);
    expect(listed.statusCode).toBe(200);
    expect((listed.json() as { cases: unknown[] }).cases).toEqual([
      expect.objectContaining({ id: report.id, assignee: "group:mobile", assigneeName: "Team: Mobile apps" }),
    ]);
    const page2 = textOf((await markus.browser.get(`/cases/${report.id}`)).body);
    expect(page2).toContain("Team: Mobile apps");
    const detail = await api("GET", `/api/v1/cases/${report.id}`, token);
    expect(detail.json()).toMatchObject({ assignee: "group:mobile", assigneeName: "Team: Mobile apps" });
    // Back to a member: the API's userId as before.
    const markusId = (
      await t.store.db
        .selectFrom("users")
        .select("id")
        .where("email", "=", "markus@example.org")
        .executeTakeFirstOrThrow()
    ).id;
    const toMember = await api("POST", `/api/v1/cases/${report.id}/assignee`, token, { userId: markusId });
    expect(toMember.json()).toEqual({ changed: true });
    expect((await caseRow(report.id)).assignee).toBe(markusId);
  });

  it("mails a triage change by someone else to the team's members with accounts, not the one without", async () => {
    const { markus, paula } = await team();
    const report = await fileReport(t, "rocketchat");
    expect((await postCaseForm(markus, report.id, "assign", { assignee: SECURITY })).statusCode).toBe(303);
    await jobs.drain();
    // The assignment itself names the team, not "a team member".
    expect(
      sink
        .to("cto@example.org")
        .map((mail) => mail.text)
        .join("\n"),
    ).toContain("markus@example.org assigned the case to Team: Security engineering.");
    sink.mails.length = 0;

    const triaged = await postCaseForm(paula, report.id, "triage", triage({ priority: "high" }));
    expect(triaged.statusCode).toBe(303);
    await jobs.drain();

    const toMarkus = sink.to("markus@example.org");
    const toRodrigo = sink.to("cto@example.org");
    expect(toMarkus).toHaveLength(1);
    expect(toRodrigo).toHaveLength(1);
    for (const mail of [...toMarkus, ...toRodrigo]) expect(mail.text).toContain("paula@example.org");
    expect(sink.to("lena@example.org")).toEqual([]);
    expect(sink.to("paula@example.org")).toEqual([]);

    // A change by a member of the team reaches the other member only.
    sink.mails.length = 0;
    const byMarkus = await postCaseForm(markus, report.id, "triage", triage({ priority: "low" }));
    expect(byMarkus.statusCode).toBe(303);
    await jobs.drain();
    expect(sink.to("markus@example.org")).toEqual([]);
    expect(sink.to("cto@example.org")).toHaveLength(1);
    expect(sink.to("lena@example.org")).toEqual([]);
  });

  it("refuses an unknown team with 400 naming the field and writes nothing; a viewer cannot assign", async () => {
    const { markus, paula, vera } = await team();
    const report = await fileReport(t, "rocketchat");
    const assignee = (await caseRow(report.id)).assignee;
    const events = await eventCount(report.id);

    const byForm = await postCaseForm(markus, report.id, "assign", { assignee: "group:nope" });
    expect(byForm.statusCode).toBe(400);
    expect(textOf(byForm.body)).toContain(
      "Choose a member of the team who may work on this program's cases, or one of its teams.",
    );

    const token = await createApiToken(paula, "rocketchat", "responder");
    const byApi = await api("POST", `/api/v1/cases/${report.id}/assignee`, token, { group: "nope" });
    expect(byApi.statusCode).toBe(400);
    expect(byApi.json()).toMatchObject({ error: "invalid_request", fields: [{ field: "group" }] });
    const both = await api("POST", `/api/v1/cases/${report.id}/assignee`, token, {
      group: "mobile",
      userId: null,
    });
    expect(both.statusCode).toBe(400);
    expect((await caseRow(report.id)).assignee).toBe(assignee);
    expect(await eventCount(report.id)).toBe(events);

    const viewerForm = await postCaseForm(vera, report.id, "assign", { assignee: SECURITY });
    expect(viewerForm.statusCode).toBe(403);
    const viewerToken = await createApiToken(paula, "rocketchat", "viewer");
    const viewerApi = await api("POST", `/api/v1/cases/${report.id}/assignee`, viewerToken, {
      group: "mobile",
    });
    expect(viewerApi.statusCode).toBe(403);
    expect((await caseRow(report.id)).assignee).toBe(assignee);
    expect(await eventCount(report.id)).toBe(events);
  });
});
