import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrate, migrateDown } from "../../src/store/migrate.js";
import { MIGRATIONS } from "../../src/store/migrations/index.js";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff, staffJson } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { advance, fileReport, textOf } from "../support/workspace.js";

/**
 * Case numbers (issue 15): every case gets the next number of its program at intake (KITSU-12),
 * which the team sees in the inbox, on the case and in the API, the reporter on their page, and
 * the inbox search finds. (`embargo guard` and the number: test/cli/guard.test.ts.)
 */
describe.each(databases)("case numbers on $name", (database) => {
  let t: TestApp;
  let lead: CreatedStaff;
  beforeEach(async () => {
    t = await startTestApp(database.open);
    lead = await createStaff(t, { email: "lead@example.org", role: "responder" });
  });
  afterEach(async () => {
    await t.close();
  });

  interface Row {
    id: string;
    number: number | null;
    reference: string | null;
  }
  const listed = async (query: string, who: CreatedStaff = lead): Promise<Row[]> => {
    const response = await staffJson(t, who, "GET", `/api/v1/cases?state=any&limit=200&${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { cases: Row[] }).cases;
  };
  const referencesOf = async (query: string, who?: CreatedStaff) =>
    (await listed(query, who)).map((row) => row.reference).sort();
  /** The references in the inbox page's Case column, in the page's order. */
  const inboxReferences = (html: string) =>
    [...html.matchAll(/<td class="case-number">([^<]*)<\/td>/g)].map((match) => match[1]);

  it("numbers each program's cases 1, 2, 3 on its own, for the team's inbox and API and for the reporter", async () => {
    const kitsu1 = await fileReport(t, "kitsu", { title: "Kitsu one" });
    const rocket1 = await fileReport(t, "rocketchat", { title: "Rocket one" });
    const kitsu2 = await fileReport(t, "kitsu", { title: "Kitsu two" });
    const kitsu3 = await fileReport(t, "kitsu", { title: "Kitsu three" });
    const rocket2 = await fileReport(t, "rocketchat", { title: "Rocket two" });

    const rows = new Map((await listed("")).map((row) => [row.id, row]));
    expect([kitsu1, kitsu2, kitsu3, rocket1, rocket2].map((r) => rows.get(r.id)?.reference)).toEqual([
      "KITSU-1",
      "KITSU-2",
      "KITSU-3",
      "ROCKETCHAT-1",
      "ROCKETCHAT-2",
    ]);
    expect(rows.get(kitsu2.id)?.number).toBe(2);

    const detail = await staffJson(t, lead, "GET", `/api/v1/cases/${kitsu3.id}`);
    expect(detail.json()).toMatchObject({ id: kitsu3.id, number: 3, reference: "KITSU-3" });
    const openapi = (await t.app.inject({ method: "GET", url: "/api/v1/openapi.json" })).body;
    expect(openapi).toContain("The program's slug upper-cased and the number: KITSU-12.");

    const inbox = await lead.browser.get("/inbox?program=kitsu");
    expect(inbox.statusCode).toBe(200);
    expect(inboxReferences(inbox.body).sort()).toEqual(["KITSU-1", "KITSU-2", "KITSU-3"]);

    const casePage = await lead.browser.get(`/cases/${kitsu3.id}`);
    expect(textOf(casePage.body)).toContain("Case KITSU-3");

    const reporterPage = await t.app.inject({ method: "GET", url: `/r/${kitsu2.token}` });
    expect(textOf(reporterPage.body)).toContain(
      "Case number KITSU-2 : quote it when you write about this report.",
    );
  });

  it("gives 30 reports taken in at once through the API 30 distinct consecutive numbers", async () => {
    await fileReport(t, "kafe", { title: "Before the rush" });
    const filed = await Promise.all(
      Array.from({ length: 30 }, (_, index) => fileReport(t, "kafe", { title: `Rush ${index}` })),
    );
    expect(new Set(filed.map((report) => report.id)).size).toBe(30);
    const numbers = (await listed("program=kafe")).map((row) => row.number ?? 0).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 31 }, (_, index) => index + 1));
    // The counter went on from there: the next report is number 32.
    const next = await fileReport(t, "kafe", { title: "After the rush" });
    expect((await listed("program=kafe")).find((row) => row.id === next.id)?.reference).toBe("KAFE-32");
  });

  it("finds a case by KITSU-2 in any case, and by #2 within the programs chosen", async () => {
    await fileReport(t, "kitsu", { title: "Kitsu one" });
    const kitsu2 = await fileReport(t, "kitsu", { title: "Kitsu two" });
    await fileReport(t, "rocketchat", { title: "Rocket one" });
    const rocket2 = await fileReport(t, "rocketchat", { title: "Rocket two" });

    expect(await referencesOf("q=KITSU-2")).toEqual(["KITSU-2"]);
    expect(await referencesOf("q=kitsu-2")).toEqual(["KITSU-2"]);
    expect(await referencesOf("q=%20Kitsu-2%20")).toEqual(["KITSU-2"]);
    expect(await referencesOf("q=%232&program=kitsu")).toEqual(["KITSU-2"]);
    expect(await referencesOf("q=%232&program=rocketchat")).toEqual(["ROCKETCHAT-2"]);
    expect(await referencesOf("q=%232")).toEqual(["KITSU-2", "ROCKETCHAT-2"]);
    // A reference and another program chosen: searched as words, which no title has.
    expect(await referencesOf("q=KITSU-2&program=rocketchat")).toEqual([]);
    expect(await referencesOf("q=KITSU-9")).toEqual([]);
    // Not a program: words, as before ("Rocket two" has both).
    expect(await referencesOf("q=ROCKET-two")).toEqual(["ROCKETCHAT-2"]);
    expect(await referencesOf("q=%230")).toEqual([]);
    expect(await referencesOf("q=%2399999999999")).toEqual([]);

    // The inbox page finds it the same way, and keeps what was asked in the search line.
    const page = await lead.browser.get("/inbox?q=kitsu-2");
    expect(page.statusCode).toBe(200);
    expect(inboxReferences(page.body)).toEqual(["KITSU-2"]);
    expect(page.body).toContain(`href="/cases/${kitsu2.id}"`);
    expect(page.body).toContain('value="kitsu-2"');
    // Too long a search is refused with a message, never a 500.
    const long = await lead.browser.get(`/inbox?q=${"KITSU-1".repeat(40)}`);
    expect(long.statusCode).toBe(400);

    // A member of Rocket.Chat only: Kitsu's numbers find nothing, their own do.
    const rocketOnly = await createStaff(t, {
      email: "rc@example.org",
      role: "viewer",
      program: "rocketchat",
    });
    expect(await referencesOf("q=KITSU-2", rocketOnly)).toEqual([]);
    expect(await referencesOf("q=%232", rocketOnly)).toEqual(["ROCKETCHAT-2"]);
    expect((await listed("q=ROCKETCHAT-2", rocketOnly)).map((row) => row.id)).toEqual([rocket2.id]);
  });

  it("numbers the cases stored before the numbers existed in the order they were received", async () => {
    const first = await fileReport(t, "kitsu", { title: "First filed" });
    advance(t, 0.1);
    const second = await fileReport(t, "kitsu", { title: "Second filed" });
    advance(t, 0.1);
    const other = await fileReport(t, "kulupu", { title: "Kulupu's" });
    // Back to before the numbers (case_reads, then case_numbers), with the received times swapped.
    const names = Object.keys(MIGRATIONS).sort();
    const downTo = names.indexOf("2026121202_case_numbers");
    for (let undone = names.length - 1; undone >= downTo; undone--) {
      expect(await migrateDown(t.store)).toBe(names[undone]);
    }
    const at = async (id: string) =>
      (
        await t.store.db
          .selectFrom("cases")
          .select("received_at")
          .where("id", "=", id)
          .executeTakeFirstOrThrow()
      ).received_at;
    const [firstAt, secondAt] = [await at(first.id), await at(second.id)];
    await t.store.db.updateTable("cases").set({ received_at: secondAt }).where("id", "=", first.id).execute();
    await t.store.db.updateTable("cases").set({ received_at: firstAt }).where("id", "=", second.id).execute();

    await migrate(t.store);
    const rows = new Map((await listed("")).map((row) => [row.id, row.reference]));
    expect([second.id, first.id, other.id].map((id) => rows.get(id))).toEqual([
      "KITSU-1",
      "KITSU-2",
      "KULUPU-1",
    ]);
    const next = await fileReport(t, "kitsu", { title: "After the migration" });
    expect((await listed("program=kitsu")).find((row) => row.id === next.id)?.reference).toBe("KITSU-3");
  });
});
