import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import { databases } from "../support/databases.js";
import { type HttpReceiver, startHttpReceiver } from "../support/http-receiver.js";
import { jobsFor } from "../support/jobs.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";
import { createApiToken, fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Rocket.Chat discloses in phases after the fix release: day 0 (hosted and enterprise customers),
 * day 14 (release post, support clients and partners), day 30 (in-product banners), day 90
 * (reporter may disclose, credit, bounty, close). Once the team records the fix release, each
 * phase falls due on its day and the assignee and followers are told, once each. Its security
 * room's webhook subscribes to new reports and case changes, not to escalations: it hears that
 * the fix release was recorded, not of each phase.
 */
const REPORTER = "ada@example.org";
const MARKUS = "markus@rocket.example";
const FRED = "fred@rocket.example";
const TITLE = "Stored XSS in the profile page";
const DESCRIPTION = "Messages leak between rooms when a thread is moved.";
const T0 = Date.parse("2026-12-02T10:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The fix is released ten days after the report. */
const RELEASE = T0 + 10 * DAY;

const PHASE_NAMES = [
  "First phase - on the release day or upcoming days",
  "Second phase - latest 14 days after the release",
  "Third phase - latest 30 days after the release",
  "Fourth phase - latest 90 days after the release",
];

describe.each(databases)("Rocket.Chat's disclosure phases, driven by a fake clock, on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  let receiver: HttpReceiver;
  beforeAll(async () => {
    sink = await startSmtpSink();
    receiver = await startHttpReceiver('{"success":true}');
  });
  afterAll(async () => {
    await receiver.close();
    await sink.close();
  });
  beforeEach(async () => {
    sink.mails.length = 0;
    receiver.hits.length = 0;
    t = await startTestApp(database.open);
    jobs = jobsFor(t, sink.url, { ROCKETCHAT_SECURITY_WEBHOOK_URL: `${receiver.base}/hooks/abc/secret` });
  });
  afterEach(async () => {
    await jobs.stop();
    await t.close();
  });

  const at = (ms: number) => {
    t.clock.set(new Date(T0 + ms));
    return jobs.drain();
  };
  const subjects = (address: string) => sink.to(address).map((mail) => mail.subject);
  const phaseSubject = (ref: string, n: number) =>
    `[Rocket.Chat] Disclosure phase due: ${PHASE_NAMES[n]} (${ref})`;
  const userId = async (email: string) =>
    (await t.store.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow())
      .id;
  const stepKeys = async (caseId: string) =>
    (
      await t.store.db
        .selectFrom("case_escalations")
        .select("step_key")
        .where("case_id", "=", caseId)
        .orderBy("step_key")
        .execute()
    ).map((row) => row.step_key);

  /** Filed at T0; Markus assigns it to himself, Fred follows; the jobs run; the sink is emptied. */
  async function assignedCase(): Promise<{
    id: string;
    ref: string;
    markus: CreatedStaff;
    fred: CreatedStaff;
  }> {
    t.clock.set(new Date(T0));
    const report = await fileReport(t, "rocketchat", {
      title: TITLE,
      fields: { description: DESCRIPTION },
      contact: { email: REPORTER },
    });
    const markus = await createStaff(t, { email: MARKUS, role: "responder", program: "rocketchat" });
    const fred = await createStaff(t, { email: FRED, role: "responder", program: "rocketchat" });
    expect(
      (await postCaseForm(markus, report.id, "assign", { assignee: await userId(MARKUS) })).statusCode,
    ).toBe(303);
    expect((await postCaseForm(fred, report.id, "follow", {})).statusCode).toBe(303);
    await at(0);
    sink.mails.length = 0;
    receiver.hits.length = 0;
    return { id: report.id, ref: report.reference, markus, fred };
  }

  it("nothing falls due before the fix release is recorded; then day 0, 14, 30 and 90, each told once", async () => {
    const { id, ref, markus, fred } = await assignedCase();

    // Ten days on, no fix release recorded: the phases have no date, nobody is told anything.
    expect(await at(RELEASE - T0)).toMatchObject({ escalations: 0, notifications: 0 });
    expect(sink.mails).toHaveLength(0);
    await later(t, { at: new Date(RELEASE) }, markus, fred);
    const before = textOf((await markus.browser.get(`/cases/${id}`)).body);
    expect(before).toContain("Fix released not recorded");
    expect(before).toContain(`Day 14 – ${PHASE_NAMES[1]} : (starts when the fix release is recorded)`);

    // Markus records the release (empty: now). Day 0 falls due at once.
    const recorded = await postCaseForm(markus, id, "fix-release", { "released-at": "" });
    expect(recorded.statusCode).toBe(303);
    expect(recorded.headers.location).toBe(`/cases/${id}?notice=fix-released`);
    expect(await at(RELEASE - T0)).toMatchObject({ escalations: 1 });
    expect(subjects(MARKUS)).toEqual([phaseSubject(ref, 0)]);
    // Fred hears of Markus's record (a case change) and of the phase.
    expect(subjects(FRED).sort()).toEqual([`[Rocket.Chat] Case ${ref} changed`, phaseSubject(ref, 0)].sort());
    const day0 = sink.to(MARKUS)[0]!.text;
    expect(day0).toContain(
      `Case ${ref}: the disclosure phase "${PHASE_NAMES[0]}" is due (day 0 after the fix release).`,
    );
    expect(day0).toContain("Audiences: hosting (cloud) clients, enterprise clients");
    expect(day0).toContain("- Update our hosting (cloud) client's servers");
    expect(day0).toContain(`Open the case: ${PUBLIC_URL}/cases/${id}`);
    // The room hears of the recorded release as a case change, never of report content.
    expect(receiver.hits.map((hit) => hit.body)).toHaveLength(1);
    expect(receiver.hits.map((hit) => hit.body)[0]).toContain("recorded that the fix was released");
    // The reporter is not told: the event is internal.
    expect(sink.to(REPORTER)).toHaveLength(0);
    for (const mail of sink.mails) expect(mail.text).not.toMatch(/Stored XSS|Messages leak|ada@example/);

    // The page dates every phase from the release.
    const page = textOf((await markus.browser.get(`/cases/${id}`)).body);
    expect(page).toContain(`Day 14 – ${PHASE_NAMES[1]} : due 2026-12-26 10:00 UTC (due in 14 d)`);
    expect(page).toContain("Include a phrase in our release blog post");
    expect(page).toContain("for support clients, partners, public");
    expect(page).toContain(`Day 0 – ${PHASE_NAMES[0]} : due 2026-12-12 10:00 UTC (due now)`);

    // Just before day 14: nothing; on day 14, 30, 90: one phase each, to both.
    expect(await at(RELEASE - T0 + 14 * DAY - 60_000)).toMatchObject({ escalations: 0, notifications: 0 });
    for (const [n, day] of [
      [1, 14],
      [2, 30],
      [3, 90],
    ] as const) {
      // Day 90 also tells the reporter they may publish (src/domain/disclosure/plan.ts).
      const sent = day === 90 ? 3 : 2;
      expect(await at(RELEASE - T0 + day * DAY), `day ${day}`).toMatchObject({ escalations: 1, sent });
      expect(subjects(MARKUS).at(-1)).toBe(phaseSubject(ref, n));
      expect(subjects(FRED).at(-1)).toBe(phaseSubject(ref, n));
    }
    const day90 = sink.to(MARKUS).at(-1)!.text;
    expect(day90).toContain("- Inform/Allow the disclosure of the breach details by the external reporter");
    expect(day90).toContain("- Send bounty/gift to Hacker");

    // Long after: nothing more; each phase was told once to each.
    expect(await at(RELEASE - T0 + 200 * DAY)).toMatchObject({ escalations: 0, notifications: 0 });
    expect(subjects(MARKUS)).toEqual([0, 1, 2, 3].map((n) => phaseSubject(ref, n)));
    expect(subjects(FRED).filter((subject) => subject.includes("Disclosure phase"))).toHaveLength(4);
    expect(receiver.hits.map((hit) => hit.body)).toHaveLength(1);
    // The reporter hears only that they may publish, at day 90 (test/jobs/disclosure-plan.test.ts).
    expect(subjects(REPORTER)).toEqual([`[Rocket.Chat] ${ref}: you may now publish your report`]);
    expect(await stepKeys(id)).toEqual(
      ["phase-1", "phase-2", "phase-3", "phase-4"].map((phase) => `${id}:disclosure:${phase}`),
    );

    // One internal event per phase, naming who was told.
    const found = await getCaseForStaff(t.store, t.keyring, id);
    const due = found?.events.filter((event) => event.type === "disclosure.phase_due") ?? [];
    expect(
      due.map((event) => [event.reporterVisible, (event.payload as { phaseId: string }).phaseId]),
    ).toEqual([
      [false, "phase-1"],
      [false, "phase-2"],
      [false, "phase-3"],
      [false, "phase-4"],
    ]);
    const markusId = await userId(MARKUS);
    expect(due[0]?.payload).toMatchObject({ notified: [`user:${markusId}`, `user:${await userId(FRED)}`] });
    expect(found?.events.find((event) => event.type === "case.fix_released")?.reporterVisible).toBe(false);
    const outbox = await t.store.db
      .selectFrom("outbox")
      .select("idempotency_key")
      .where("case_id", "=", id)
      .where("event", "=", "disclosure.phase_due")
      .execute();
    expect(outbox.map((row) => row.idempotency_key)).toContain(`${id}:disclosure:phase-2:user:${markusId}`);
  });

  it("a release recorded late through the API sends every phase already due, once each; a correction sends none again", async () => {
    const { id, ref, markus } = await assignedCase();
    // Thirty days after the report: a release 20 days ago still comes after it (an earlier one is refused).
    const NOW = T0 + 30 * DAY;
    await later(t, { at: new Date(NOW) }, markus);
    const admin = await createStaff(t, {
      email: "admin@rocket.example",
      role: "admin",
      program: "rocketchat",
    });
    const token = await createApiToken(admin, "rocketchat", "responder");
    const post = (releasedAt: string) =>
      t.app.inject({
        method: "POST",
        url: `/api/v1/cases/${id}/fix-release`,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        payload: JSON.stringify({ releasedAt }),
      });

    // Released 20 days ago: day 0 and day 14 are both due now.
    const late = await post(new Date(NOW - 20 * DAY).toISOString());
    expect(late.statusCode).toBe(200);
    expect(late.json()).toEqual({ changed: true, releasedAt: new Date(NOW - 20 * DAY).toISOString() });
    expect(await at(NOW - T0)).toMatchObject({ escalations: 2 });
    // Sent in the same tick: in either order.
    const phases = () =>
      subjects(MARKUS)
        .filter((subject) => subject.includes("Disclosure phase"))
        .sort();
    expect(phases()).toEqual([phaseSubject(ref, 0), phaseSubject(ref, 1)]);

    // Corrected to 15 days ago: nothing is sent again; day 30 comes 15 days from now.
    expect((await post(new Date(NOW - 15 * DAY).toISOString())).json()).toMatchObject({ changed: true });
    expect(await at(NOW - T0)).toMatchObject({ escalations: 0 });
    expect(await at(NOW - T0 + 15 * DAY - 60_000)).toMatchObject({ escalations: 0 });
    expect(await at(NOW - T0 + 15 * DAY)).toMatchObject({ escalations: 1 });
    expect(phases()).toEqual([phaseSubject(ref, 0), phaseSubject(ref, 1), phaseSubject(ref, 2)]);

    // A release in the future, or an unreadable date, is refused.
    const future = await post(new Date(NOW + 20 * DAY).toISOString());
    expect(future.statusCode).toBe(400);
    expect(future.json()).toMatchObject({ fields: [{ field: "releasedAt" }] });
    expect((await post("next tuesday")).statusCode).toBe(400);
    const detail = (
      await t.app.inject({
        method: "GET",
        url: `/api/v1/cases/${id}`,
        headers: { authorization: `Bearer ${token}` },
      })
    ).json() as { fixReleasedAt: string; disclosurePhases: { id: string; state: string; dueAt: string }[] };
    expect(detail.fixReleasedAt).toBe(new Date(NOW - 15 * DAY).toISOString());
    expect(detail.disclosurePhases.map((phase) => [phase.id, phase.state])).toEqual([
      ["phase-1", "due"],
      ["phase-2", "due"],
      ["phase-3", "due"],
      ["phase-4", "upcoming"],
    ]);
  });
});
