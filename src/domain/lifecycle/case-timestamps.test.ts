import { describe, expect, it } from "vitest";
import { changesWaiting, timestampsAfterMove } from "./case-timestamps.js";

const AT = new Date("2026-03-02T10:00:00.000Z");
const EARLIER = "2026-03-01T09:00:00.000Z";
const LATER = "2026-03-20T09:00:00.000Z";
const none = { triagedAt: null, fixedAt: null, agreementDueAt: null };

describe("timestampsAfterMove", () => {
  it("stamps the first triage and keeps it through later moves", () => {
    expect(timestampsAfterMove(none, "triaged", AT, null).triagedAt).toBe(AT.toISOString());
    expect(timestampsAfterMove(none, "in-progress", AT, null).triagedAt).toBe(AT.toISOString());
    expect(timestampsAfterMove(none, "needs-info", AT, null).triagedAt).toBeNull();
    expect(timestampsAfterMove({ ...none, triagedAt: EARLIER }, "fixed", AT, null).triagedAt).toBe(EARLIER);
  });

  it("stamps the fix, keeps it when disclosed or closed, and drops it when the case goes back before a fix", () => {
    expect(timestampsAfterMove(none, "fixed", AT, null).fixedAt).toBe(AT.toISOString());
    const fixed = { ...none, triagedAt: EARLIER, fixedAt: EARLIER };
    expect(timestampsAfterMove(fixed, "disclosed", AT, null).fixedAt).toBe(EARLIER);
    expect(timestampsAfterMove(fixed, "closed", AT, null).fixedAt).toBe(EARLIER);
    expect(timestampsAfterMove(fixed, "in-progress", AT, null).fixedAt).toBeNull();
  });

  it("stamps closed only while closed", () => {
    expect(timestampsAfterMove(none, "closed", AT, null).closedAt).toBe(AT.toISOString());
    expect(timestampsAfterMove(none, "new", AT, null).closedAt).toBeNull();
  });

  it("sets a requested agreement deadline, keeps a pending one, and ends it on closing or going back", () => {
    const due = new Date(LATER);
    expect(timestampsAfterMove(none, "fixed", AT, due).agreementDueAt).toBe(LATER);
    const pending = { ...none, fixedAt: EARLIER, agreementDueAt: LATER };
    expect(timestampsAfterMove(pending, "disclosed", AT, null).agreementDueAt).toBe(LATER);
    expect(timestampsAfterMove(pending, "closed", AT, null).agreementDueAt).toBeNull();
    expect(timestampsAfterMove(pending, "in-progress", AT, null).agreementDueAt).toBeNull();
  });
});

describe("changesWaiting", () => {
  it("is true exactly when a move enters or leaves needs-info", () => {
    expect(changesWaiting("triaged", "needs-info")).toBe(true);
    expect(changesWaiting("needs-info", "in-progress")).toBe(true);
    expect(changesWaiting("triaged", "in-progress")).toBe(false);
  });
});
