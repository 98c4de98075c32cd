import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { openForm, startTestApp, type TestApp, tokenFrom } from "../support/web.js";
import { type FiledReport, fileReport, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Credit as the policy promises it (`recognition.credit`), through HTTP as reporters, the team and
 * strangers use it: Kafe credits in its source repository, only the first reporter of an issue, and
 * only once a change followed (`requiresChange`); the reporter changes their choice from their
 * page until publication; the hall of fame security.txt names lists the credited reporters of
 * published issues; Rocket.Chat's HackerOne and WhiteHat list are marked done by the team.
 */
const T0 = new Date("2026-12-02T10:00:00Z");
const KAFE_FIELDS = { "location-impact": "The admin page.", steps: "Open it." };

describe.each(databases)("credit on $name", (database) => {
  let t: TestApp;
  let lead: CreatedStaff;
  beforeEach(async () => {
    t = await startTestApp(database.open);
    t.clock.set(T0);
    lead = await createStaff(t, { email: "lead@kafe.example", role: "admin" });
  });
  afterEach(async () => {
    await t.close();
  });

  const kafeReport = (title: string, name: string, link?: string): Promise<FiledReport> =>
    fileReport(t, "kafe", {
      title,
      fields: { ...KAFE_FIELDS, "credit-name": name, ...(link === undefined ? {} : { "credit-link": link }) },
    });
  const move = async (id: string, ...states: string[]) => {
    for (const to of states) {
      const moved = await postCaseForm(lead, id, "transition", { to });
      expect(moved.statusCode, `${to}: ${textOf(moved.body).slice(0, 300)}`).toBe(303);
    }
  };
  /** The hall of fame, past its 30-second cache. */
  const hallOfFame = async (program = "kafe") => {
    t.clock.set(new Date(t.clock.now().getTime() + 31_000));
    return t.app.inject({ url: `/p/${program}/hall-of-fame` });
  };
  const reporterPage = async (token: string) => textOf((await t.app.inject({ url: `/r/${token}` })).body);
  const changeCredit = async (token: string, fields: Record<string, string>) => {
    const form = await openForm(t.app, `/r/${token}`);
    return t.app.inject({
      method: "POST",
      url: `/r/${token}/credit`,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
      payload: new URLSearchParams({ _csrf: form.csrf, ...fields }).toString(),
    });
  };
  const stored = async (id: string) => {
    const found = await getCaseForStaff(t.store, t.keyring, id);
    if (found === undefined) throw new Error("no case");
    return found;
  };

  it("credits a Kafe reporter only after the fix, and lists them in the hall of fame once disclosed", async () => {
    const report = await kafeReport(
      "Secret: RCE in the deploy recipe",
      "Ada Lovelace",
      "https://ada.example",
    );
    // security.txt names the hall of fame: Kafe promises credit and names no other page.
    const securityTxt = await t.app.inject({ url: "/p/kafe/security.txt" });
    expect(securityTxt.body).toContain("Acknowledgments: https://security.example.org/p/kafe/hall-of-fame\n");

    const before = await reporterPage(report.token);
    expect(before).toContain("How you are credited");
    expect(before).toContain("As the name “Ada Lovelace”, linked to https://ada.example/.");
    expect(before).toContain("Credit follows once a change is made because of the report.");
    expect(before).toContain("Kafe source repository (the acknowledgments of the source repository)");
    const staffBefore = textOf((await lead.browser.get(`/cases/${report.id}`)).body);
    expect(staffBefore).toContain(
      "By the policy's rules Credit follows once a change is made because of the report. Published not yet",
    );
    expect(staffBefore).toContain(
      "Kafe source repository ( https://github.com/libkafe/kafe ): the acknowledgments snippet",
    );

    await move(report.id, "triaged", "in-progress");
    expect(textOf((await hallOfFame()).body)).toContain("Nobody is listed yet.");
    await move(report.id, "fixed");
    expect(await reporterPage(report.token)).not.toContain("Credit follows once a change is made");
    // Fixed but not published: still nobody in the hall of fame.
    expect(textOf((await hallOfFame()).body)).toContain("Nobody is listed yet.");
    const staffFixed = textOf((await lead.browser.get(`/cases/${report.id}`)).body);
    expect(staffFixed).toContain("Credited as Ada Lovelace (name) · https://ada.example/");
    expect(staffFixed).toContain("- [Ada Lovelace](https://ada.example/)");

    const cve = await postCaseForm(lead, report.id, "identifiers", {
      "cve-id": "CVE-2026-41234",
      aliases: "",
    });
    expect(cve.statusCode).toBe(303);
    await move(report.id, "disclosed");
    const hall = await hallOfFame();
    expect(hall.statusCode).toBe(200);
    expect(hall.body).toContain(
      '<a href="https://ada.example/" rel="nofollow ugc noopener">Ada Lovelace</a>',
    );
    expect(textOf(hall.body)).toContain("Ada Lovelace · December 2026 · CVE-2026-41234");
    expect(hall.body).not.toContain(report.id);
    expect(hall.body).not.toContain("Secret");

    // Published: the reporter's choice is fixed.
    const after = await openForm(t.app, `/r/${report.token}`);
    expect(textOf(after.html)).toContain(
      "The issue is published with this credit: it can no longer be changed.",
    );
    expect(after.html).not.toContain(`action="/r/${report.token}/credit"`);
    const refused = await changeCredit(report.token, { mode: "anonymous", name: "", link: "" });
    expect(refused.statusCode).toBe(409);
    expect(textOf(refused.body)).toContain(
      "Your credit can no longer be changed: the issue has been published with it. Write to the team if something is wrong.",
    );
    expect((await stored(report.id)).events.map((e) => e.type)).not.toContain("reporter.credit_changed");
    expect(textOf((await lead.browser.get(`/cases/${report.id}`)).body)).toContain(
      "Published yes, December 2026: the reporter's choice is fixed",
    );
  });

  it("does not credit a Kafe duplicate; its original keeps the credit", async () => {
    const original = await kafeReport("Original report", "Ada Lovelace");
    const duplicate = await kafeReport("Same issue again", "Brian Duplicate");
    const closed = await postCaseForm(lead, duplicate.id, "transition", {
      to: "closed",
      outcome: "duplicate",
      "duplicate-of": original.id,
    });
    expect(closed.statusCode).toBe(303);
    const duplicatePage = await lead.browser.get(`/cases/${duplicate.id}`);
    expect(textOf(duplicatePage.body)).toContain(
      `By the policy's rules Credit goes to the first report of this issue. The original, ${original.id} , keeps the credit.`,
    );
    expect(duplicatePage.body).toContain(`<a href="/cases/${original.id}">${original.id}</a>`);

    await move(original.id, "triaged", "in-progress", "fixed", "disclosed");
    const hall = textOf((await hallOfFame()).body);
    expect(hall).toContain("Ada Lovelace · December 2026");
    expect(hall).not.toContain("Brian Duplicate");
  });

  it("takes the reporter's change of choice from their page until publication: anonymous is not listed", async () => {
    const ada = await kafeReport("First", "Ada Lovelace");
    const bob = await kafeReport("Second", "Bob Builder", "https://bob.example");

    // A browser's form: CSRF token required.
    const noCsrf = await t.app.inject({
      method: "POST",
      url: `/r/${bob.token}/credit`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "mode=anonymous",
    });
    expect(noCsrf.statusCode).toBe(403);
    // Bad input shows beside its field, with what was sent.
    const badLink = await changeCredit(bob.token, {
      mode: "handle",
      name: "bobby",
      link: "javascript:alert(1)",
    });
    expect(badLink.statusCode).toBe(400);
    expect(badLink.body).toMatch(
      /id="credit-link-error" role="alert">A link must be an https:\/\/ address, or left empty\./,
    );
    expect(badLink.body).toContain('value="bobby"');
    const noName = await changeCredit(bob.token, { mode: "name", name: "  ", link: "" });
    expect(noName.statusCode).toBe(400);
    expect(textOf(noName.body)).toContain("Give the name or handle to credit, or choose not to be credited.");
    const badMode = await changeCredit(bob.token, { mode: "everyone", name: "x", link: "" });
    expect(badMode.statusCode).toBe(400);

    expect((await changeCredit(bob.token, { mode: "handle", name: "bobby", link: "" })).statusCode).toBe(303);
    expect(await reporterPage(bob.token)).toContain("As the handle “bobby”.");
    const anonymous = await changeCredit(bob.token, { mode: "anonymous", name: "bobby", link: "" });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe(`/r/${bob.token}`);
    const page = await reporterPage(bob.token);
    expect(page).toContain("Credit Not credited");
    expect(page).toContain("Not credited: you chose not to be named.");
    const changes = (await stored(bob.id)).events.filter((e) => e.type === "reporter.credit_changed");
    expect(changes.map((e) => [e.actor, e.payload])).toEqual([
      ["reporter", { credit: { mode: "handle", name: "bobby" } }],
      ["reporter", { credit: { mode: "anonymous" } }],
    ]);
    // The same choice again writes nothing.
    expect((await changeCredit(bob.token, { mode: "anonymous", name: "", link: "" })).statusCode).toBe(303);
    expect((await stored(bob.id)).events.filter((e) => e.type === "reporter.credit_changed")).toHaveLength(2);
    // Encrypted like every payload.
    const rows = await t.store.db
      .selectFrom("case_events")
      .select("payload_ct")
      .where("case_id", "=", bob.id)
      .where("type", "=", "reporter.credit_changed")
      .execute();
    expect(rows.map((row) => row.payload_ct).join("")).not.toContain("bobby");

    for (const report of [ada, bob]) await move(report.id, "triaged", "in-progress", "fixed", "disclosed");
    const hall = await hallOfFame();
    expect(textOf(hall.body)).toContain("Ada Lovelace");
    expect(hall.body).not.toMatch(/Bob Builder|bobby|bob\.example/);
    const late = await changeCredit(bob.token, { mode: "name", name: "Bob Builder", link: "" });
    expect(late.statusCode).toBe(409);
    expect(textOf(late.body)).toContain("Your credit can no longer be changed");
  });

  it("neutralises a name with HTML and Markdown, and keeps only https links", async () => {
    const evil = '<script>alert("x")</script> [click](javascript:alert(1))';
    // A javascript: link does not get in at the door.
    const refused = await t.app.inject({
      method: "POST",
      url: "/api/v1/programs/kafe/reports",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({
        title: "Injection",
        fields: { ...KAFE_FIELDS, "credit-name": evil, "credit-link": "javascript:alert(1)" },
      }),
    });
    expect(refused.statusCode).toBe(400);
    // An http link gets in (the intake takes http), but no page links it.
    const report = await kafeReport("Injection", evil, "http://evil.example/x");
    const reporter = await t.app.inject({ url: `/r/${report.token}` });
    expect(reporter.body).not.toContain("<script>alert");
    expect(textOf(reporter.body)).toContain("Your link is not shown: only https links are.");
    await move(report.id, "triaged", "in-progress", "fixed", "disclosed");
    const hall = await hallOfFame();
    expect(hall.body).not.toContain("<script>alert");
    expect(hall.body).toContain("&lt;script>alert(&quot;x&quot;)&lt;/script>");
    expect(hall.body).not.toContain("evil.example");
    expect(hall.body).not.toMatch(/href="(javascript|http):/);
    expect(textOf(hall.body)).toContain(`${evil} · December 2026`);
  });

  it("Rocket.Chat's HackerOne and WhiteHat list are marked done by the team, with a note", async () => {
    const admin = await createStaff(t, { email: "admin@rocket.chat", role: "admin", program: "rocketchat" });
    const filed = await t.app.inject({
      method: "POST",
      url: "/api/v1/programs/rocketchat/reports",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({
        title: "Messages leak between rooms",
        fields: { description: "Messages leak between rooms." },
        credit: { mode: "handle", name: "grace", link: "https://grace.example" },
      }),
    });
    expect(filed.statusCode).toBe(201);
    const id = (filed.json() as { id: string }).id;
    const token = tokenFrom((filed.json() as { reporterUrl: string }).reporterUrl);
    const page = await admin.browser.get(`/cases/${id}`);
    const text = textOf(page.body);
    expect(text).toContain("Where the program credits");
    expect(page.body).toContain("Mark credited on HackerOne");
    expect(page.body).toContain("Mark credited on WhiteHat List on our Website");
    // No requiresChange at Rocket.Chat: credited as chosen, published later.
    expect(text).toContain("Credited as grace (handle) · https://grace.example/");

    const unknown = await postCaseForm(admin, id, "credit-given", { place: "Twitter", note: "" });
    expect(unknown.statusCode).toBe(400);
    expect(textOf(unknown.body)).toContain("Choose one of the policy's places the team credits by hand.");
    const tooLong = await postCaseForm(admin, id, "credit-given", {
      place: "HackerOne",
      note: "x".repeat(2001),
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toMatch(/id="credit-note-0-error">A note can have at most 2000 characters\./);

    const marked = await postCaseForm(admin, id, "credit-given", {
      place: "HackerOne",
      note: "https://hackerone.com/reports/1",
    });
    expect(marked.statusCode).toBe(303);
    expect(marked.headers.location).toBe(`/cases/${id}?notice=credit-given`);
    const after = await admin.browser.get(`/cases/${id}`);
    expect(textOf(after.body)).toMatch(
      /HackerOne : done by admin@rocket\.chat, 2026-12-02 10:00 UTC : https:\/\/hackerone\.com\/reports\/1/,
    );
    expect(after.body).not.toContain("Mark credited on HackerOne");
    expect(after.body).toContain("Mark credited on WhiteHat List on our Website");
    expect(
      (await postCaseForm(admin, id, "credit-given", { place: "WhiteHat List on our Website", note: "" }))
        .statusCode,
    ).toBe(303);
    const events = (await stored(id)).events.filter((e) => e.type === "case.credit_given");
    expect(events.map((e) => e.payload)).toEqual([
      { place: "HackerOne", note: "https://hackerone.com/reports/1" },
      { place: "WhiteHat List on our Website", note: "" },
    ]);
    // Internal: the reporter does not see the marks.
    expect(await reporterPage(token)).not.toContain("HackerOne :");

    // Kafe's source repository is not a place marked by hand.
    const kafe = await kafeReport("Kafe", "Ada");
    const notManual = await postCaseForm(lead, kafe.id, "credit-given", {
      place: "Kafe source repository",
      note: "",
    });
    expect(notManual.statusCode).toBe(400);
    // A program that promises no credit: no hall of fame, no credit form.
    expect((await hallOfFame("privacytools")).statusCode).toBe(404);
    const other = await fileReport(t, "privacytools");
    expect((await t.app.inject({ url: `/r/${other.token}` })).body).not.toContain(`/r/${other.token}/credit`);
    expect((await changeCredit(other.token, { mode: "anonymous", name: "", link: "" })).statusCode).toBe(409);
  });
});
