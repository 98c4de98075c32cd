import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases, type TestStore } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { createApiToken, fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Rocket.Chat's problem management (`incident.register.problemManagement`): a case that recurs or
 * shows a deeper root cause opens a problem (P-1, P-2, … per program), further cases are linked
 * to it, and the team records the analysis (state, root cause). The policies: the register
 * fixture's Rocket.Chat, the same policy as a second program (`rocketchat-cloud`, so problems of
 * another program exist), and Kafe's example, which has no problem management.
 */
const REGISTER = "test/fixtures/policies/register/rocketchat.yaml";
const T0 = new Date("2026-12-07T10:00:00Z");
const TITLE = "Zanzibar resubscription survives reconnects";
const ROOT_CAUSE = "The quokka handshake resumes room subscriptions without checking membership.";

async function policyFolder(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "embargo-problems-"));
  await copyFile(REGISTER, path.join(dir, "rocketchat.yaml"));
  await copyFile("examples/policies/kafe.yaml", path.join(dir, "kafe.yaml"));
  const cloud = (await readFile(REGISTER, "utf8"))
    .replace(/^ {2}slug: rocketchat$/m, "  slug: rocketchat-cloud")
    .replace(/^ {2}name: Rocket.Chat$/m, "  name: Rocket.Chat Cloud");
  await writeFile(path.join(dir, "rocketchat-cloud.yaml"), cloud);
  return dir;
}

describe.each(databases)("Rocket.Chat's problem management on $name", (database) => {
  let policies: string;
  let t: TestApp;
  let store: TestStore;
  let markus: CreatedStaff;
  let viewer: CreatedStaff;
  beforeAll(async () => {
    policies = await policyFolder();
  });
  afterAll(async () => {
    await rm(policies, { recursive: true, force: true });
  });
  beforeEach(async () => {
    t = await startTestApp(
      async () => {
        store = await database.open();
        return store;
      },
      {},
      { policies },
    );
    t.clock.set(T0);
    markus = await createStaff(t, { email: "markus@example.org", role: "responder", program: "rocketchat" });
    viewer = await createStaff(t, { email: "viewer@example.org", role: "viewer", program: "rocketchat" });
  });
  afterEach(async () => {
    await t.close();
  });

  const stored = async (id: string) => {
    const found = await getCaseForStaff(t.store, t.keyring, id);
    if (found === undefined) throw new Error("no case");
    return found;
  };
  const rocketchatCase = (title: string) => fileReport(t, "rocketchat", { title });
  const openProblem = (staff: CreatedStaff, caseId: string, title = TITLE, rootCause = ROOT_CAUSE) =>
    postCaseForm(staff, caseId, "problem-open", { "problem-title": title, "problem-root-cause": rootCause });
  const page = async (staff: CreatedStaff, url: string) => {
    const response = await staff.browser.get(url);
    return { status: response.statusCode, text: textOf(response.body), html: response.body };
  };
  const api = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, token: string, body?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  /** What problem management has written: problems, links, and the events of the given cases. */
  const written = async (...caseIds: string[]) => ({
    problems: (await t.store.db.selectFrom("problems").select("id").execute()).length,
    links: (await t.store.db.selectFrom("problem_cases").select("case_id").execute()).length,
    events: await Promise.all(caseIds.map(async (id) => (await stored(id)).events.length)),
  });

  it("opens P-1 from a recurring case, links the second, and counts its cases on the problem page", async () => {
    const first = await rocketchatCase("Messages of a left room still arrive");
    await later(t, { hours: 2 }, markus);
    const second = await rocketchatCase("Kicked user keeps reading the room");
    await later(t, { hours: 3 }, markus);

    const opened = await openProblem(markus, first.id);
    expect(opened.statusCode).toBe(303);
    expect(opened.headers.location).toBe(`/cases/${first.id}?notice=problem-opened`);
    const linked = await postCaseForm(markus, second.id, "problem-link", { problem: "P-1" });
    expect(linked.headers.location).toBe(`/cases/${second.id}?notice=problem-linked`);
    const again = await postCaseForm(markus, second.id, "problem-link", { problem: "1" });
    expect(again.headers.location).toBe(`/cases/${second.id}?notice=unchanged`);

    const problem = await page(markus, "/problems/rocketchat/1");
    expect(problem.status).toBe(200);
    expect(problem.text).toContain(`P-1: ${TITLE}`);
    expect(problem.text).toContain("Open (under analysis)");
    expect(problem.text).toContain("2 cases, 2 still open");
    expect(problem.text).toContain("Last case received 3 hours ago");
    expect(problem.text).toContain("2026-12-07 12:00 UTC");
    expect(problem.text).toContain(ROOT_CAUSE);
    expect(problem.text).toContain("by markus@example.org");
    expect(problem.html).toContain(`href="/cases/${first.id}"`);
    expect(problem.html).toContain(`href="/cases/${second.id}"`);
    expect(problem.text).toContain("Kicked user keeps reading the room");

    // Closing one of its cases leaves one open.
    const moves: Record<string, string>[] = [{ to: "triaged" }, { to: "closed", outcome: "no-incident" }];
    for (const fields of moves) {
      expect((await postCaseForm(markus, first.id, "transition", fields)).statusCode).toBe(303);
    }
    expect((await page(markus, "/problems/rocketchat/1")).text).toContain("2 cases, 1 still open");
    const list = await page(markus, "/problems/rocketchat");
    expect(list.text).toContain(`P-1: ${TITLE}`);
    expect(list.text).toContain("2 cases, 1 still open");
    expect(list.html).toContain('href="/problems/rocketchat/1"');

    // The case page names the problem, the policy's reasons and what it asks of the team.
    const casePage = await page(markus, `/cases/${second.id}`);
    expect(casePage.text).toContain(`Recurs: problem P-1 — ${TITLE}`);
    expect(casePage.html).toContain('href="/problems/rocketchat/1"');
    expect(casePage.text).toContain("The policy asks for problem management when:");
    expect(casePage.text).toContain("the incident recurs");
    expect(casePage.text).toContain("the incident indicates a deeper, critical root cause");
    expect(casePage.text).toContain("Analyze it as part of the problem management process.");
    expect(casePage.text).toContain("Unlink from P-1");

    // Each case's side is an internal event of its chain.
    const links = [...(await stored(first.id)).events, ...(await stored(second.id)).events].filter(
      (event) => event.type === "case.problem_linked",
    );
    expect(links.map((event) => event.payload)).toEqual([
      expect.objectContaining({ number: 1, title: TITLE, opened: true }),
      expect.objectContaining({ number: 1, title: TITLE, opened: false }),
    ]);
    expect(links.every((event) => !event.reporterVisible)).toBe(true);
  });

  it("unlinks a case: its page no longer says it recurs, and the problem counts one case less", async () => {
    const first = await rocketchatCase("Messages of a left room still arrive");
    const second = await rocketchatCase("Kicked user keeps reading the room");
    await openProblem(markus, first.id);
    await postCaseForm(markus, second.id, "problem-link", { problem: "P-1" });
    const unlinked = await postCaseForm(markus, second.id, "problem-unlink", { problem: "1" });
    expect(unlinked.headers.location).toBe(`/cases/${second.id}?notice=problem-unlinked`);
    const casePage = await page(markus, `/cases/${second.id}`);
    expect(casePage.text).not.toContain("Recurs: problem");
    expect(casePage.text).toContain("This case is not linked to a problem.");
    expect((await page(markus, "/problems/rocketchat/1")).text).toContain("1 case, 1 still open");
    const events = (await stored(second.id)).events.map((event) => event.type);
    expect(events.slice(-2)).toEqual(["case.problem_linked", "case.problem_unlinked"]);
    // Linked again later, to another problem this time.
    await openProblem(markus, second.id, "Guest tokens outlive their room");
    expect((await page(markus, `/cases/${second.id}`)).text).toContain(
      "Recurs: problem P-2 — Guest tokens outlive their room",
    );
  });

  it("records the analysis: a known error or a resolved problem needs its root cause", async () => {
    const first = await rocketchatCase("Messages of a left room still arrive");
    await openProblem(markus, first.id, TITLE, "");
    const save = async (fields: Record<string, string>) => {
      await markus.browser.get("/problems/rocketchat/1");
      return markus.browser.post("/problems/rocketchat/1", fields);
    };
    const unknown = await save({ state: "known-error", "root-cause": "  " });
    expect(unknown.statusCode).toBe(400);
    expect(textOf(unknown.body)).toContain("Write down the root cause first: a known error has one.");
    expect((await page(markus, "/problems/rocketchat/1")).text).toContain("Not known yet.");

    const known = await save({ state: "known-error", "root-cause": ROOT_CAUSE });
    expect(known.headers.location).toBe("/problems/rocketchat/1?notice=saved");
    const after = await page(markus, "/problems/rocketchat/1?notice=saved");
    expect(after.text).toContain("Analysis saved.");
    expect(after.text).toContain("Known error (root cause known, fix pending)");
    expect((await save({ state: "resolved", "root-cause": ROOT_CAUSE })).statusCode).toBe(303);
    const backwards = await save({ state: "known-error", "root-cause": ROOT_CAUSE });
    expect(backwards.statusCode).toBe(400);
    expect(textOf(backwards.body)).toContain("A resolved problem can move to open, not known-error.");
    // It recurred after all: reopened.
    expect((await save({ state: "open", "root-cause": ROOT_CAUSE })).headers.location).toBe(
      "/problems/rocketchat/1?notice=saved",
    );
    expect((await save({ state: "open", "root-cause": ROOT_CAUSE })).headers.location).toBe(
      "/problems/rocketchat/1?notice=unchanged",
    );
  });

  it("lets a viewer read problems, but not open, link or change them (403)", async () => {
    const first = await rocketchatCase("Messages of a left room still arrive");
    const second = await rocketchatCase("Kicked user keeps reading the room");
    await openProblem(markus, first.id);
    const before = await written(first.id, second.id);

    expect((await openProblem(viewer, second.id)).statusCode).toBe(403);
    expect((await postCaseForm(viewer, second.id, "problem-link", { problem: "P-1" })).statusCode).toBe(403);
    expect((await postCaseForm(viewer, first.id, "problem-unlink", { problem: "1" })).statusCode).toBe(403);
    const problem = await page(viewer, "/problems/rocketchat/1");
    expect(problem.status).toBe(200);
    expect(problem.text).toContain(`P-1: ${TITLE}`);
    expect(problem.html).not.toContain("Save analysis");
    expect((await viewer.browser.post("/problems/rocketchat/1", { state: "resolved" })).statusCode).toBe(403);
    const casePage = await page(viewer, `/cases/${first.id}`);
    expect(casePage.text).toContain(`Recurs: problem P-1 — ${TITLE}`);
    expect(casePage.html).not.toContain("problem-unlink");
    expect((await page(viewer, `/cases/${second.id}`)).html).not.toContain("problem-open");

    const admin = await createStaff(t, { email: "admin@example.org", role: "admin", program: "rocketchat" });
    const token = await createApiToken(admin, "rocketchat", "viewer");
    expect((await api("GET", "/api/v1/problems/rocketchat/1", token)).statusCode).toBe(200);
    const refused = [
      await api("POST", "/api/v1/problems/rocketchat", token, { caseId: second.id, title: "Again" }),
      await api("POST", "/api/v1/problems/rocketchat/1/cases", token, { caseId: second.id }),
      await api("PATCH", "/api/v1/problems/rocketchat/1", token, { state: "resolved" }),
      await api("DELETE", `/api/v1/problems/rocketchat/1/cases/${first.id}`, token),
    ];
    expect(refused.map((response) => response.statusCode)).toEqual([403, 403, 403, 403]);
    expect(await written(first.id, second.id)).toEqual(before);
  });

  it("serves problems in the JSON API: open, link, read, change, unlink", async () => {
    const first = await rocketchatCase("Messages of a left room still arrive");
    await later(t, { hours: 1 }, markus);
    const second = await rocketchatCase("Kicked user keeps reading the room");
    t.clock.set(new Date(t.clock.now().getTime() + 90_000));
    const admin = await createStaff(t, { email: "admin@example.org", role: "admin", program: "rocketchat" });
    const token = await createApiToken(admin, "rocketchat", "responder");

    const created = await api("POST", "/api/v1/problems/rocketchat", token, {
      caseId: first.id,
      title: TITLE,
      rootCause: "",
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      number: 1,
      reference: "P-1",
      program: "rocketchat",
      state: "open",
      title: TITLE,
      rootCause: "",
      cases: [{ id: first.id, title: "Messages of a left room still arrive", state: "new" }],
    });
    const link = await api("POST", "/api/v1/problems/rocketchat/P-1/cases", token, { caseId: second.id });
    expect(link.json()).toEqual({ changed: true });

    const read = await api("GET", "/api/v1/problems/rocketchat/1", token);
    expect(read.json()).toMatchObject({
      metrics: { cases: 2, open: 2, secondsSinceLastCase: 90 },
      cases: [{ id: first.id }, { id: second.id }],
    });
    const changed = await api("PATCH", "/api/v1/problems/rocketchat/1", token, {
      state: "known-error",
      rootCause: ROOT_CAUSE,
    });
    expect(changed.json()).toMatchObject({ changed: true, state: "known-error", rootCause: ROOT_CAUSE });
    const list = await api("GET", "/api/v1/problems/rocketchat", token);
    expect(list.json()).toMatchObject({
      problems: [{ reference: "P-1", state: "known-error", metrics: { cases: 2, open: 2 } }],
    });
    const unlink = await api("DELETE", `/api/v1/problems/rocketchat/1/cases/${second.id}`, token);
    expect(unlink.json()).toEqual({ changed: true });
    expect((await api("DELETE", `/api/v1/problems/rocketchat/1/cases/${second.id}`, token)).json()).toEqual({
      changed: false,
    });
    expect((await stored(second.id)).events.at(-1)).toMatchObject({
      type: "case.problem_unlinked",
      reporterVisible: false,
    });
  });

  it("numbers problems per program, also when two are opened at once", async () => {
    const cases = await Promise.all(["One", "Two", "Three"].map((title) => rocketchatCase(title)));
    const cloudCase = await fileReport(t, "rocketchat-cloud", { fields: { description: "Leak." } });
    const admin = await createStaff(t, { email: "admin@example.org", role: "admin" });
    const token = await createApiToken(admin, "rocketchat", "responder");
    const cloudToken = await createApiToken(admin, "rocketchat-cloud", "responder");
    const opened = await Promise.all(
      cases.map((report) =>
        api("POST", "/api/v1/problems/rocketchat", token, { caseId: report.id, title: `From ${report.id}` }),
      ),
    );
    expect(opened.map((response) => response.statusCode)).toEqual([201, 201, 201]);
    const numbers = opened.map((response) => (response.json() as { number: number }).number);
    expect(numbers.sort()).toEqual([1, 2, 3]);
    const cloud = await api("POST", "/api/v1/problems/rocketchat-cloud", cloudToken, {
      caseId: cloudCase.id,
      title: "Cloud's own",
    });
    expect(cloud.json()).toMatchObject({ number: 1, reference: "P-1", program: "rocketchat-cloud" });
  });

  it("answers 404 for a program whose policy has no problem management (Kafe), and shows no panel", async () => {
    const kafe = await createStaff(t, { email: "lead@kafe.example", role: "admin", program: "kafe" });
    const report = await fileReport(t, "kafe");
    const before = await written(report.id);
    for (const url of ["/problems/kafe", "/problems/kafe/1"]) {
      expect((await kafe.browser.get(url)).statusCode).toBe(404);
    }
    expect((await openProblem(kafe, report.id)).statusCode).toBe(404);
    expect((await postCaseForm(kafe, report.id, "problem-link", { problem: "1" })).statusCode).toBe(404);
    const casePage = await page(kafe, `/cases/${report.id}`);
    expect(casePage.status).toBe(200);
    expect(casePage.text).not.toContain("Problem management");

    const token = await createApiToken(kafe, "kafe", "admin");
    const answers = [
      await api("GET", "/api/v1/problems/kafe", token),
      await api("GET", "/api/v1/problems/kafe/1", token),
      await api("POST", "/api/v1/problems/kafe", token, { caseId: report.id, title: TITLE }),
    ];
    expect(answers.map((response) => response.statusCode)).toEqual([404, 404, 404]);
    expect(answers[0]?.json()).toMatchObject({ message: "This program's policy has no problem management." });
    expect(await written(report.id)).toEqual(before);
  });

  it("refuses wrong inputs with 400 or 404 and writes nothing", async () => {
    const first = await rocketchatCase("Messages of a left room still arrive");
    const second = await rocketchatCase("Kicked user keeps reading the room");
    await openProblem(markus, first.id);
    // Rocket.Chat Cloud, another program with problem management, has P-1 and P-2.
    const cloudLead = await createStaff(t, {
      email: "lead@cloud.example",
      role: "admin",
      program: "rocketchat-cloud",
    });
    const cloudCase = await fileReport(t, "rocketchat-cloud", { fields: { description: "Leak." } });
    const cloudOther = await fileReport(t, "rocketchat-cloud", { fields: { description: "Leak." } });
    await openProblem(cloudLead, cloudCase.id, "Cloud problem one");
    await openProblem(cloudLead, cloudOther.id, "Cloud problem two");
    const admin = await createStaff(t, { email: "admin@example.org", role: "admin", program: "rocketchat" });
    const token = await createApiToken(admin, "rocketchat", "responder");
    const cloudToken = await createApiToken(cloudLead, "rocketchat-cloud", "responder");
    const before = await written(first.id, second.id, cloudCase.id);

    const formRefusals: [string, Record<string, string>, string][] = [
      ["problem-open", { "problem-title": "", "problem-root-cause": "" }, "A problem needs a title."],
      ["problem-open", { "problem-title": "   ", "problem-root-cause": "x" }, "A problem needs a title."],
      ["problem-open", { "problem-title": "x".repeat(201) }, "The title may have at most 200 characters."],
      [
        "problem-open",
        { "problem-title": TITLE, "problem-root-cause": "why ".repeat(2_500) },
        "The root cause may have at most 5000 characters.",
      ],
      ["problem-link", { problem: "1e3" }, "Give the problem's number, for example P-3 or 3."],
      ["problem-link", { problem: "../x" }, "Give the problem's number, for example P-3 or 3."],
      ["problem-link", { problem: "" }, "Give the problem's number, for example P-3 or 3."],
      ["problem-link", { problem: "P-99" }, "There is no problem P-99 in this program."],
      // Rocket.Chat Cloud has a P-2; from a Rocket.Chat case it cannot be reached.
      ["problem-link", { problem: "P-2" }, "There is no problem P-2 in this program."],
    ];
    for (const [action, fields, message] of formRefusals) {
      const refused = await postCaseForm(markus, second.id, action, fields);
      expect(refused.statusCode, `${action} ${JSON.stringify(fields).slice(0, 60)}`).toBe(400);
      expect(textOf(refused.body)).toContain(message);
    }
    // A case already linked opens no second problem.
    const twice = await openProblem(markus, first.id, "Another one");
    expect(twice.statusCode).toBe(400);
    expect(textOf(twice.body)).toContain("This case is already linked to P-1: unlink it first.");

    const apiRefusals = [
      [400, await api("POST", "/api/v1/problems/rocketchat", token, { caseId: second.id, title: " " })],
      [
        400,
        await api("POST", "/api/v1/problems/rocketchat", token, {
          caseId: second.id,
          title: TITLE,
          rootCause: "x".repeat(10_000),
        }),
      ],
      // A case of another program, into Rocket.Chat's problem; a Rocket.Chat case into Cloud's.
      [400, await api("POST", "/api/v1/problems/rocketchat/1/cases", token, { caseId: cloudCase.id })],
      [400, await api("POST", "/api/v1/problems/rocketchat", token, { caseId: cloudCase.id, title: TITLE })],
      [
        400,
        await api("POST", "/api/v1/problems/rocketchat-cloud/1/cases", cloudToken, { caseId: second.id }),
      ],
      [400, await api("PATCH", "/api/v1/problems/rocketchat/1", token, { state: "closed" })],
      [400, await api("PATCH", "/api/v1/problems/rocketchat/1", token, { rootCause: "x".repeat(10_000) })],
      [404, await api("GET", "/api/v1/problems/rocketchat/99", token)],
      [404, await api("GET", "/api/v1/problems/rocketchat/1e3", token)],
      [404, await api("GET", "/api/v1/problems/rocketchat/..%2Fx", token)],
      [404, await api("POST", "/api/v1/problems/rocketchat/1e3/cases", token, { caseId: second.id })],
      [404, await api("PATCH", "/api/v1/problems/rocketchat/99", token, { state: "resolved" })],
      [404, await api("DELETE", `/api/v1/problems/rocketchat/1/cases/${cloudCase.id}`, token)],
      // Another program's problems are not this token's to see.
      [404, await api("GET", "/api/v1/problems/rocketchat-cloud/1", token)],
    ] as const;
    expect(apiRefusals.map(([, response]) => response.statusCode)).toEqual(
      apiRefusals.map(([status]) => status),
    );
    const wrongCase = apiRefusals[2][1].json() as { message: string; fields: { field: string }[] };
    expect(wrongCase.message).toBe(`There is no case ${cloudCase.id} in this program.`);
    expect(wrongCase.fields).toEqual([expect.objectContaining({ field: "caseId" })]);
    expect(apiRefusals[0][1].json()).toMatchObject({
      fields: [{ field: "title", message: "A problem needs a title." }],
    });
    expect(apiRefusals[1][1].json()).toMatchObject({ fields: [{ field: "rootCause" }] });

    for (const url of [
      "/problems/rocketchat/99",
      "/problems/rocketchat/1e3",
      "/problems/rocketchat/..%2Fx",
    ]) {
      expect((await markus.browser.get(url)).statusCode, url).toBe(404);
    }
    expect((await markus.browser.get("/problems/rocketchat-cloud/1")).statusCode).toBe(404);
    expect(await written(first.id, second.id, cloudCase.id)).toEqual(before);
  });

  it("keeps a problem's title and root cause out of the database in clear", async () => {
    const first = await rocketchatCase("Messages of a left room still arrive");
    await openProblem(markus, first.id);
    const rows = await t.store.db.selectFrom("problems").selectAll().execute();
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({ program: "rocketchat", number: 1, state: "open" });
    expect(row.content_ct).toMatch(/^v1\./);
    for (const word of ["Zanzibar", "resubscription", "quokka", "handshake"]) {
      expect(JSON.stringify(row)).not.toContain(word);
    }
    // Nor on the disk: the SQLite file and its write-ahead log.
    if (database.name === "sqlite") {
      const files = [store.location, `${store.location}-wal`];
      const bytes = Buffer.concat(
        await Promise.all(files.map((file) => readFile(file).catch(() => Buffer.alloc(0)))),
      );
      for (const word of ["Zanzibar", "quokka"]) expect(bytes.includes(word)).toBe(false);
    }
    // The team reads it, decrypted.
    expect((await page(markus, "/problems/rocketchat/1")).text).toContain(ROOT_CAUSE);
  });
});
