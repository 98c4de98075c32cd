import { describe, expect, it } from "vitest";
import { agreementStatus, checkAgreementNote, planAgreementReminder } from "./agreement.js";

const at = (iso: string) => new Date(iso);
const requested = {
  type: "case.agreement_requested",
  actor: "team:u1",
  at: at("2026-12-01T00:00:00Z"),
  payload: {},
};

describe("the agreement that a case is resolved", () => {
  it("is given by the reporter's yes or a team record after the latest request, not by a no", () => {
    expect(agreementStatus([]).state).toBe("awaited");
    expect(agreementStatus([requested]).state).toBe("awaited");
    const no = {
      type: "reporter.agreement",
      actor: "reporter",
      at: at("2026-12-02T00:00:00Z"),
      payload: { agree: false, comment: "" },
    };
    const yes = { ...no, payload: { agree: true, comment: "ok" } };
    const recorded = {
      type: "case.agreement_recorded",
      actor: "team:u2",
      at: at("2026-12-03T00:00:00Z"),
      payload: { note: "by phone" },
    };
    expect(agreementStatus([requested, no]).state).toBe("declined");
    expect(agreementStatus([requested, yes])).toMatchObject({ state: "given", by: "reporter" });
    expect(agreementStatus([requested, no, recorded])).toMatchObject({
      state: "given",
      by: "team:u2",
      note: "by phone",
    });
    // Asked again (fixed once more): what came before no longer counts.
    expect(agreementStatus([requested, yes, requested]).state).toBe("awaited");
  });

  it("checks the team's note and plans one reminder per request once the wait has passed", () => {
    expect(checkAgreementNote("  ").ok).toBe(false);
    expect(checkAgreementNote("x".repeat(2_001)).ok).toBe(false);
    expect(checkAgreementNote(" by phone ")).toEqual({ ok: true, note: "by phone" });
    const due = "2026-12-15T00:00:00.000Z";
    expect(planAgreementReminder("c", due, new Set(), at("2026-12-14T00:00:00Z"))).toEqual({
      take: null,
      nextAt: at(due),
    });
    const step = planAgreementReminder("c", due, new Set(), at("2026-12-15T00:00:00Z")).take;
    expect(step?.idempotencyKey).toBe(`c:agreement-reminder:${due}`);
    expect(
      planAgreementReminder("c", due, new Set([`c:agreement-reminder:${due}`]), at("2026-12-20T00:00:00Z")),
    ).toEqual({
      take: null,
      nextAt: null,
    });
    expect(planAgreementReminder("c", null, new Set(), at("2026-12-20T00:00:00Z")).take).toBeNull();
  });
});
