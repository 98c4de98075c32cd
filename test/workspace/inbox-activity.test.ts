import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff, staffJson, userIdOf } from "../support/staff.js";
import { multipart, openForm, startTestApp, type TestApp } from "../support/web.js";
import { fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

/**
 * The inbox a team lives in (issue 15): a "New activity" mark on the cases the reporter did
 * something on since the member last opened them, saved views as plain links, one search line
 * with the other filters folded, and the case number and received date as columns.
 */
describe.each(databases)("the inbox's activity marks and saved views on $name", (database) => {
  let t: TestApp;
  let lead: CreatedStaff;
  beforeEach(async () => {
    t = await startTestApp(database.open);
    lead = await createStaff(t, { email: "lead@example.org", role: "responder" });
  });
  afterEach(async () => {
    await t.close();
  });

  /** The inbox row (its HTML) of a case. */
  const rowOf = (html: string, caseId: string) =>
    html.split(/<tr[\s>]/).find((part) => part.includes(`href="/cases/${caseId}"`)) ?? "";
  const marked = async (who: CreatedStaff, caseId: string) => {
    const page = await who.browser.get("/inbox");
    expect(page.statusCode).toBe(200);
    const row = rowOf(page.body, caseId);
    expect(row, "the case is listed").not.toBe("");
    return textOf(row).includes("New activity");
  };
  const titlesOn = (html: string) =>
    [...html.matchAll(/<a href="\/cases\/[a-z2-7]{16}">([^<]+)<\/a>/g)].map((m) => m[1]).sort();
  const reporterWrites = async (token: string, message: string) => {
    const form = await openForm(t.app, `/r/${token}`);
    const body = await multipart({ _csrf: form.csrf, message });
    const sent = await t.app.inject({
      method: "POST",
      url: `/r/${token}/messages`,
      headers: { ...body.headers, cookie: form.cookie },
      payload: body.payload,
    });
    expect(sent.statusCode).toBe(303);
  };

  it("marks a case the reporter wrote on until the member opens it; another member still sees the mark", async () => {
    const colleague = await createStaff(t, {
      email: "colleague@example.org",
      role: "viewer",
      program: "kitsu",
    });
    const report = await fileReport(t, "kitsu", { title: "Account takeover" });
    // A new report is news to everyone who has not opened it.
    expect(await marked(lead, report.id)).toBe(true);
    expect(await marked(colleague, report.id)).toBe(true);
    const row = rowOf((await lead.browser.get("/inbox")).body, report.id);
    expect(row).toContain('<span class="badge activity">New activity</span>');

    expect((await lead.browser.get(`/cases/${report.id}`)).statusCode).toBe(200);
    expect(await marked(lead, report.id)).toBe(false);
    expect(await marked(colleague, report.id)).toBe(true);

    // The team's own words are not news, to the one who wrote them or to anyone else.
    expect((await colleague.browser.get(`/cases/${report.id}`)).statusCode).toBe(200);
    expect((await postCaseForm(lead, report.id, "reply", { reply: "Thanks, looking." })).statusCode).toBe(
      303,
    );
    expect(await marked(lead, report.id)).toBe(false);
    expect(await marked(colleague, report.id)).toBe(false);

    // The reporter answers: marked for both, in the page and in the API, until each opens it.
    await reporterWrites(report.token, "Here is a second proof of concept.");
    expect(await marked(lead, report.id)).toBe(true);
    expect(await marked(colleague, report.id)).toBe(true);
    const api = await staffJson(t, lead, "GET", "/api/v1/cases");
    expect((api.json() as { cases: { id: string; newActivity: boolean }[] }).cases).toContainEqual(
      expect.objectContaining({ id: report.id, newActivity: true }),
    );
    await lead.browser.get(`/cases/${report.id}`);
    expect(await marked(lead, report.id)).toBe(false);
    expect(await marked(colleague, report.id)).toBe(true);
    const after = await staffJson(t, lead, "GET", "/api/v1/cases");
    expect((after.json() as { cases: { id: string; newActivity: boolean }[] }).cases).toContainEqual(
      expect.objectContaining({ id: report.id, newActivity: false }),
    );
  });

  it("records no reading of a case that is not there or not the member's to see", async () => {
    const report = await fileReport(t, "privacytools", { title: "Open redirect" });
    const outsider = await createStaff(t, {
      email: "kitsu@example.org",
      role: "responder",
      program: "kitsu",
    });
    expect((await outsider.browser.get(`/cases/${report.id}`)).statusCode).toBe(404);
    expect((await lead.browser.get("/cases/aaaaaaaaaaaaaaaa")).statusCode).toBe(404);
    expect((await lead.browser.get(`/cases/${"x".repeat(65)}`)).statusCode).toBe(400);
    expect(await t.store.db.selectFrom("case_reads").selectAll().execute()).toEqual([]);
    expect(await marked(lead, report.id)).toBe(true);
  });

  it("offers the saved views Mine, Overdue and New as plain links, marking the one shown", async () => {
    const mine = await fileReport(t, "kitsu", { title: "Kitsu password reset flaw" });
    const triaged = await fileReport(t, "privacytools", { title: "SQL injection in search" });
    await fileReport(t, "rocketchat", { title: "Rocket.Chat message leak" });
    expect(
      (await postCaseForm(lead, mine.id, "assign", { assignee: await userIdOf(t, lead) })).statusCode,
    ).toBe(303);
    expect((await postCaseForm(lead, triaged.id, "transition", { to: "triaged" })).statusCode).toBe(303);

    const views = async (url: string) => {
      const page = await lead.browser.get(url);
      expect(page.statusCode).toBe(200);
      const nav =
        /<nav class="saved-views" aria-label="Saved views">([\s\S]*?)<\/nav>/.exec(page.body)?.[1] ?? "";
      const links = [...nav.matchAll(/<a href="([^"]+)"[^>]*?(aria-current="page")?>([^<]+)<\/a>/g)];
      return {
        links: links.map((m) => [m[3], m[1]?.replaceAll("&amp;", "&")]),
        current: links.filter((m) => m[2] !== undefined).map((m) => m[3]),
        titles: titlesOn(page.body),
      };
    };
    const all = await views("/inbox");
    expect(all.links).toEqual([
      ["All open", "/inbox"],
      ["Mine", "/inbox?assignee=me"],
      ["Overdue", "/inbox?overdue=yes"],
      ["New", "/inbox?state=new"],
    ]);
    expect(all.current).toEqual(["All open"]);
    expect(await views("/inbox?assignee=me")).toMatchObject({
      current: ["Mine"],
      titles: ["Kitsu password reset flaw"],
    });
    expect(await views("/inbox?state=new")).toMatchObject({
      current: ["New"],
      titles: ["Kitsu password reset flaw", "Rocket.Chat message leak"],
    });
    expect(await views("/inbox?overdue=yes")).toMatchObject({ current: ["Overdue"], titles: [] });
    // Two days on, Kitsu's and privacytools' acknowledgements are overdue; Rocket.Chat promises none.
    await later(t, { hours: 49 }, lead);
    expect(await views("/inbox?overdue=yes")).toMatchObject({
      current: ["Overdue"],
      titles: ["Kitsu password reset flaw", "SQL injection in search"],
    });
    // A view narrowed further is no longer that view.
    expect((await views("/inbox?assignee=me&severity=high")).current).toEqual([]);
  });

  it("keeps the filters to one search line, folds the rest, and shows each case's number and received date", async () => {
    const report = await fileReport(t, "kitsu", { title: "Kitsu password reset flaw" });
    const page = await lead.browser.get("/inbox");
    const form = /<form method="get" action="\/inbox"[\s\S]*?<\/form>/.exec(page.body)?.[0] ?? "";
    const [line = "", folded = ""] = form.split('<details class="more-filters">');
    expect(line).toContain('<input type="search" id="q" name="q"');
    expect(line).toContain('<button type="submit">Search</button>');
    expect(line).not.toContain("<select");
    for (const id of ["program", "state", "severity", "assignee", "asset", "source", "overdue"]) {
      expect(folded).toContain(`<select id="${id}" name="${id}">`);
    }
    expect(textOf(folded)).toContain("More filters Program");
    // The count of folded filters in use says why the list is narrower.
    const filtered = await lead.browser.get("/inbox?assignee=me&severity=high&q=flaw");
    expect(textOf(filtered.body)).toContain("More filters (2 in use)");

    const headers = [...page.body.matchAll(/<th scope="col">([^<]+)<\/th>/g)].map((m) => m[1]);
    expect(headers.slice(0, 4)).toEqual(["Case", "Title", "Received", "Program"]);
    expect(textOf(rowOf(page.body, report.id))).toMatch(
      /^\s*KITSU-1 Kitsu password reset flaw New activity 2026-11-25 10:00 UTC Kitsu /,
    );
  });
});
