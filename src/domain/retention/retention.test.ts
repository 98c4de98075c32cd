import { describe, expect, it } from "vitest";
import { dueErasures, shortestRetentionDays } from "./retention.js";

const CLOSED = new Date("2026-01-01T00:00:00Z");
const open = { closedAt: null, erasedAt: null, contactErasedAt: null, filesErasedAt: null };
const closed = { ...open, closedAt: CLOSED };
const day = (n: number) => new Date(CLOSED.getTime() + n * 86_400_000);

describe("retention", () => {
  const rules = { contactDetailsAfterClose: { days: 180 }, attachmentsAfterClose: { days: 365 } };

  it("erases nothing of an open case, and nothing before the days have passed", () => {
    expect(dueErasures(rules, open, day(10_000))).toEqual([]);
    expect(dueErasures(rules, closed, new Date(day(180).getTime() - 1))).toEqual([]);
  });

  it("erases the contact details, then the files, each once, on the day", () => {
    expect(dueErasures(rules, closed, day(180))).toEqual(["contact"]);
    expect(dueErasures(rules, { ...closed, contactErasedAt: day(180) }, day(365))).toEqual(["files"]);
    expect(
      dueErasures(rules, { ...closed, contactErasedAt: day(180), filesErasedAt: day(365) }, day(999)),
    ).toEqual([]);
  });

  it("erases the whole case when its rule is due, and never an erased case again", () => {
    const all = { ...rules, caseAfterClose: { days: 400 } };
    expect(dueErasures(all, closed, day(400))).toEqual(["content"]);
    expect(dueErasures(all, { ...closed, erasedAt: day(400) }, day(500))).toEqual([]);
    expect(shortestRetentionDays(all)).toBe(180);
    expect(shortestRetentionDays({})).toBeUndefined();
  });
});
