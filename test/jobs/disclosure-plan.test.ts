import { describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { databases } from "../support/databases.js";
import { useJobsHarness } from "../support/jobs.js";
import type { SmtpSink } from "../support/smtp-sink.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import type { TestApp } from "../support/web.js";
import { createApiToken, fileReport, later, postCaseForm, textOf } from "../support/workspace.js";

/**
 * The disclosure plan both sides see and steer (src/domain/disclosure/plan.ts), driven by a fake
 * clock through HTTP and a real SMTP sink:
 *
 * - Kafe: a 60-day embargo from receipt. The reporter's page shows when it ends; on day 60 the
 *   reporter is mailed, once, that it ended and they may disclose.
 * - Rocket.Chat: phases on day 0, 14, 30 and 90 after the fix release, each action a task with an
 *   owner, a due date and a done box. Tasks appear once the release is recorded; checking them all
 *   completes a phase; an open task's owner hears of its phase falling due, and a day later the
 *   emergency and lead contacts hear of it (once each); moving the day-90 date needs a reason and
 *   tells the reporter; on the (moved) day 90 the reporter is mailed that they may publish.
 */
const REPORTER = "ada@example.org";
const T0 = Date.parse("2026-12-02T10:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface PlanJson {
  embargo: { endsAt: string | null; state: string } | null;
  plannedDisclosureAt: string | null;
  phases: {
    id: string;
    dueAt: string | null;
    complete: boolean;
    moved: { from: string | null; to: string; reason: string } | null;
    tasks: {
      n: number;
      kind: string;
      by: string;
      owner: string | null;
      dueAt: string;
      done: boolean;
      doneBy: string | null;
      overdue: boolean;
    }[];
  }[];
}

describe.each(databases)("the disclosure plan on $name", (database) => {
  describe("Kafe's 60-day embargo", () => {
    let t: TestApp;
    let sink: SmtpSink;
    let jobs: JobRunner;
    useJobsHarness(database.open, (parts) => {
      ({ t, sink, jobs } = parts);
    });

    it("the reporter's page shows the embargo end; at day 60 the reporter is mailed once that it ended", async () => {
      t.clock.set(new Date(T0));
      const report = await fileReport(t, "kafe", { contact: { email: REPORTER } });
      const admin = await createStaff(t, { email: "admin@kafe.example", role: "admin", program: "kafe" });
      await jobs.drain();
      sink.mails.length = 0;
      const reporterPage = async () =>
        textOf((await t.app.inject({ method: "GET", url: `/r/${report.token}` })).body);
      const at = async (ms: number) => {
        t.clock.set(new Date(T0 + ms));
        return jobs.drain();
      };

      const before = await reporterPage();
      expect(before).toContain("Embargo ends 2027-01-31 10:00 UTC");
      expect(before).toContain("Planned disclosure date 2027-01-31 10:00 UTC");
      expect(before).toContain(
        "Until 2027-01-31 10:00 UTC: please keep the details of your report confidential.",
      );
      expect(before).toContain("From 2027-01-31 10:00 UTC: you may publish them.");
      expect(before).not.toContain("You may now publish");
      // The team sees the same date on the case page.
      await later(t, { at: new Date(T0 + DAY) }, admin);
      expect(textOf((await admin.browser.get(`/cases/${report.id}`)).body)).toContain(
        "Planned disclosure date 2027-01-31 10:00 UTC (the reporter sees it on their page)",
      );

      // A minute before day 60: nothing for the reporter; on day 60, one mail; later, none again.
      await at(60 * DAY - 60_000);
      expect(sink.to(REPORTER)).toHaveLength(0);
      await at(60 * DAY);
      expect(sink.to(REPORTER).map((mail) => mail.subject)).toEqual([
        `[Kafe] ${report.reference}: the embargo on your report has ended`,
      ]);
      const mail = sink.to(REPORTER)[0]!.text;
      expect(mail).toContain("The embargo on the report you sent to Kafe ended on 2027-01-31 10:00 UTC.");
      expect(mail).toContain("You may now disclose it.");
      expect(mail).not.toContain("Stored XSS");
      await at(61 * DAY);
      await at(90 * DAY);
      expect(sink.to(REPORTER)).toHaveLength(1);

      // Another program's team finds no such case, to read or to move.
      const kitsu = await createStaff(t, { email: "admin@kitsu.example", role: "admin", program: "kitsu" });
      const kitsuToken = await createApiToken(kitsu, "kitsu", "responder");
      const stranger = (method: "GET" | "POST", url: string, body?: unknown) =>
        t.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${kitsuToken}`, "content-type": "application/json" },
          ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
        });
      const plan = `/api/v1/cases/${report.id}/disclosure-plan`;
      expect((await stranger("GET", plan)).statusCode).toBe(404);
      const move = { what: "embargo", to: new Date(T0 + 120 * DAY).toISOString(), reason: "r" };
      expect((await stranger("POST", `${plan}/move`, move)).statusCode).toBe(404);

      const after = await reporterPage();
      expect(after).toContain("You may now publish the details of your report (since 2027-01-31 10:00 UTC).");
      expect(after).toContain("Embargo ends 2027-01-31 10:00 UTC");
    });
  });

  describe("Rocket.Chat's phases as tasks", () => {
    let t: TestApp;
    let sink: SmtpSink;
    let jobs: JobRunner;
    useJobsHarness(
      database.open,
      (parts) => {
        ({ t, sink, jobs } = parts);
      },
      { policies: "test/fixtures/policies/disclosure-plan" },
    );

    const MARKUS = "markus@rocket.example";
    const FRED = "fred@rocket.example";
    const RITA = "rita@rocket.example";
    const LEAD = "markus.kirsch@lead.rocket.example";
    const CTO = "rodrigo@cto.rocket.example";
    /** The fix is released ten days after the report: day 0 of the phases. */
    const RELEASE = T0 + 10 * DAY;
    const iso = (ms: number) => new Date(ms).toISOString();

    async function setUp() {
      t.clock.set(new Date(T0));
      const report = await fileReport(t, "rocketchat", {
        title: "Stored XSS in the profile page",
        contact: { email: REPORTER },
      });
      const markus = await createStaff(t, { email: MARKUS, role: "responder", program: "rocketchat" });
      const fred = await createStaff(t, { email: FRED, role: "responder", program: "rocketchat" });
      const rita = await createStaff(t, { email: RITA, role: "responder", program: "rocketchat" });
      const admin = await createStaff(t, {
        email: "admin@rocket.example",
        role: "admin",
        program: "rocketchat",
      });
      const token = await createApiToken(admin, "rocketchat", "responder");
      const viewer = await createApiToken(admin, "rocketchat", "viewer");
      const userId = async (email: string) =>
        (
          await t.store.db
            .selectFrom("users")
            .select("id")
            .where("email", "=", email)
            .executeTakeFirstOrThrow()
        ).id;
      const ids = {
        markus: await userId(MARKUS),
        rita: await userId(RITA),
        admin: await userId("admin@rocket.example"),
      };
      expect((await postCaseForm(markus, report.id, "assign", { assignee: ids.markus })).statusCode).toBe(
        303,
      );
      expect((await postCaseForm(fred, report.id, "follow", {})).statusCode).toBe(303);
      await jobs.drain();
      sink.mails.length = 0;
      const call = (method: "GET" | "POST", url: string, body?: unknown, bearer = token) =>
        t.app.inject({
          method,
          url,
          headers: {
            authorization: `Bearer ${bearer}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
        });
      const base = `/api/v1/cases/${report.id}/disclosure-plan`;
      const plan = async () => {
        const response = await call("GET", base);
        expect(response.statusCode).toBe(200);
        return response.json() as PlanJson;
      };
      const phase = async (id: string) => (await plan()).phases.find((p) => p.id === id)!;
      const reporterPage = async () =>
        textOf((await t.app.inject({ method: "GET", url: `/r/${report.token}` })).body);
      const staffPage = async (member: CreatedStaff) =>
        textOf((await member.browser.get(`/cases/${report.id}`)).body);
      /** Moves the clock, signs the members in again (sessions end), runs the jobs. */
      const at = async (ms: number, ...members: CreatedStaff[]) => {
        await later(t, { at: new Date(ms) }, ...members);
        return jobs.drain();
      };
      const subjects = (address: string) => sink.to(address).map((mail) => mail.subject);
      const nextDueAt = async () =>
        (
          (await call("GET", `/api/v1/cases/${report.id}`)).json() as {
            nextDueAt: string | null;
          }
        ).nextDueAt;
      return {
        report,
        markus,
        fred,
        rita,
        ids,
        call,
        base,
        plan,
        phase,
        reporterPage,
        staffPage,
        at,
        subjects,
        nextDueAt,
        viewer,
      };
    }

    it("tasks appear after the fix release, complete their phase, escalate once when overdue; day 90 moves with a reason and then tells the reporter they may publish", async () => {
      const s = await setUp();
      const { report, markus, ids } = s;
      const ref = report.reference;

      // Before the fix release: phases without dates, no tasks; the reporter has no date yet.
      expect((await s.plan()).phases.map((p) => [p.id, p.dueAt, p.tasks.length])).toEqual([
        ["phase-1", null, 0],
        ["phase-2", null, 0],
        ["phase-3", null, 0],
        ["phase-4", null, 0],
      ]);
      const early = await s.reporterPage();
      expect(early).toContain("Planned disclosure date not set yet");
      expect(early).toContain("The date you may publish them is set 90 days after the fix is released");
      expect(await s.staffPage(markus)).not.toContain("Save task");

      // Markus records the release; the tasks appear, dated from it, owned by the assignee.
      await s.at(RELEASE, markus);
      expect((await postCaseForm(markus, report.id, "fix-release", { "released-at": "" })).statusCode).toBe(
        303,
      );
      expect(await s.at(RELEASE, markus)).toMatchObject({ escalations: 1 });
      const released = await s.plan();
      expect(released.plannedDisclosureAt).toBe(iso(RELEASE + 90 * DAY));
      expect(released.phases.map((p) => [p.id, p.dueAt, p.tasks.length, p.complete])).toEqual([
        ["phase-1", iso(RELEASE), 2, false],
        ["phase-2", iso(RELEASE + 14 * DAY), 2, false],
        ["phase-3", iso(RELEASE + 30 * DAY), 3, false],
        ["phase-4", iso(RELEASE + 90 * DAY), 4, false],
      ]);
      expect(released.phases[3]!.tasks.map((task) => [task.kind, task.by, task.owner])).toEqual([
        ["allow-reporter-disclosure", "system", ids.markus],
        ["credit-reporter", "team", ids.markus],
        ["reward-reporter", "team", ids.markus],
        ["close-case", "system", ids.markus],
      ]);
      expect(released.phases[0]!.tasks.every((task) => task.overdue && !task.done)).toBe(true);
      // The earliest open task is the case's next deadline.
      expect(await s.nextDueAt()).toBe(iso(RELEASE));
      const teamPage = await s.staffPage(markus);
      expect(teamPage).toContain(
        `Update our hosting (cloud) client's servers (update-hosted-instances) Owner: ${MARKUS} · Due 2026-12-12 10:00 UTC · Overdue`,
      );
      expect(teamPage).toContain(
        "Planned disclosure date 2027-03-12 10:00 UTC (the reporter sees it on their page)",
      );
      // The reporter sees the dates and what they may do, nothing internal.
      const dated = await s.reporterPage();
      expect(dated).toContain("Planned disclosure date 2027-03-12 10:00 UTC");
      expect(dated).toContain(
        "Until 2027-03-12 10:00 UTC: please keep the details of your report confidential.",
      );
      expect(dated).toContain("From 2027-03-12 10:00 UTC: you may publish them.");
      for (const internal of [MARKUS, "Update our hosting", "Send bounty", "Owner", "phase-1"])
        expect(dated).not.toContain(internal);

      // Day 0's tasks: one checked on the page, one through the API: the phase is complete.
      const checked = await postCaseForm(markus, report.id, "disclosure-task", {
        phase: "phase-1",
        task: "0",
        "done-shown": "yes",
        done: "yes",
        owner: "",
      });
      expect(checked.statusCode).toBe(303);
      expect(checked.headers.location).toBe(`/cases/${report.id}?notice=disclosure-plan`);
      expect((await s.phase("phase-1")).complete).toBe(false);
      const viaApi = await s.call("POST", `${s.base}/tasks/phase-1/1`, { done: true });
      expect(viaApi.statusCode).toBe(200);
      expect(viaApi.json()).toEqual({ changed: true });
      expect((await s.call("POST", `${s.base}/tasks/phase-1/1`, { done: true })).json()).toEqual({
        changed: false,
      });
      const day0 = await s.phase("phase-1");
      expect(day0.complete).toBe(true);
      // Checked by Markus on the page, by the token's administrator through the API.
      expect(day0.tasks.map((task) => [task.done, task.doneBy])).toEqual([
        [true, `team:${ids.markus}`],
        [true, `team:${ids.admin}`],
      ]);
      expect(await s.nextDueAt()).toBe(iso(RELEASE + 14 * DAY));
      expect(await s.staffPage(markus)).toContain("Phase complete");

      // Rita owns the release post of day 14.
      const owned = await s.call("POST", `${s.base}/tasks/phase-2/0`, { owner: ids.rita });
      expect(owned.json()).toEqual({ changed: true });
      expect((await s.phase("phase-2")).tasks.map((task) => task.owner)).toEqual([ids.rita, ids.markus]);

      // Day 0 is done: its leads hear nothing a day later.
      await s.at(RELEASE + 14 * DAY - 60_000);
      expect(sink.to(CTO)).toHaveLength(0);
      expect(sink.to(RITA)).toHaveLength(0);

      // Day 14 falls due with both tasks open: the owners and the follower hear of it, Rita too.
      await s.at(RELEASE + 14 * DAY, markus);
      const day14 = "[Rocket.Chat] Disclosure phase due: Second phase - latest 14 days after the release";
      expect(s.subjects(RITA)).toEqual([`${day14} (${ref})`]);
      expect(s.subjects(MARKUS)).toContain(`${day14} (${ref})`);
      expect(s.subjects(FRED)).toContain(`${day14} (${ref})`);
      expect(sink.to(CTO)).toHaveLength(0);
      expect(await s.staffPage(markus)).toContain(
        `Include a phrase in our release blog post (publish-release-note) Owner: ${RITA} · Due 2026-12-26 10:00 UTC · Overdue`,
      );
      // A day later, still open: the emergency and lead contacts hear of each task, once.
      await s.at(RELEASE + 15 * DAY);
      const overdue = `[Rocket.Chat] Disclosure task overdue (${ref})`;
      expect(s.subjects(CTO)).toEqual([overdue, overdue]);
      expect(s.subjects(LEAD)).toEqual([overdue, overdue]);
      expect(
        sink
          .to(CTO)
          .map((mail) => mail.text)
          .join("\n"),
      ).toContain("- Include a phrase in our release blog post");
      for (const mail of sink.to(CTO)) expect(mail.text).not.toContain("Stored XSS");
      await s.at(RELEASE + 16 * DAY);
      await s.at(RELEASE + 17 * DAY);
      expect(s.subjects(CTO)).toHaveLength(2);
      expect(s.subjects(RITA)).toHaveLength(1);
      // Nothing of this reaches the reporter.
      expect(sink.to(REPORTER)).toHaveLength(0);

      // Day 20: the team moves day 90 by ten days. Without a reason: refused, nothing written.
      await s.at(RELEASE + 20 * DAY, markus);
      const to = iso(RELEASE + 100 * DAY);
      const noReason = await s.call("POST", `${s.base}/move`, { what: "phase:phase-4", to, reason: "  " });
      expect(noReason.statusCode).toBe(400);
      expect(noReason.json()).toMatchObject({ error: "invalid_request", fields: [{ field: "reason" }] });
      expect((await s.call("POST", `${s.base}/move`, { what: "phase:phase-4", to })).statusCode).toBe(400);
      const formNoReason = await postCaseForm(markus, report.id, "disclosure-move", {
        what: "phase:phase-4",
        to: "2027-03-22T10:00",
        reason: "",
      });
      expect(formNoReason.statusCode).toBe(400);
      expect(textOf(formNoReason.body)).toContain("Say why the date moves.");
      expect((await s.phase("phase-4")).dueAt).toBe(iso(RELEASE + 90 * DAY));

      const reason = "The fix for the older supported releases ships ten days later.";
      const moved = await s.call("POST", `${s.base}/move`, { what: "phase:phase-4", to, reason });
      expect(moved.statusCode).toBe(200);
      expect(moved.json()).toEqual({ from: iso(RELEASE + 90 * DAY), to });
      const shifted = await s.plan();
      expect(shifted.plannedDisclosureAt).toBe(to);
      expect(shifted.phases[3]).toMatchObject({
        dueAt: to,
        moved: { from: iso(RELEASE + 90 * DAY), to, reason },
      });
      expect(shifted.phases[3]!.tasks.every((task) => task.dueAt === to)).toBe(true);
      // The reporter is mailed the new date; the reason is on their page (the mail is not encrypted).
      await s.at(RELEASE + 20 * DAY, markus);
      expect(s.subjects(REPORTER)).toEqual([
        `[Rocket.Chat] ${ref}: a date of your report's disclosure moved`,
      ]);
      const movedMail = sink.to(REPORTER)[0]!.text;
      expect(movedMail).toContain(
        "The team moved the planned disclosure date of the report you sent to Rocket.Chat from 2027-03-12 10:00 UTC to 2027-03-22 10:00 UTC.",
      );
      expect(movedMail).toContain("Their reason is on your private case page.");
      const movedPage = await s.reporterPage();
      expect(movedPage).toContain("Planned disclosure date 2027-03-22 10:00 UTC");
      expect(movedPage).toContain(
        `The planned disclosure date moved from 2027-03-12 10:00 UTC to 2027-03-22 10:00 UTC. The team's reason: ${reason}`,
      );
      const movedTeam = await s.staffPage(markus);
      // The team's page: the phase's new date with the move, and the timeline's event.
      expect(movedTeam).toContain(
        `Day 90 – Fourth phase - latest 90 days after the release : due 2027-03-22 10:00 UTC`,
      );
      expect(movedTeam).toContain(
        `from 2027-03-12 10:00 UTC to 2027-03-22 10:00 UTC (the reporter was told): ${reason}`,
      );
      expect(movedTeam).toContain(
        `Disclosure date moved Internal Phase phase-4 moved from 2027-03-12 10:00 UTC to 2027-03-22 10:00 UTC (the reporter is told). Reason: ${reason}`,
      );
      await s.at(RELEASE + 21 * DAY);
      expect(sink.to(REPORTER)).toHaveLength(1);

      // The old day 90 passes quietly for the reporter; the moved one tells them, once.
      await s.at(RELEASE + 90 * DAY);
      expect(sink.to(REPORTER)).toHaveLength(1);
      await s.at(RELEASE + 100 * DAY - 60_000);
      expect(sink.to(REPORTER)).toHaveLength(1);
      await s.at(RELEASE + 100 * DAY, markus);
      expect(s.subjects(REPORTER)).toEqual([
        `[Rocket.Chat] ${ref}: a date of your report's disclosure moved`,
        `[Rocket.Chat] ${ref}: you may now publish your report`,
      ]);
      expect(sink.to(REPORTER)[1]!.text).toContain("You may now publish the details of your report.");
      expect(await s.reporterPage()).toContain(
        "You may now publish the details of your report (since 2027-03-22 10:00 UTC).",
      );
      // The system's task is done; the team's are still open.
      const day90 = await s.phase("phase-4");
      expect(day90.tasks.map((task) => [task.kind, task.done, task.doneBy])).toEqual([
        ["allow-reporter-disclosure", true, "system"],
        ["credit-reporter", false, null],
        ["reward-reporter", false, null],
        ["close-case", false, null],
      ]);
      expect(await s.staffPage(markus)).toContain("Disclosure: the reporter was told");
      await s.at(RELEASE + 101 * DAY);
      await s.at(RELEASE + 120 * DAY);
      expect(sink.to(REPORTER)).toHaveLength(2);

      // A date the reporter was told has passed cannot move any more.
      const tooLate = await s.call("POST", `${s.base}/move`, {
        what: "phase:phase-4",
        to: iso(RELEASE + 150 * DAY),
        reason,
      });
      expect(tooLate.statusCode).toBe(400);
      expect(tooLate.json()).toMatchObject({ fields: [{ field: "what" }] });
    });

    it("refuses what a stranger sends: unknown tasks, the system's tasks, non-members, bad dates, viewers", async () => {
      const s = await setUp();
      const { report, markus } = s;
      const post = (url: string, body: unknown, bearer?: string) => s.call("POST", url, body, bearer);
      // No tasks before the fix release.
      const undated = await post(`${s.base}/tasks/phase-1/0`, { done: true });
      expect(undated.statusCode).toBe(400);
      expect(undated.json()).toMatchObject({ fields: [{ field: "task" }] });
      const undatedMove = await post(`${s.base}/move`, {
        what: "phase:phase-4",
        to: iso(RELEASE + 100 * DAY),
        reason: "r",
      });
      expect(undatedMove.json()).toMatchObject({ fields: [{ field: "what" }] });

      await s.at(RELEASE, markus);
      expect((await postCaseForm(markus, report.id, "fix-release", { "released-at": "" })).statusCode).toBe(
        303,
      );
      for (const [url, body, field] of [
        [`${s.base}/tasks/phase-1/7`, { done: true }, "task"],
        [`${s.base}/tasks/nope/0`, { done: true }, "phase"],
        [`${s.base}/tasks/phase-4/0`, { done: true }, "done"],
        [`${s.base}/tasks/phase-4/3`, { done: true }, "done"],
        [`${s.base}/tasks/phase-1/0`, { owner: "not-a-member" }, "owner"],
        [`${s.base}/tasks/phase-1/0`, {}, "task"],
        [`${s.base}/move`, { what: "phase:nope", to: iso(RELEASE + DAY), reason: "r" }, "what"],
        [`${s.base}/move`, { what: "embargo", to: iso(RELEASE + DAY), reason: "r" }, "what"],
        [`${s.base}/move`, { what: "phase:phase-2", to: iso(RELEASE - DAY), reason: "r" }, "to"],
        [`${s.base}/move`, { what: "phase:phase-2", to: iso(RELEASE + 14 * DAY), reason: "r" }, "to"],
        [`${s.base}/move`, { what: "phase:phase-2", to: iso(RELEASE + 20 * 365 * DAY), reason: "r" }, "to"],
      ] as const) {
        const response = await post(url, body);
        expect(response.statusCode, `${url} ${JSON.stringify(body)}`).toBe(400);
        expect(response.json(), `${url} ${JSON.stringify(body)}`).toMatchObject({ fields: [{ field }] });
      }
      // Malformed: too long a reason, not an instant, extra members, a position that is no number.
      for (const [url, body] of [
        [`${s.base}/move`, { what: "phase:phase-2", to: iso(RELEASE + 20 * DAY), reason: "x".repeat(2_001) }],
        [`${s.base}/move`, { what: "phase:phase-2", to: "next tuesday", reason: "r" }],
        [
          `${s.base}/move`,
          { what: "phase:phase-2", to: iso(RELEASE + 20 * DAY), reason: "r", publish: true },
        ],
        [`${s.base}/tasks/phase-1/1e3`, { done: true }],
        [`${s.base}/tasks/phase-1/0`, { done: "yes" }],
      ] as const) {
        expect((await post(url, body)).statusCode, `${url} ${JSON.stringify(body).slice(0, 80)}`).toBe(400);
      }
      // The three routes are in the OpenAPI document, with their schemas.
      const doc = (await t.app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json() as {
        paths: Record<string, Record<string, unknown>>;
        components: { schemas: Record<string, unknown> };
      };
      expect(Object.keys(doc.paths["/api/v1/cases/{id}/disclosure-plan"] ?? {})).toEqual(["get"]);
      expect(Object.keys(doc.paths["/api/v1/cases/{id}/disclosure-plan/tasks/{phase}/{n}"] ?? {})).toEqual([
        "post",
      ]);
      expect(Object.keys(doc.paths["/api/v1/cases/{id}/disclosure-plan/move"] ?? {})).toEqual(["post"]);
      expect(Object.keys(doc.components.schemas)).toEqual(
        expect.arrayContaining([
          "DisclosurePlan",
          "DisclosureTask",
          "DisclosureTaskChange",
          "DisclosureDateMoveRequest",
        ]),
      );
      // A viewer may read the plan but not change it.
      expect((await s.call("GET", s.base, undefined, s.viewer)).statusCode).toBe(200);
      expect((await post(`${s.base}/tasks/phase-1/0`, { done: true }, s.viewer)).statusCode).toBe(403);
      expect(
        (
          await post(
            `${s.base}/move`,
            { what: "phase:phase-2", to: iso(RELEASE + 20 * DAY), reason: "r" },
            s.viewer,
          )
        ).statusCode,
      ).toBe(403);
      // Nothing was written by any of it.
      const untouched = await s.plan();
      expect(untouched.phases.every((phase) => phase.moved === null)).toBe(true);
      expect(untouched.phases.flatMap((phase) => phase.tasks).some((task) => task.done)).toBe(false);
      // The page shows a refusal beside its task.
      const refused = await postCaseForm(markus, report.id, "disclosure-task", {
        phase: "phase-4",
        task: "0",
        "done-shown": "yes",
        done: "yes",
        owner: "",
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain('id="task-phase-4-0-error"');
      expect(textOf(refused.body)).toContain(
        "This task is done by the system when the reporter is told they may disclose.",
      );
    });
  });
});
