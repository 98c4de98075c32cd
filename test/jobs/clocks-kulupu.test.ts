import { describe, expect, it } from "vitest";
import type { JobRunner } from "../../src/jobs/runner.js";
import { databases } from "../support/databases.js";
import { useJobsHarness } from "../support/jobs.js";
import type { SmtpSink } from "../support/smtp-sink.js";
import { createStaff } from "../support/staff.js";
import type { TestApp } from "../support/web.js";
import { fileReport, textOf } from "../support/workspace.js";

/**
 * Kulupu: the seed promises a response "indicating the next steps" but names no time, so the
 * policy has no clock (`clocks: []`) and no escalation. Its one contact, Wei Tang, is the point of
 * contact and has an email address: he hears of a new report, and nothing else happens by itself.
 */
const WEI = "wei@kulupu.example";
const REPORTER = "ada@example.org";
const T0 = Date.parse("2026-12-02T10:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(databases)("Kulupu, a program without clocks, on $name", (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let jobs: JobRunner;
  useJobsHarness(database.open, (parts) => {
    ({ t, sink, jobs } = parts);
  });

  const at = (ms: number) => {
    t.clock.set(new Date(T0 + ms));
    return jobs.drain();
  };

  it("tells Wei (the point of contact with an email) of the new report, without its content, and nothing else ever", async () => {
    expect(t.programs.get("kulupu")?.policy.serviceLevels.clocks).toEqual([]);
    t.clock.set(new Date(T0));
    const report = await fileReport(t, "kulupu", {
      title: "Block import accepts a forged seal",
      fields: {
        name: "Ada",
        description: "The seal check can be skipped.",
        components: "runtime",
        reproduction: "Import block 42 twice.",
      },
      contact: { email: REPORTER },
    });
    expect(report.acknowledgeBy).toBeNull();
    const ref = report.reference;

    expect(await at(0)).toMatchObject({ cases: 1, escalations: 0, notifications: 1, sent: 1, failed: 0 });
    expect(sink.mails).toHaveLength(1);
    const mail = sink.mails[0]!;
    expect(mail.to).toEqual([WEI]);
    expect(mail.subject).toBe(`[Kulupu] New report (${ref})`);
    expect(mail.text).toContain("A new report was received.");
    expect(mail.text).toContain(`/cases/${report.id}`);
    expect(mail.text).not.toMatch(/forged seal|seal check|block 42|Ada/);
    expect(sink.to(REPORTER)).toHaveLength(0);

    // Days, weeks, a year: no clock, so no warning, breach or reminder; the case's timer waits
    // for the next change (it remembers which events were told of).
    for (const ms of [HOUR, 3 * DAY, 30 * DAY, 365 * DAY]) {
      expect(await at(ms)).toMatchObject({ cases: 0, escalations: 0, notifications: 0, sent: 0 });
    }
    expect(sink.mails).toHaveLength(1);
    expect(await t.store.db.selectFrom("case_timers").select("due_at").execute()).toEqual([
      { due_at: "9999-12-31T23:59:59.999Z" },
    ]);
    expect(await t.store.db.selectFrom("case_escalations").select("step_key").execute()).toEqual([]);
    const outbox = await t.store.db.selectFrom("outbox").select(["status", "channel", "event"]).execute();
    expect(outbox).toEqual([{ status: "sent", channel: "email", event: "case.received" }]);

    // The case page says there is no promise to keep, and the timeline holds no escalation step.
    const staff = await createStaff(t, { email: "viewer@kulupu.example", role: "viewer", program: "kulupu" });
    const page = textOf((await staff.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain("Kulupu's policy promises no response times.");
    expect(page).not.toMatch(/Warning: the clock|Breach: the promise|Reminder: still overdue/);
  });

  it("two reports are two notices to Wei, one each, and still nothing else", async () => {
    t.clock.set(new Date(T0));
    const first = await fileReport(t, "kulupu");
    t.clock.set(new Date(T0 + HOUR));
    const second = await fileReport(t, "kulupu");
    await at(HOUR);
    await at(90 * DAY);
    expect(
      sink
        .to(WEI)
        .map((mail) => mail.subject)
        .sort(),
    ).toEqual(
      [`[Kulupu] New report (${first.reference})`, `[Kulupu] New report (${second.reference})`].sort(),
    );
    expect(sink.mails).toHaveLength(2);
  });
});
