import { describe, expect, it } from "vitest";
import { escalationText, utcMinute } from "./notification-text.js";

const dueAt = new Date("2025-03-04T14:00:00Z");
const base = {
  programName: "Kitsu",
  clockLabel: "Acknowledge the report",
  n: 0,
  dueAt,
  message: null,
  caseRef: "KITSU-12",
};

describe("escalationText", () => {
  it("warns with the time left", () => {
    const words = escalationText({ ...base, kind: "warn", now: new Date("2025-03-04T11:30:00Z") });
    expect(words.subject).toBe("[Kitsu] Acknowledge the report: due in 2 h (KITSU-12)");
    expect(words.text).toBe(
      '"Acknowledge the report" for case KITSU-12 is due in 2 h.\nDue: 2025-03-04 14:00 UTC (due in 2 h)',
    );
  });

  it("announces the breach and repeats with their number", () => {
    const breach = escalationText({ ...base, kind: "breach", now: dueAt });
    expect(breach.subject).toBe("[Kitsu] Acknowledge the report: overdue (breach) (KITSU-12)");
    expect(breach.text).toContain("Due: 2025-03-04 14:00 UTC (overdue by less than a minute)");

    const repeat = escalationText({
      ...base,
      kind: "repeat",
      n: 2,
      now: new Date("2025-03-06T15:00:00Z"),
      message: "  Page the on-call lead.  ",
    });
    expect(repeat.subject).toBe("[Kitsu] Acknowledge the report: still overdue, reminder 2 (KITSU-12)");
    expect(repeat.text).toBe(
      '"Acknowledge the report" for case KITSU-12 is still overdue (reminder 2).\n' +
        "Due: 2025-03-04 14:00 UTC (overdue by 2 d)\n\nPage the on-call lead.",
    );
  });

  it("keeps the subject on one line whatever the policy says", () => {
    const words = escalationText({
      ...base,
      kind: "breach",
      programName: "Kit\r\nsu",
      clockLabel: "Ack\nnow",
    });
    expect(words.subject).not.toMatch(/[\r\n]/);
    expect(words.subject.startsWith("[Kit su] Ack now: overdue")).toBe(true);
  });
});

it("utcMinute formats to the minute in UTC", () => {
  expect(utcMinute(new Date("2025-03-04T14:05:59.999Z"))).toBe("2025-03-04 14:05 UTC");
});
