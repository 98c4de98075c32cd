import { beforeEach, describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { databases } from "../support/databases.js";
import { useJobsHarness } from "../support/jobs.js";
import type { SmtpSink } from "../support/smtp-sink.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { openForm, type TestApp } from "../support/web.js";
import { fileReport, postCaseForm, textOf } from "../support/workspace.js";

/**
 * Rewards (`recognition.reward`; Rocket.Chat: bounty-or-gift, "Send bounty/gift to Hacker"):
 * proposed by one member, approved by another, seen and declinable by the reporter once approved
 * (and mailed to them), recorded as paid, exported as CSV for the finance side. Through HTTP (the
 * case page's forms, the staff JSON API, the reporter's page) and SMTP, on SQLite and PostgreSQL.
 */
const T0 = new Date("2026-12-10T10:00:00Z");
const REPORTER = "hacker@example.org";
const POLICY_TEXT = "Send bounty/gift to Hacker";

describe.each(databases)("rewards on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  let alice: CreatedStaff;
  let bob: CreatedStaff;
  let viewer: CreatedStaff;
  useJobsHarness(database.open, (parts) => {
    ({ t, sink, jobs } = parts);
  });
  beforeEach(async () => {
    t.clock.set(T0);
    alice = await createStaff(t, { email: "alice@rocket.chat", role: "responder", program: "rocketchat" });
    bob = await createStaff(t, { email: "bob@rocket.chat", role: "responder", program: "rocketchat" });
    viewer = await createStaff(t, { email: "viewer@rocket.chat", role: "viewer", program: "rocketchat" });
  });

  const api = (staff: CreatedStaff, method: "GET" | "POST", url: string, body?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: { cookie: staff.browser.cookieHeader(), "content-type": "application/json" },
      ...(method === "POST" ? { payload: JSON.stringify(body ?? {}) } : {}),
    });
  const propose = (staff: CreatedStaff, id: string, body: unknown) =>
    api(staff, "POST", `/api/v1/cases/${id}/reward`, body);
  const reporterPage = async (token: string) => textOf((await t.app.inject({ url: `/r/${token}` })).body);
  const decline = async (token: string, message: string) => {
    const form = await openForm(t.app, `/r/${token}`);
    return t.app.inject({
      method: "POST",
      url: `/r/${token}/reward/decline`,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
      payload: new URLSearchParams({ _csrf: form.csrf, message }).toString(),
    });
  };
  const eventTypes = async (id: string) =>
    (
      await t.store.db
        .selectFrom("case_events")
        .select("type")
        .where("case_id", "=", id)
        .where("type", "like", "reward.%")
        .orderBy("seq")
        .execute()
    ).map((row) => row.type);
  async function rocketReport(title = "Messages leak between rooms") {
    const report = await fileReport(t, "rocketchat", { title, contact: { email: REPORTER } });
    await jobs.drain();
    sink.mails.length = 0;
    return report;
  }

  it("takes a Rocket.Chat bounty from proposal to payment: a second member approves, the reporter sees it and is mailed", async () => {
    const report = await rocketReport();
    // Proposed on the case page, by Alice: the page shows the policy's words and the proposal.
    const proposed = await postCaseForm(alice, report.id, "reward-propose", {
      "reward-kind": "bounty",
      "reward-amount": "1500.50",
      "reward-currency": "USD",
    });
    expect(proposed.statusCode).toBe(303);
    expect(proposed.headers.location).toBe(`/cases/${report.id}?notice=reward`);
    const page = textOf((await alice.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain(POLICY_TEXT);
    expect(page).toContain("Bounty: 1,500.50 USD");
    expect(page).toContain("Proposed, waiting for a second team member's approval");
    expect(page).toContain("You proposed this reward: another team member must approve it.");

    // Merely proposed: the reporter sees nothing of it, and cannot decline it.
    expect(await reporterPage(report.token)).not.toMatch(/reward|1,500/i);
    expect((await decline(report.token, "")).statusCode).toBe(409);

    // The proposer cannot approve it, by the form or the API.
    const self = await postCaseForm(alice, report.id, "reward-approve", { "reward-proposal": "1" });
    expect(self.statusCode).toBe(400);
    expect(textOf(self.body)).toContain("Another team member must approve the reward");
    const selfApi = await api(alice, "POST", `/api/v1/cases/${report.id}/reward/approve`, {});
    expect(selfApi.statusCode).toBe(409);
    expect(selfApi.json()).toMatchObject({ error: "reward_self_approval" });
    // Nor pay it before approval.
    const early = await api(bob, "POST", `/api/v1/cases/${report.id}/reward/paid`, { paidOn: "2026-12-10" });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: "reward_not_approved" });
    // Nor approve a proposal other than the one standing.
    const stale = await api(bob, "POST", `/api/v1/cases/${report.id}/reward/approve`, { proposal: 2 });
    expect(stale.json()).toMatchObject({ error: "reward_changed" });

    // Bob approves it on the case page.
    const approved = await postCaseForm(bob, report.id, "reward-approve", { "reward-proposal": "1" });
    expect(approved.statusCode).toBe(303);
    expect(approved.headers.location).toBe(`/cases/${report.id}?notice=reward-approved`);

    // The reporter sees it on their page, and is mailed (without the amount).
    const seen = await reporterPage(report.token);
    expect(seen).toContain("Your reward");
    expect(seen).toContain("A bounty of 1,500.50 USD");
    expect(seen).toContain(POLICY_TEXT);
    await jobs.drain();
    const mails = sink.to(REPORTER);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe(`[Rocket.Chat] ${report.reference}: news on your report`);
    expect(mails[0]!.text).toContain("The team approved a reward for your report. See it on your case page.");
    expect(mails[0]!.text).not.toContain("1,500");

    // Paid, through the API, with a reference; the JSON and the page say so.
    const paid = await api(alice, "POST", `/api/v1/cases/${report.id}/reward/paid`, {
      proposal: 1,
      paidOn: "2026-12-10",
      reference: "WIRE-2026-0042",
    });
    expect(paid.statusCode).toBe(200);
    expect(paid.json()).toMatchObject({
      status: "paid",
      kind: "bounty",
      amount: "1500.50",
      amountMinor: 150_050,
      currency: "USD",
      paidOn: "2026-12-10",
      reference: "WIRE-2026-0042",
    });
    const state = await api(viewer, "GET", `/api/v1/cases/${report.id}/reward`);
    expect(state.statusCode).toBe(200);
    expect(state.json()).toMatchObject({
      policy: { kind: "bounty-or-gift", text: POLICY_TEXT },
      current: {
        status: "paid",
        proposedBy: expect.stringMatching(/^team:/),
        approvedBy: expect.any(String),
      },
    });
    expect(state.json().history.map((entry: { type: string }) => entry.type)).toEqual([
      "reward.proposed",
      "reward.approved",
      "reward.paid",
    ]);
    expect(await reporterPage(report.token)).toContain("The team recorded it as paid on 2026-12-10.");
    // A paid reward is final.
    const again = await propose(bob, report.id, { kind: "gift", gift: "A hoodie" });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: "reward_settled" });
    // The amount is stored encrypted: not in the projection's row, nor in the events.
    const row = await t.store.db
      .selectFrom("case_rewards")
      .selectAll()
      .where("case_id", "=", report.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ program: "rocketchat", status: "paid", kind: "bounty" });
    expect(row.amount_ct).not.toMatch(/1500|USD|WIRE/);

    // The disclosure plan's `reward-reporter` task (day 90, once the fix is released) is done by
    // the system: the reward is paid. The credit task beside it is still the team's to check.
    expect((await postCaseForm(alice, report.id, "fix-release", { "released-at": "" })).statusCode).toBe(303);
    const plan = (await api(alice, "GET", `/api/v1/cases/${report.id}/disclosure-plan`)).json() as {
      phases: { tasks: { kind: string; done: boolean; doneBy: string | null }[] }[];
    };
    const tasks = plan.phases.flatMap((phase) => phase.tasks);
    expect(tasks.find((task) => task.kind === "reward-reporter")).toMatchObject({
      done: true,
      doneBy: "system",
    });
    expect(tasks.find((task) => task.kind === "credit-reporter")).toMatchObject({ done: false });
  });

  it("proposes a gift, replaces it, and lets the reporter decline an approved one with a message", async () => {
    const report = await rocketReport();
    const first = await propose(alice, report.id, { kind: "gift", gift: "A Rocket.Chat T-shirt" });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      proposal: 1,
      kind: "gift",
      gift: "A Rocket.Chat T-shirt",
      amount: null,
    });
    // Replaced by a new proposal before approval: the first is withdrawn.
    const second = await propose(bob, report.id, { kind: "gift", gift: "A hoodie and stickers" });
    expect(second.json()).toMatchObject({ proposal: 2, status: "proposed" });
    expect(await eventTypes(report.id)).toEqual(["reward.proposed", "reward.withdrawn", "reward.proposed"]);
    // Bob proposed the second: Alice approves it.
    const approved = await api(alice, "POST", `/api/v1/cases/${report.id}/reward/approve`, { proposal: 2 });
    expect(approved.json()).toMatchObject({ status: "approved" });
    // An approved reward is neither withdrawn nor replaced.
    expect((await api(bob, "POST", `/api/v1/cases/${report.id}/reward/withdraw`, {})).statusCode).toBe(409);
    expect((await propose(bob, report.id, { kind: "gift", gift: "More" })).statusCode).toBe(409);

    const page = await reporterPage(report.token);
    expect(page).toContain("A gift: A hoodie and stickers");
    expect(page).not.toContain("T-shirt");
    // Too long a message is refused beside the form; then declined.
    const long = await decline(report.token, "x".repeat(2_001));
    expect(long.statusCode).toBe(400);
    expect(textOf(long.body)).toContain("A message may be at most 2000 characters.");
    const declined = await decline(report.token, "Thanks, but please donate it to the Tor Project.");
    expect(declined.statusCode).toBe(303);
    expect(await reporterPage(report.token)).toContain("You declined this reward.");
    expect((await decline(report.token, "")).statusCode).toBe(409);
    const staffPage = textOf((await alice.browser.get(`/cases/${report.id}`)).body);
    expect(staffPage).toContain("Declined by the reporter");
    expect(staffPage).toContain("Thanks, but please donate it to the Tor Project.");
    expect(await eventTypes(report.id)).toEqual([
      "reward.proposed",
      "reward.withdrawn",
      "reward.proposed",
      "reward.approved",
      "reward.declined",
    ]);
    // After a decline the team may propose again.
    expect(
      (await propose(alice, report.id, { kind: "bounty", amount: 10_000, currency: "EUR" })).statusCode,
    ).toBe(201);
  });

  it("refuses a proposal with 409 where the policy offers no reward (Kitsu, Kafe)", async () => {
    const kitsuLead = await createStaff(t, {
      email: "lead@kitsu.example",
      role: "responder",
      program: "kitsu",
    });
    const kafeLead = await createStaff(t, { email: "lead@kafe.example", role: "responder", program: "kafe" });
    for (const [program, lead] of [
      ["kitsu", kitsuLead],
      ["kafe", kafeLead],
    ] as const) {
      const report = await fileReport(t, program);
      const refused = await propose(lead, report.id, { kind: "bounty", amount: "100", currency: "USD" });
      expect(refused.statusCode, program).toBe(409);
      expect(refused.json()).toMatchObject({
        error: "reward_not_offered",
        message: "This program's policy offers no reward.",
      });
      const gift = await propose(lead, report.id, { kind: "gift", gift: "A mug" });
      expect(gift.statusCode).toBe(409);
      const form = await postCaseForm(lead, report.id, "reward-propose", {
        "reward-kind": "gift",
        "reward-gift": "A mug",
      });
      expect(form.statusCode).toBe(400);
      expect(await eventTypes(report.id)).toEqual([]);
      expect((await api(lead, "GET", `/api/v1/cases/${report.id}/reward`)).json()).toMatchObject({
        policy: { kind: "none", text: null },
        current: null,
      });
      // No reward section on the case page, nor on the reporter's.
      expect((await lead.browser.get(`/cases/${report.id}`)).body).not.toContain("reward-heading");
      expect((await t.app.inject({ url: `/r/${report.token}` })).body).not.toContain("reward-heading");
    }
  });

  it("exports the program's rewards as CSV with spreadsheet formulas neutralised", async () => {
    const bounty = await rocketReport("First");
    await propose(alice, bounty.id, { kind: "bounty", amount: 50_000, currency: "USD" });
    await api(bob, "POST", `/api/v1/cases/${bounty.id}/reward/approve`, {});
    await api(alice, "POST", `/api/v1/cases/${bounty.id}/reward/paid`, {
      paidOn: "2026-12-10",
      reference: '=HYPERLINK("http://evil.example","x")',
    });
    const gift = await rocketReport("Second");
    t.clock.set(new Date("2026-12-10T10:01:00Z"));
    await propose(alice, gift.id, { kind: "gift", gift: '@SUM(1+1), "quoted"\nsecond line' });
    const minus = await rocketReport("Third");
    t.clock.set(new Date("2026-12-10T10:02:00Z"));
    await propose(bob, minus.id, { kind: "gift", gift: "-2+3" });

    const csv = await api(alice, "GET", "/api/v1/programs/rocketchat/rewards.csv");
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(csv.headers["content-disposition"]).toBe('attachment; filename="rocketchat-rewards.csv"');
    expect(csv.body).toBe(
      [
        "case id,status,kind,amount,currency,gift,proposed at,approved by,paid at,reference",
        `${bounty.id},paid,bounty,500.00,USD,,2026-12-10T10:00:00.000Z,bob@rocket.chat,2026-12-10,"'=HYPERLINK(""http://evil.example"",""x"")"`,
        `${gift.id},proposed,gift,,,"'@SUM(1+1), ""quoted""\nsecond line",2026-12-10T10:01:00.000Z,,,`,
        `${minus.id},proposed,gift,,,'-2+3,2026-12-10T10:02:00.000Z,,,`,
        "",
      ].join("\r\n"),
    );
    // Viewers may read a case's reward but not export or write; other programs' members see nothing.
    expect((await api(viewer, "GET", "/api/v1/programs/rocketchat/rewards.csv")).statusCode).toBe(403);
    const kafeLead = await createStaff(t, { email: "lead@kafe.example", role: "responder", program: "kafe" });
    expect((await api(kafeLead, "GET", "/api/v1/programs/rocketchat/rewards.csv")).statusCode).toBe(404);
    expect((await api(kafeLead, "GET", "/api/v1/programs/kafe/rewards.csv")).body).toBe(
      "case id,status,kind,amount,currency,gift,proposed at,approved by,paid at,reference\r\n",
    );
    expect((await api(alice, "GET", "/api/v1/programs/nope/rewards.csv")).statusCode).toBe(404);
  });

  it("lets viewers read the reward but not write it", async () => {
    const report = await rocketReport();
    expect((await propose(viewer, report.id, { kind: "gift", gift: "Mug" })).statusCode).toBe(403);
    await propose(alice, report.id, { kind: "gift", gift: "Mug" });
    for (const action of ["approve", "withdraw"])
      expect((await api(viewer, "POST", `/api/v1/cases/${report.id}/reward/${action}`, {})).statusCode).toBe(
        403,
      );
    const form = await postCaseForm(viewer, report.id, "reward-approve", { "reward-proposal": "1" });
    expect(form.statusCode).toBe(403);
    const page = await viewer.browser.get(`/cases/${report.id}`);
    expect(textOf(page.body)).toContain("Gift: Mug");
    expect(page.body).not.toContain("/reward-approve");
    expect((await api(viewer, "GET", `/api/v1/cases/${report.id}/reward`)).json()).toMatchObject({
      current: { gift: "Mug", status: "proposed" },
    });
    expect(await eventTypes(report.id)).toEqual(["reward.proposed"]);
  });

  it("refuses stranger inputs with 400 and another program's case with 404", async () => {
    const report = await rocketReport();
    const refusals: [unknown, string][] = [
      [{ kind: "bounty", amount: -5, currency: "USD" }, "amount"],
      [{ kind: "bounty", amount: "-5", currency: "USD" }, "amount"],
      [{ kind: "bounty", amount: "NaN", currency: "USD" }, "amount"],
      [{ kind: "bounty", amount: null, currency: "USD" }, "amount"],
      [{ kind: "bounty", amount: 1e9, currency: "USD" }, "amount"],
      [{ kind: "bounty", amount: "1e9", currency: "USD" }, "amount"],
      [{ kind: "bounty", amount: "1000000.01", currency: "USD" }, "amount"],
      [{ kind: "bounty", amount: 10.5, currency: "USD" }, "amount"],
      [{ kind: "bounty", amount: "10.005", currency: "USD" }, "amount"],
      [{ kind: "bounty", amount: "0", currency: "USD" }, "amount"],
      [{ kind: "bounty", amount: "100", currency: "usd" }, "currency"],
      [{ kind: "bounty", amount: "100", currency: "DOLLARS" }, "currency"],
      [{ kind: "gift", gift: "x".repeat(501) }, "gift"],
      [{ kind: "gift", gift: "   " }, "gift"],
      [{ kind: "gift", gift: "Mug", amount: 5 }, ""],
      [{ kind: "crypto", amount: "1" }, ""],
    ];
    for (const [body, field] of refusals) {
      const response = await propose(alice, report.id, body);
      expect(response.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(response.json().error).toBe("invalid_request");
      if (field !== "")
        expect(response.json().fields?.[0]?.field, JSON.stringify(body).slice(0, 80)).toContain(field);
    }
    // The page's form refuses beside its field.
    const form = await postCaseForm(alice, report.id, "reward-propose", {
      "reward-kind": "bounty",
      "reward-amount": "10.005",
      "reward-currency": "USD",
    });
    expect(form.statusCode).toBe(400);
    expect(form.body).toMatch(
      /id="reward-amount-error">Give the amount as a number with at most two decimals/,
    );
    expect(await eventTypes(report.id)).toEqual([]);

    // Payment facts: a real day, not in the future; a short reference.
    await propose(alice, report.id, { kind: "bounty", amount: "100", currency: "CHF" });
    await api(bob, "POST", `/api/v1/cases/${report.id}/reward/approve`, {});
    for (const body of [
      { paidOn: "2026-02-30" },
      { paidOn: "2030-01-01" },
      { paidOn: "yesterday" },
      { paidOn: "2026-12-10", reference: "r".repeat(201) },
    ])
      expect((await api(alice, "POST", `/api/v1/cases/${report.id}/reward/paid`, body)).statusCode).toBe(400);

    // Another program's case: a member of Kafe learns nothing of it (404), and Kafe's case is not
    // Rocket.Chat's to reward.
    const kafeLead = await createStaff(t, { email: "lead@kafe.example", role: "responder", program: "kafe" });
    const response = await propose(kafeLead, report.id, { kind: "gift", gift: "Mug" });
    expect(response.statusCode).toBe(404);
    const kafeCase = await fileReport(t, "kafe");
    expect((await propose(alice, kafeCase.id, { kind: "gift", gift: "Mug" })).statusCode).toBe(404);
    expect((await api(alice, "GET", `/api/v1/cases/${kafeCase.id}/reward`)).statusCode).toBe(404);
  });
});
