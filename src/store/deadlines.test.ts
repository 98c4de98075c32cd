import { describe, expect, it } from "vitest";
import { type DeadlineFields, nextDueAt } from "./deadlines.js";

const ACK_BY = "2026-11-26T10:00:00.000Z";
const DUE = "2026-12-10T23:59:59.000Z";
const AUTHORITY = "2026-11-28T10:00:00.000Z";

const fields = (overrides: Partial<DeadlineFields> = {}): DeadlineFields => ({
  state: "new",
  acknowledge_by: ACK_BY,
  acknowledged_at: null,
  due_at: DUE,
  authority_notify_by: null,
  authority_notified_at: null,
  ...overrides,
});

describe("next_due_at: the earliest open deadline of a case", () => {
  it("is the acknowledgement until acknowledged, then the team's due date", () => {
    expect(nextDueAt(fields())).toBe(ACK_BY);
    expect(nextDueAt(fields({ acknowledged_at: "2026-11-25T12:00:00.000Z" }))).toBe(DUE);
    expect(nextDueAt(fields({ acknowledge_by: null, due_at: null }))).toBeNull();
  });

  it("includes the authority deadline of a privacy incident until the authority is notified", () => {
    const privacy = fields({ acknowledged_at: "2026-11-25T12:00:00.000Z", authority_notify_by: AUTHORITY });
    expect(nextDueAt(privacy)).toBe(AUTHORITY);
    expect(nextDueAt({ ...privacy, due_at: null })).toBe(AUTHORITY);
    // An earlier acknowledgement still comes first.
    expect(nextDueAt(fields({ authority_notify_by: AUTHORITY }))).toBe(ACK_BY);
    expect(nextDueAt({ ...privacy, authority_notified_at: "2026-11-27T09:00:00.000Z" })).toBe(DUE);
  });

  it("is null once the case is closed", () => {
    expect(nextDueAt(fields({ state: "closed", authority_notify_by: AUTHORITY }))).toBeNull();
  });
});
