import { describe, expect, it } from "vitest";
import { countdown, formatSpan, inboxClock } from "./countdown.js";

const NOW = new Date("2026-11-25T10:00:00Z");
const at = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000);

describe("deadlines in words", () => {
  it("picks the unit and never rounds up", () => {
    expect(formatSpan(30_000)).toBe("less than a minute");
    expect(formatSpan(59 * 60_000)).toBe("59 min");
    expect(formatSpan(2 * 3_600_000 + 59 * 60_000)).toBe("2 h");
    expect(formatSpan(47.9 * 3_600_000)).toBe("47 h");
    expect(formatSpan(48 * 3_600_000)).toBe("2 d");
    expect(formatSpan(-3 * 86_400_000)).toBe("3 d");
  });

  it("is due before the deadline and overdue from it on", () => {
    expect(countdown(at(3), NOW)).toEqual({ overdue: false, remainingMs: 3 * 3_600_000, text: "due in 3 h" });
    expect(countdown(at(-2), NOW).text).toBe("overdue by 2 h");
    expect(countdown(NOW, NOW).overdue).toBe(true);
  });

  it("words the inbox clock for what is owed", () => {
    const owed = { acknowledgeBy: at(3), acknowledgedAt: null, dueAt: at(100), nextDueAt: at(3) };
    expect(inboxClock(owed, NOW)).toMatchObject({ kind: "acknowledge", text: "acknowledge within 3 h" });
    expect(inboxClock(owed, at(5))).toMatchObject({
      kind: "acknowledge",
      overdue: true,
      text: "acknowledge overdue by 2 h",
    });
    const acknowledged = { ...owed, acknowledgedAt: at(1), nextDueAt: at(100) };
    expect(inboxClock(acknowledged, NOW)?.text).toBe("due in 4 d");
    // The team's due date came first.
    expect(inboxClock({ ...owed, dueAt: at(1), nextDueAt: at(1) }, at(2))?.text).toBe("overdue by 1 h");
    expect(inboxClock({ ...owed, nextDueAt: null }, NOW)).toBeNull();
  });

  it("words the authority deadline of a privacy incident while the authority is not notified", () => {
    const privacy = {
      acknowledgeBy: at(-10),
      acknowledgedAt: at(-9),
      dueAt: at(100),
      nextDueAt: at(5),
      authorityNotifyBy: at(5),
      authorityNotifiedAt: null,
    };
    expect(inboxClock(privacy, NOW)).toMatchObject({
      kind: "authority",
      text: "notify the authority within 5 h",
    });
    expect(inboxClock(privacy, at(7))?.text).toBe("notify the authority overdue by 2 h");
    // Once notified, the store's next deadline is the due date again.
    const notified = { ...privacy, authorityNotifiedAt: at(1), nextDueAt: at(100) };
    expect(inboxClock(notified, NOW)).toMatchObject({ kind: "due", text: "due in 4 d" });
  });
});
