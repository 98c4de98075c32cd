import type { LightMyRequestResponse } from "fastify";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { jobsFor } from "../support/jobs.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { createApiToken, fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Incidents the team opens itself (`incident.register`), through the "New incident" page and
 * POST /api/v1/programs/{program}/incidents: a case with source `staff`, no reporter, the
 * register's default assignee, clocks and gates; background links on every case of such a
 * program; and `followers: false`. Rocket.Chat's register is test/fixtures/policies/register's;
 * the other registers are in test/fixtures/policies/staff-incidents.
 */
const T0 = new Date("2026-12-07T10:00:00Z"); // a Monday
const LINKS = ["https://support.example.org/tickets/42", "http://alerts.example.org/a?id=7"];
const LINKS_EVENT = "case.background_links_changed";
const SOURCE_TAGS = ["hackerone", "alert", "issue", "customer-complaint", "support-ticket"];
const REPORTER_LINK = /\/r\/[A-Za-z0-9_-]{43}/;

const userId = async (t: TestApp, email: string) =>
  (await t.store.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;
const stored = async (t: TestApp, id: string) => {
  const found = await getCaseForStaff(t.store, t.keyring, id);
  if (found === undefined) throw new Error("no case");
  return found;
};
const caseCount = async (t: TestApp) => (await t.store.db.selectFrom("cases").select("id").execute()).length;
const api = (t: TestApp, token: string, url: string, body: unknown) =>
  t.app.inject({
    method: "POST",
    url,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    payload: JSON.stringify(body),
  });
/** The "New incident" form as the page sends it: every field, every time. */
const incidentForm = (fields: Record<string, string> = {}) => ({
  title: "Messages leak between rooms",
  description: "A customer sees another room's messages after the 6.2 upgrade.",
  "source-tag": "customer-complaint",
  "background-links": LINKS.join("\r\n"),
  asset: "rocketchat-cloud",
  ...fields,
});
async function postIncidentForm(staff: CreatedStaff, program: string, fields: Record<string, string>) {
  await staff.browser.get(`/programs/${program}/incidents/new`);
  return staff.browser.post(`/programs/${program}/incidents`, fields);
}
const createdCase = (response: LightMyRequestResponse) => {
  const id = /^\/cases\/([a-z0-9]+)\?notice=incident-opened$/.exec(String(response.headers.location))?.[1];
  if (response.statusCode !== 303 || id === undefined) throw new Error(`open: ${response.statusCode}`);
  return id;
};

describe.each(databases)("incidents the team opens, under Rocket.Chat's register, on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner | undefined;
  let markus: CreatedStaff;
  let admin: CreatedStaff;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(async () => {
    sink.mails.length = 0;
    t = await startTestApp(database.open, {}, { policies: "test/fixtures/policies/register" });
    t.clock.set(T0);
    markus = await createStaff(t, { email: "markus@example.org", role: "responder", program: "rocketchat" });
    admin = await createStaff(t, { email: "admin@example.org", role: "admin", program: "rocketchat" });
  });
  afterEach(async () => {
    await jobs?.stop();
    jobs = undefined;
    await t.close();
  });
  const addLink = (id: string, url: string) =>
    postCaseForm(markus, id, "background-links", { action: "add", url });

  it("opens an incident from the form with a source tag, two links and an asset, for the default assignee, with no reporter", async () => {
    jobs = jobsFor(t, sink.url);
    const inbox = await markus.browser.get("/inbox");
    expect(inbox.body).toContain(
      '<a href="/programs/rocketchat/incidents/new">New incident in Rocket.Chat</a>',
    );
    expect((await markus.browser.get("/incidents/new")).body).toContain(
      'href="/programs/rocketchat/incidents/new"',
    );
    const form = await markus.browser.get("/programs/rocketchat/incidents/new");
    expect(form.statusCode).toBe(200);
    for (const tag of SOURCE_TAGS) expect(form.body).toContain(`<option value="${tag}">`);
    expect(form.body).toContain('name="background-links"');
    expect(form.body).toContain('<option value="rocketchat-cloud">');

    // Opened by the admin: the case still goes to the register's default assignee.
    await admin.browser.get("/programs/rocketchat/incidents/new");
    const id = createdCase(await admin.browser.post("/programs/rocketchat/incidents", incidentForm()));
    const found = await stored(t, id);
    const adminId = await userId(t, "admin@example.org");
    expect(found).toMatchObject({
      program: "rocketchat",
      source: "web",
      openedBy: adminId,
      state: "new",
      assetId: "rocketchat-cloud",
      assignee: await userId(t, "markus@example.org"),
      tags: ["customer-complaint"],
      contact: {},
      report: { title: "Messages leak between rooms" },
    });
    expect(found.report.fields.description).toContain("another room's messages");
    const adminActor = `team:${adminId}`;
    expect(found.events.map((event) => [event.type, event.actor])).toEqual([
      ["case.received", adminActor],
      ["case.assigned", "system"],
      ["case.triage_updated", adminActor],
      [LINKS_EVENT, adminActor],
    ]);
    expect(found.events[0]!.payload).toMatchObject({ source: "web" });

    const page = await markus.browser.get(`/cases/${id}?notice=incident-opened`);
    expect(textOf(page.body)).toContain("Incident opened. It has no reporter");
    expect(textOf(page.body)).toContain("A customer sees another room's messages after the 6.2 upgrade.");
    for (const url of LINKS) expect(page.body).toContain(`<a href="${url}" rel="noopener noreferrer"`);
    expect(page.body).not.toMatch(REPORTER_LINK);
    // The triage form offers the register's source tags; the incident's is the one checked.
    const sourceTags = [
      ...page.body.matchAll(
        /<input type="checkbox" id="source-tag-[^"]+" name="source-tag" value="([^"]+)"( checked)?/g,
      ),
    ];
    expect(sourceTags.map((match) => match[1])).toEqual(SOURCE_TAGS);
    expect(sourceTags.filter((match) => match[2] !== undefined).map((match) => match[1])).toEqual([
      "customer-complaint",
    ]);
    // In the inbox, also under its own source.
    for (const url of ["/inbox", "/inbox?source=staff"])
      expect(textOf((await markus.browser.get(url)).body)).toContain("Messages leak between rooms");
    // It came through the staff form, but is no report that came through the web form.
    expect(textOf((await markus.browser.get("/inbox?source=web")).body)).not.toContain(
      "Messages leak between rooms",
    );

    // Work that would tell a reporter tells nobody: there is none.
    expect((await postCaseForm(markus, id, "acknowledge", {})).statusCode).toBe(303);
    expect((await postCaseForm(markus, id, "transition", { to: "triaged" })).statusCode).toBe(303);
    await jobs.drain();
    expect(sink.mails.length).toBeGreaterThan(0);
    const team = new Set(["markus@example.org", "admin@example.org", "cto@example.org"]);
    expect(sink.mails.flatMap((mail) => mail.to).filter((to) => !team.has(to.toLowerCase()))).toEqual([]);
    expect(sink.mails.some((mail) => REPORTER_LINK.test(mail.text))).toBe(false);
  });

  it("opens an incident through the API with a responder's token, and refuses a viewer's", async () => {
    const responderToken = await createApiToken(admin, "rocketchat", "responder");
    const viewerToken = await createApiToken(admin, "rocketchat", "viewer");
    const body = {
      title: "Alert: login failures from one network",
      description: "The SIEM alert fired at 09:12 UTC.",
      sourceTag: "alert",
      backgroundLinks: LINKS,
      asset: "rocketchat-product",
    };
    const created = await api(t, responderToken, "/api/v1/programs/rocketchat/incidents", body);
    expect(created.statusCode).toBe(201);
    const answer = created.json() as Record<string, string>;
    expect(Object.keys(answer).sort()).toEqual(["id", "url"]);
    expect(answer.url).toBe(`https://security.example.org/cases/${answer.id}`);
    const found = await stored(t, answer.id ?? "");
    expect(found).toMatchObject({ source: "api", assetId: "rocketchat-product", tags: ["alert"] });
    expect(found.openedBy).not.toBeNull();
    expect(found.assignee).toBe(await userId(t, "markus@example.org"));
    expect(found.events.find((event) => event.type === LINKS_EVENT)?.payload).toEqual({
      added: LINKS,
      removed: [],
      links: LINKS,
    });
    const listed = await t.app.inject({
      method: "GET",
      url: "/api/v1/cases?source=staff",
      headers: { authorization: `Bearer ${viewerToken}` },
    });
    expect(listed.json().cases.map((row: { id: string }) => row.id)).toEqual([answer.id]);
    const doc = (await t.app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json();
    expect(doc.paths["/api/v1/programs/{program}/incidents"]?.post?.security).toEqual([{ bearerAuth: [] }]);

    const before = await caseCount(t);
    const refused = await api(t, viewerToken, "/api/v1/programs/rocketchat/incidents", body);
    expect(refused.statusCode).toBe(403);
    const viewer = await createStaff(t, {
      email: "viewer@example.org",
      role: "viewer",
      program: "rocketchat",
    });
    expect((await viewer.browser.get("/programs/rocketchat/incidents/new")).statusCode).toBe(403);
    await viewer.browser.get("/inbox");
    expect((await viewer.browser.post("/programs/rocketchat/incidents", incidentForm())).statusCode).toBe(
      403,
    );
    expect(textOf((await viewer.browser.get("/incidents/new")).body)).toContain("None of the programs");
    expect((await api(t, responderToken, "/api/v1/programs/nosuch/incidents", body)).statusCode).toBe(404);
    expect(await caseCount(t)).toBe(before);
  });

  it("holds an opened incident to the register: no leaving triage without a due date, and the due date's clock", async () => {
    jobs = jobsFor(t, sink.url);
    const id = createdCase(await postIncidentForm(markus, "rocketchat", incidentForm()));
    const move = (to: string) => postCaseForm(markus, id, "transition", { to });
    expect((await move("triaged")).statusCode).toBe(303);
    const refused = await move("in-progress");
    expect(refused.statusCode).toBe(409);
    expect(textOf(refused.body)).toContain("This program requires a due date before a case leaves triage");
    expect(textOf((await markus.browser.get(`/cases/${id}`)).body)).toContain(
      "Due date: required before the case leaves triage; not set yet.",
    );
    const dated = await postCaseForm(markus, id, "triage", {
      priority: "high",
      "due-date": "2026-12-09",
      severity: "",
      cwe: "",
      asset: "rocketchat-cloud",
      "source-tag": "customer-complaint",
      tags: "",
    });
    expect(dated.statusCode).toBe(303);
    expect((await move("in-progress")).statusCode).toBe(303);
    // The due date passes: its clock tells the assignee, as for any case.
    const dueMails = () => sink.to("markus@example.org").filter((mail) => /Due date/.test(mail.text));
    await jobs.drain();
    expect(dueMails()).toHaveLength(0);
    await later(t, { at: new Date("2026-12-10T01:00:00Z") }, markus);
    await jobs.drain();
    expect(dueMails().length).toBeGreaterThan(0);
    const fixed = await move("fixed");
    expect(fixed.statusCode).toBe(409);
    expect(textOf(fixed.body)).toContain("Before a case is fixed, this program requires: implementation");
  });

  it("refuses a wrong source tag, an unknown asset, huge fields and bad links, and writes nothing", async () => {
    const token = await createApiToken(admin, "rocketchat", "responder");
    const before = await caseCount(t);
    const attempts: [Record<string, string>, string, string][] = [
      [{ "source-tag": "" }, "source-tag", "Choose where the incident comes from"],
      [{ "source-tag": "pentest" }, "source-tag", "Not one of this program's source tags"],
      [{ asset: "../../etc/passwd" }, "asset", "Not one of this program's in-scope assets"],
      [{ title: "   " }, "title", "Give the incident a short title"],
      [{ title: "x".repeat(201) }, "title", "at most 200 characters"],
      [{ description: "x".repeat(100_001) }, "description", "at most 100,000 characters"],
      [{ "background-links": "javascript:alert(1)" }, "background-links", "starting with https://"],
      [
        { "background-links": Array.from({ length: 21 }, (_, i) => `https://e.example/${i}`).join("\n") },
        "background-links",
        "At most 20 background links",
      ],
    ];
    for (const [fields, field, message] of attempts) {
      const response = await postIncidentForm(markus, "rocketchat", incidentForm(fields));
      expect(response.statusCode, JSON.stringify(fields).slice(0, 80)).toBe(400);
      expect(response.body).toContain(`<p class="error" id="${field}-error">`);
      expect(textOf(response.body)).toContain(message);
    }
    // What was typed comes back, escaped.
    const typed = await postIncidentForm(
      markus,
      "rocketchat",
      incidentForm({ title: "<b>x</b>", asset: "no" }),
    );
    expect(typed.body).toContain('value="&lt;b>x&lt;/b>"');

    const url = "/api/v1/programs/rocketchat/incidents";
    const valid = { title: "T", description: "D", sourceTag: "alert" };
    for (const [body, status] of [
      [{ ...valid, sourceTag: "pentest" }, 400],
      [{ ...valid, asset: "nosuch" }, 400],
      [{ ...valid, backgroundLinks: ["data:text/html,<script>alert(1)</script>"] }, 400],
      [{ ...valid, backgroundLinks: ["https://user:secret@example.org/"] }, 400],
      [{ ...valid, reporter: { email: "x@example.org" } }, 400],
      [{ ...valid, title: 42 }, 400],
      [{ ...valid, description: "x".repeat(3 * 1024 * 1024) }, 413],
    ] as const) {
      expect((await api(t, token, url, body)).statusCode, JSON.stringify(body).slice(0, 80)).toBe(status);
    }
    const named = await api(t, token, url, { ...valid, sourceTag: "", asset: "nosuch" });
    expect(named.json()).toMatchObject({
      error: "invalid_incident",
      fields: [
        { field: "sourceTag", message: expect.stringContaining("Choose where") },
        { field: "asset", message: expect.stringContaining("in-scope") },
      ],
    });
    // Without the form's CSRF token, or with another one: refused before anything is read.
    await markus.browser.get("/programs/rocketchat/incidents/new");
    for (const csrf of [undefined, "forged"]) {
      const fields = new URLSearchParams({
        ...incidentForm(),
        ...(csrf === undefined ? {} : { _csrf: csrf }),
      });
      const response = await t.app.inject({
        method: "POST",
        url: "/programs/rocketchat/incidents",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: markus.browser.cookieHeader(),
        },
        payload: fields.toString(),
      });
      expect(response.statusCode).toBe(403);
    }
    // A browser session must send JSON to the API (no cross-site form posts).
    const asForm = await t.app.inject({
      method: "POST",
      url,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: markus.browser.cookieHeader() },
      payload: "title=T&description=D&sourceTag=alert",
    });
    expect(asForm.statusCode).toBe(415);
    expect(await caseCount(t)).toBe(before);
  });

  it("adds and removes background links on any case of the program, one internal event each", async () => {
    const report = await fileReport(t, "rocketchat");
    const added = await addLink(report.id, "https://support.example.org/tickets/42");
    expect(added.headers.location).toBe(`/cases/${report.id}?notice=background-links`);
    expect((await addLink(report.id, "HTTP://Alerts.Example.org/a?id=7")).statusCode).toBe(303);
    // The same link again changes nothing.
    const again = await addLink(report.id, "https://support.example.org/tickets/42");
    expect(again.headers.location).toBe(`/cases/${report.id}?notice=unchanged`);
    let page = await markus.browser.get(`/cases/${report.id}`);
    expect(page.body).toContain('<a href="http://alerts.example.org/a?id=7" rel="noopener noreferrer"');
    const removed = await postCaseForm(markus, report.id, "background-links", {
      action: "remove",
      url: "https://support.example.org/tickets/42",
    });
    expect(removed.headers.location).toBe(`/cases/${report.id}?notice=background-links`);
    page = await markus.browser.get(`/cases/${report.id}`);
    expect(page.body).not.toContain("tickets/42");

    const events = (await stored(t, report.id)).events.filter((event) => event.type === LINKS_EVENT);
    expect(events.map((event) => event.payload)).toEqual([
      {
        added: ["https://support.example.org/tickets/42"],
        removed: [],
        links: ["https://support.example.org/tickets/42"],
      },
      {
        added: ["http://alerts.example.org/a?id=7"],
        removed: [],
        links: ["https://support.example.org/tickets/42", "http://alerts.example.org/a?id=7"],
      },
      {
        added: [],
        removed: ["https://support.example.org/tickets/42"],
        links: ["http://alerts.example.org/a?id=7"],
      },
    ]);
    expect(events.every((event) => !event.reporterVisible && event.actor.startsWith("team:"))).toBe(true);
    // Encrypted in the event payload: the database never holds the address in clear.
    const raw = await t.store.db
      .selectFrom("case_events")
      .select("payload_ct")
      .where("type", "=", LINKS_EVENT)
      .execute();
    expect(raw.map((row) => row.payload_ct).join("\n")).not.toContain("alerts.example.org");
    // The reporter does not see them; a viewer sees them but has no form.
    expect((await t.app.inject({ method: "GET", url: `/r/${report.token}` })).body).not.toContain(
      "alerts.example.org",
    );
    const viewer = await createStaff(t, {
      email: "viewer@example.org",
      role: "viewer",
      program: "rocketchat",
    });
    const viewed = await viewer.browser.get(`/cases/${report.id}`);
    expect(viewed.body).toContain("http://alerts.example.org/a?id=7");
    expect(viewed.body).not.toContain("/background-links");
  });

  it("refuses javascript:, data: and other links that are not web addresses, and a 21st link", async () => {
    const report = await fileReport(t, "rocketchat");
    const events = async () => (await stored(t, report.id)).events.length;
    const before = await events();
    for (const url of [
      "javascript:alert(1)",
      " JaVaScRiPt:alert(document.cookie)",
      "javascript://example.org/%0Aalert(1)",
      "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
      "vbscript:msgbox(1)",
      "file:///etc/passwd",
      "ftp://example.org/",
      "//example.org/",
      "https://",
      "https://exa mple.org/",
      "https://example.org/\u0000",
      "https://user:secret@example.org/",
      `https://example.org/${"a".repeat(2_000)}`,
      "",
    ]) {
      const refused = await addLink(report.id, url);
      expect(refused.statusCode, url.slice(0, 60)).toBe(400);
      expect(refused.body).toContain('<p class="error" id="background-link-error">');
    }
    const unknown = await postCaseForm(markus, report.id, "background-links", {
      action: "replace",
      url: "https://e.example/",
    });
    expect(unknown.statusCode).toBe(400);
    expect(await events()).toBe(before);

    for (let i = 0; i < 20; i += 1)
      expect((await addLink(report.id, `https://e.example/${i}`)).statusCode).toBe(303);
    const twentyFirst = await addLink(report.id, "https://e.example/20");
    expect(twentyFirst.statusCode).toBe(400);
    expect(textOf(twentyFirst.body)).toContain("A case has at most 20 background links: remove one first");
    expect(await events()).toBe(before + 20);
  });

  it("escapes links and typed text where it renders them", async () => {
    const token = await createApiToken(admin, "rocketchat", "responder");
    const created = await api(t, token, "/api/v1/programs/rocketchat/incidents", {
      title: '<img src=x onerror="alert(1)">',
      description: "</pre><script>alert(2)</script>",
      sourceTag: "issue",
      backgroundLinks: ["https://example.org/?q=\"><script>alert(3)</script>#'onmouseover=alert(4)"],
    });
    expect(created.statusCode).toBe(201);
    const page = (await markus.browser.get(`/cases/${created.json().id}`)).body;
    expect(page).not.toMatch(/<script>alert|<img src=x/);
    expect(page).toContain("&lt;img src=x onerror=");
    expect(page).toContain(
      '<a href="https://example.org/?q=%22%3E%3Cscript%3Ealert(3)%3C/script%3E#\'onmouseover=alert(4)" rel="noopener noreferrer"',
    );
  });
});

describe.each(databases)("incidents and followers under other registers on $name", (database) => {
  let t: TestApp;
  let lead: CreatedStaff;
  let plainLead: CreatedStaff;
  beforeEach(async () => {
    t = await startTestApp(database.open, {}, { policies: "test/fixtures/policies/staff-incidents" });
    t.clock.set(T0);
    lead = await createStaff(t, { email: "lead@quiet.example", role: "responder", program: "quiet" });
    plainLead = await createStaff(t, { email: "lead@plain.example", role: "admin", program: "plain" });
  });
  afterEach(async () => {
    await t.close();
  });

  it("refuses following where the register has no followers, and shows no follow button", async () => {
    const report = await fileReport(t, "quiet", { fields: { summary: "A bug." } });
    const page = await lead.browser.get(`/cases/${report.id}`);
    expect(page.body).not.toContain(`/cases/${report.id}/follow"`);
    expect(textOf(page.body)).toContain("This program's cases have no followers");
    for (const action of ["follow", "unfollow"]) {
      const refused = await postCaseForm(lead, report.id, action, {});
      expect(refused.statusCode).toBe(409);
      expect(textOf(refused.body)).toContain(
        "This program's cases have no followers: its policy turns following off.",
      );
    }
    const found = await stored(t, report.id);
    expect(found.followers).toEqual([]);
    expect(found.events.some((event) => event.type === "case.followed")).toBe(false);
    // A program without a register keeps its followers.
    const plain = await fileReport(t, "plain", { fields: { description: "A bug." } });
    expect((await postCaseForm(plainLead, plain.id, "follow", {})).headers.location).toBe(
      `/cases/${plain.id}?notice=followed`,
    );
  });

  it("opens no incident where there is no register, and keeps a register's choices of tags and links", async () => {
    const token = await createApiToken(plainLead, "plain", "admin");
    expect((await plainLead.browser.get("/programs/plain/incidents/new")).statusCode).toBe(404);
    await plainLead.browser.get("/inbox");
    expect(
      (await plainLead.browser.post("/programs/plain/incidents", { title: "T", description: "D" }))
        .statusCode,
    ).toBe(404);
    const body = { title: "T", description: "D" };
    expect((await api(t, token, "/api/v1/programs/plain/incidents", body)).statusCode).toBe(404);
    // Another program's register is not the member's: not found either.
    expect((await plainLead.browser.get("/programs/quiet/incidents/new")).statusCode).toBe(404);
    expect(await caseCount(t)).toBe(0);

    const withTag = await postIncidentForm(lead, "quiet", {
      title: "T",
      description: "D",
      "source-tag": "alert",
    });
    expect(withTag.statusCode).toBe(400);
    expect(textOf(withTag.body)).toContain("This program has no source tags.");
    const withLinks = await postIncidentForm(lead, "quiet", {
      title: "T",
      description: "D",
      "background-links": LINKS[0]!,
    });
    expect(withLinks.statusCode).toBe(400);
    expect(textOf(withLinks.body)).toContain("This program keeps no background links.");
    const form = (await lead.browser.get("/programs/quiet/incidents/new")).body;
    expect(form).not.toContain('name="source-tag"');
    expect(form).not.toContain('name="background-links"');

    const id = createdCase(
      await postIncidentForm(lead, "quiet", { title: "T", description: "D", asset: "" }),
    );
    const found = await stored(t, id);
    expect(found).toMatchObject({ source: "web", tags: [], assetId: null });
    expect(found.openedBy).toBe(await userId(t, "lead@quiet.example"));
    expect(found.assignee).toBe(await userId(t, "lead@quiet.example"));
    const links = await postCaseForm(lead, id, "background-links", { action: "add", url: LINKS[0]! });
    expect(links.statusCode).toBe(400);
    expect(textOf(links.body)).toContain("This program keeps no background links.");
  });
});
