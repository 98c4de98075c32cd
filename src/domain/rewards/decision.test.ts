import { describe, expect, it } from "vitest";
import {
  decideApproval,
  decideDecline,
  decidePaid,
  decideProposal,
  decideWithdrawal,
  decimalOf,
  formatMinor,
  NO_REWARD_HISTORY,
  parseAmount,
  type RewardDecision,
  type RewardHistory,
  readProposal,
  rewardHistory,
  rewardSettled,
} from "./decision.js";

const T0 = new Date("2026-12-10T10:00:00Z");
const ALICE = "team:alice";
const BOB = "team:bob";

/** The events each history was folded from, so a step can append to them as the case's chain would. */
const stored = new WeakMap<RewardHistory, { type: string; actor: string; at: Date; payload: unknown }[]>();
function eventsOf(history: RewardHistory) {
  return stored.get(history) ?? [];
}
function step(history: RewardHistory, decision: RewardDecision, actor: string, at = T0): RewardHistory {
  if (!decision.ok) throw new Error(`refused: ${decision.code} ${decision.message}`);
  const events = [...eventsOf(history), ...decision.events.map((event) => ({ ...event, actor, at }))];
  const next = rewardHistory(events.map((event, seq) => ({ ...event, seq: seq + 1 })));
  stored.set(next, events);
  return next;
}

const bounty = { kind: "bounty", amount: "500", currency: "USD" } as const;

describe("reward proposals", () => {
  it("reads amounts as minor units or decimals with at most two decimals, within bounds", () => {
    expect(parseAmount(50_000)).toEqual({ ok: true, minor: 50_000 });
    expect(parseAmount("500")).toEqual({ ok: true, minor: 50_000 });
    expect(parseAmount("250.5")).toEqual({ ok: true, minor: 25_050 });
    expect(parseAmount("1000000.00")).toEqual({ ok: true, minor: 100_000_000 });
    for (const bad of ["-5", "0", "1.005", "1e9", "NaN", "", " ", "1,000", "1000000.01", "0x10", "+5"])
      expect(parseAmount(bad), bad).toMatchObject({ ok: false, code: "invalid", field: "amount" });
    for (const bad of [-1, 0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e9, 100_000_001])
      expect(parseAmount(bad), String(bad)).toMatchObject({ ok: false, field: "amount" });
  });

  it("checks the currency and the gift", () => {
    expect(readProposal({ kind: "bounty", amount: "5", currency: "usd" })).toMatchObject({
      field: "currency",
    });
    expect(readProposal({ kind: "bounty", amount: "5", currency: "US" })).toMatchObject({
      field: "currency",
    });
    expect(readProposal({ kind: "gift", gift: "  " })).toMatchObject({ field: "gift" });
    expect(readProposal({ kind: "gift", gift: "x".repeat(501) })).toMatchObject({ field: "gift" });
    expect(readProposal({ kind: "gift", gift: " A T-shirt\u0000 " })).toEqual({
      ok: true,
      offer: { kind: "gift", gift: "A T-shirt" },
    });
  });

  it("allows only the kinds the policy offers", () => {
    expect(decideProposal("none", NO_REWARD_HISTORY, bounty)).toMatchObject({ code: "reward_not_offered" });
    expect(decideProposal("none", NO_REWARD_HISTORY, { kind: "gift", gift: "Mug" })).toMatchObject({
      code: "reward_not_offered",
    });
    expect(decideProposal("bounty", NO_REWARD_HISTORY, { kind: "gift", gift: "Mug" })).toMatchObject({
      code: "reward_kind_not_offered",
    });
    expect(decideProposal("gift", NO_REWARD_HISTORY, bounty)).toMatchObject({
      code: "reward_kind_not_offered",
    });
    expect(decideProposal("bounty", NO_REWARD_HISTORY, bounty)).toMatchObject({ ok: true });
    expect(decideProposal("bounty-or-gift", NO_REWARD_HISTORY, { kind: "gift", gift: "Mug" })).toMatchObject({
      ok: true,
    });
  });
});

describe("the reward's status machine", () => {
  it("goes proposed → approved by a second member → paid, and settles the plan's task", () => {
    let history = step(NO_REWARD_HISTORY, decideProposal("bounty-or-gift", NO_REWARD_HISTORY, bounty), ALICE);
    expect(history.current).toMatchObject({
      proposal: 1,
      status: "proposed",
      offer: { kind: "bounty", amountMinor: 50_000, currency: "USD" },
    });
    expect(decideApproval(history, 1, ALICE)).toMatchObject({ code: "reward_self_approval" });
    expect(decideApproval(history, 1, "reporter")).toMatchObject({ code: "reward_self_approval" });
    expect(decideApproval(history, 2, BOB)).toMatchObject({ code: "reward_changed" });
    expect(decidePaid(history, { proposal: 1, paidOn: "2026-12-10", reference: "" }, T0)).toMatchObject({
      code: "reward_not_approved",
    });
    history = step(history, decideApproval(history, 1, BOB), BOB);
    expect(history.current).toMatchObject({ status: "approved", approvedBy: BOB });
    expect(decideApproval(history, 1, BOB)).toMatchObject({ code: "reward_not_proposed" });
    expect(decideWithdrawal(history, 1)).toMatchObject({ code: "reward_not_proposed" });
    expect(decideProposal("bounty-or-gift", history, bounty)).toMatchObject({ code: "reward_not_proposed" });
    for (const paidOn of ["2026-12-32", "2026-12-09", "2026-12-12", "12/10/2026", "2026-12-10T00:00"])
      expect(decidePaid(history, { proposal: 1, paidOn, reference: "" }, T0), paidOn).toMatchObject({
        field: "paidOn",
      });
    expect(
      decidePaid(history, { proposal: 1, paidOn: "2026-12-10", reference: "x".repeat(201) }, T0),
    ).toMatchObject({ field: "reference" });
    expect(rewardSettled(history)).toBeNull();
    history = step(
      history,
      decidePaid(history, { proposal: 1, paidOn: "2026-12-11", reference: " WIRE-42 " }, T0),
      ALICE,
    );
    expect(history.current).toMatchObject({ status: "paid", paidOn: "2026-12-11", reference: "WIRE-42" });
    expect(rewardSettled(history)).toEqual({ at: T0, actor: "system" });
    expect(decideProposal("bounty-or-gift", history, bounty)).toMatchObject({ code: "reward_settled" });
    expect(decideDecline(history, "")).toMatchObject({ code: "reward_settled" });
  });

  it("replaces a standing proposal, withdraws one, and lets the reporter decline", () => {
    let history = step(NO_REWARD_HISTORY, decideProposal("bounty-or-gift", NO_REWARD_HISTORY, bounty), ALICE);
    const replace = decideProposal("bounty-or-gift", history, { kind: "gift", gift: "A hoodie" });
    expect(replace.ok && replace.events.map((event) => event.type)).toEqual([
      "reward.withdrawn",
      "reward.proposed",
    ]);
    history = step(history, replace, ALICE);
    expect(history.proposals.map((reward) => [reward.proposal, reward.status, reward.replaced])).toEqual([
      [1, "withdrawn", true],
      [2, "proposed", false],
    ]);
    history = step(history, decideWithdrawal(history, 2), BOB);
    expect(history.current?.status).toBe("withdrawn");
    expect(decideWithdrawal(history, 2)).toMatchObject({ code: "reward_settled" });
    expect(decideDecline(history, "")).toMatchObject({ code: "reward_settled" });
    history = step(history, decideProposal("bounty-or-gift", history, bounty), ALICE);
    expect(history.current?.proposal).toBe(3);
    expect(decideDecline(history, "x".repeat(2001))).toMatchObject({ field: "message" });
    history = step(history, decideDecline(history, " No thanks, donate it. "), "reporter");
    expect(history.current).toMatchObject({ status: "declined", declineMessage: "No thanks, donate it." });
    expect(rewardSettled(history)).not.toBeNull();
    expect(decideDecline(NO_REWARD_HISTORY, "")).toMatchObject({ code: "no_reward" });
    expect(decideApproval(NO_REWARD_HISTORY, null, BOB)).toMatchObject({ code: "no_reward" });
  });

  it("formats amounts for people and for exports", () => {
    expect(formatMinor(100_000_000)).toBe("1,000,000.00");
    expect(formatMinor(5)).toBe("0.05");
    expect(decimalOf(123_456_789)).toBe("1234567.89");
  });
});
