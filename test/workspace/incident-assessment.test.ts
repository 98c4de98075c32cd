import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { createApiToken, fileReport, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Kitsu's assessment asks three questions on the case (`incident.phases[].questions`): the
 * answers are recorded, "Is it still ongoing?" answered yes raises the priority to the top and
 * says so, and the phase completes only once every question has an answer.
 */
describe.each(databases)("Kitsu's assessment questions on $name", (database) => {
  let t: TestApp;
  let responder: CreatedStaff;
  beforeEach(async () => {
    t = await startTestApp(database.open);
    responder = await createStaff(t, { email: "responder@example.org", role: "responder", program: "kitsu" });
  });
  afterEach(async () => {
    await t.close();
  });

  const stored = async (id: string) => {
    const found = await getCaseForStaff(t.store, t.keyring, id);
    if (found === undefined) throw new Error("no case");
    return found;
  };
  const answer = (id: string, question: number, text: string) =>
    postCaseForm(responder, id, "answer", { phase: "assessment", question: String(question), answer: text });
  const phase = (id: string, action: string) =>
    postCaseForm(responder, id, "incident-phase", { phase: "assessment", action });

  it("records the answers, raises the priority when it is still ongoing, and completes once all are answered", async () => {
    const report = await fileReport(t, "kitsu");
    // Not before the phase runs.
    const early = await answer(report.id, 0, "yes");
    expect(early.statusCode).toBe(409);
    expect(textOf(early.body)).toContain("Assessment is pending: answer while it runs");

    expect((await phase(report.id, "start")).statusCode).toBe(303);
    const page = await responder.browser.get(`/cases/${report.id}`);
    expect(page.body).toContain('name="answer" value="yes"');
    expect(textOf(page.body)).toContain(
      "Is it still ongoing? If so, top priority is to stop it. Not answered yet.",
    );

    const ongoing = await answer(report.id, 0, "yes");
    expect(ongoing.headers.location).toBe(`/cases/${report.id}?notice=answered-priority`);
    const raised = await stored(report.id);
    expect(raised.triage.priority).toBe("high");
    const types = raised.events.slice(-2).map((event) => event.type);
    expect(types).toEqual(["incident.answer_recorded", "case.triage_updated"]);
    expect(raised.events.slice(-2).every((event) => !event.reporterVisible)).toBe(true);
    const after = textOf((await responder.browser.get(`/cases/${report.id}?notice=answered-priority`)).body);
    expect(after).toContain("its priority was raised to the top");
    expect(after).toContain("Priority raised to high: top priority is to stop it.");

    // Completing waits for the other two answers.
    const tooEarly = await phase(report.id, "complete");
    expect(tooEarly.statusCode).toBe(409);
    expect(textOf(tooEarly.body)).toContain(
      'Assessment cannot be completed yet: answer "Who knows about it?"; answer "What was exposed?"',
    );
    expect((await answer(report.id, 1, "Only the reporter and us.")).statusCode).toBe(303);
    expect((await answer(report.id, 2, "Session tokens of 12 users.")).statusCode).toBe(303);
    // A second yes changes nothing more.
    expect((await answer(report.id, 0, "yes")).headers.location).toBe(`/cases/${report.id}?notice=answered`);
    expect((await phase(report.id, "complete")).statusCode).toBe(303);
    const done = textOf((await responder.browser.get(`/cases/${report.id}`)).body);
    expect(done).toContain("Assessment (completed)");
    expect(done).toContain("Session tokens of 12 users.");
    // The reporter is told the phase completed, never the team's answers.
    const reporter = textOf((await t.app.inject({ method: "GET", url: `/r/${report.token}` })).body);
    expect(reporter).toContain("We completed: Assessment.");
    expect(reporter).not.toContain("Session tokens");
    expect(reporter).not.toContain("Only the reporter and us");
  });

  it("refuses what is not an answer, and writes nothing", async () => {
    const report = await fileReport(t, "kitsu");
    await phase(report.id, "start");
    const before = (await stored(report.id)).events.length;
    for (const [question, text] of [
      ["0", "maybe"],
      ["0", ""],
      ["3", "a question that does not exist"],
      ["-1", "yes"],
      ["1e3", "yes"],
      ["1", "x".repeat(5_001)],
    ] as const) {
      const refused = await postCaseForm(responder, report.id, "answer", {
        phase: "assessment",
        question,
        answer: text,
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.body.match(/<p class="error" role="alert">/g)).toHaveLength(1);
    }
    const unknownPhase = await postCaseForm(responder, report.id, "answer", {
      phase: "nope",
      question: "0",
      answer: "yes",
    });
    expect(unknownPhase.statusCode).toBe(400);
    expect((await stored(report.id)).events).toHaveLength(before);
  });

  it("takes answers through the staff API, and a viewer's token is refused", async () => {
    const report = await fileReport(t, "kitsu");
    const admin = await createStaff(t, { email: "admin@example.org", role: "admin" });
    const token = await createApiToken(admin, "kitsu", "responder");
    const viewerToken = await createApiToken(admin, "kitsu", "viewer");
    const post = (path: string, body: object, bearer = token) =>
      t.app.inject({
        method: "POST",
        url: `/api/v1/cases/${report.id}/${path}`,
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
        payload: JSON.stringify(body),
      });
    expect((await post("incident-phases", { phase: "assessment", action: "start" })).statusCode).toBe(200);
    const refused = await post("answers", { phase: "assessment", question: 0, answer: "yes" }, viewerToken);
    expect(refused.statusCode).toBe(403);
    const ongoing = await post("answers", { phase: "assessment", question: 0, answer: "yes" });
    expect(ongoing.json()).toEqual({ raisedPriority: "high" });
    const bad = await post("answers", { phase: "assessment", question: 0, answer: "perhaps" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: "invalid_request" });
    const extra = await post("answers", { phase: "assessment", question: 1, answer: "us", admin: true });
    expect(extra.statusCode).toBe(400);
  });
});
