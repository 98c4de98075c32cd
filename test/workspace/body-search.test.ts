import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { createStaff, staffJson } from "../support/staff.js";
import { multipart, openForm, startTestApp, type TestApp } from "../support/web.js";
import { fileReport, postCaseMultipart, textOf } from "../support/workspace.js";

/**
 * Issue 15, "Search finds titles only": the inbox's search line (web `/inbox?q=`, API
 * `/api/v1/cases?q=`) finds a case by a word of its report or of its conversation, which the
 * index holds only as keyed hashes (test/store/body-search-index.test.ts).
 */
describe.each(databases)("searching reports and conversations on $name", (database) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(database.open);
  });
  afterEach(async () => {
    await t.close();
  });

  it("lists a case on /inbox?q= by a word of its report, its reporter's message, a reply or a note", async () => {
    const lead = await createStaff(t, { email: "lead@example.org", role: "responder" });
    const filed = await fileReport(t, "kitsu", {
      title: "Avatar upload flaw",
      fields: { description: "The galagobody header is trusted by the resizer." },
    });
    await fileReport(t, "kitsu", { title: "Another report" });

    // The reporter writes on their page; the team replies and notes on the case page.
    const form = await openForm(t.app, `/r/${filed.token}`);
    const message = await multipart({ _csrf: form.csrf, message: "Also the marmosetmessage path." });
    const sent = await t.app.inject({
      method: "POST",
      url: `/r/${filed.token}/messages`,
      headers: { ...message.headers, cookie: form.cookie },
      payload: message.payload,
    });
    expect(sent.statusCode).toBe(303);
    expect(
      (await postCaseMultipart(lead, filed.id, "reply", { reply: "The tarsierreply fix is ready." }))
        .statusCode,
    ).toBe(303);
    expect(
      (await postCaseMultipart(lead, filed.id, "note", { note: "Ask the lorisnote team." })).statusCode,
    ).toBe(303);

    const titles = async (q: string) => {
      const page = await lead.browser.get(`/inbox?q=${encodeURIComponent(q)}`);
      expect(page.statusCode).toBe(200);
      return [...page.body.matchAll(/<a href="\/cases\/[a-z2-7]{16}">([^<]+)<\/a>/g)].map((m) => m[1]);
    };
    for (const word of ["galagobody", "marmosetmessage", "tarsierreply", "lorisnote", "avatar"]) {
      expect(await titles(word), word).toEqual(["Avatar upload flaw"]);
    }
    expect(await titles("galagobody lorisnote")).toEqual(["Avatar upload flaw"]);
    expect(await titles("galagobody nowhereword")).toEqual([]);
    // The search line says what it reads.
    expect(textOf((await lead.browser.get("/inbox")).body)).toContain(
      "Search words in reports, messages and notes",
    );

    // The JSON API's text filter reads the same index.
    const api = await staffJson(t, lead, "GET", "/api/v1/cases?state=any&q=marmosetmessage");
    expect(api.statusCode, api.body).toBe(200);
    expect((api.json() as { cases: { id: string }[] }).cases.map((row) => row.id)).toEqual([filed.id]);
  });
});
