import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { respondToAgreement, transition } from "../../src/commands/lifecycle.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { verifyAuditChains } from "../../src/store/audit.js";
import { CaseNotFoundError, findCaseForReporter } from "../../src/store/cases.js";
import { getCaseForStaff } from "../../src/store/staff-case-read.js";
import {
  AgreementNotPendingError,
  DuplicateOfUnknownError,
  TransitionRefused,
} from "../../src/store/staff-errors.js";
import { AS_ALICE, AS_BOB, caseRow, hours, seedCase, snapshot } from "../support/case-work.js";
import { databases, type TestStore } from "../support/databases.js";
import { openReadyStore } from "../support/reports.js";

const DAY_MS = 86_400_000;
const base = { noIncidentAllowed: false } as const;

describe.each(databases)("case transitions on $name", (database) => {
  let store: TestStore;
  let keyring: Keyring;
  beforeEach(async () => {
    ({ store, keyring } = await openReadyStore(database));
  });
  afterEach(async () => {
    await store.close();
  });

  it("applies an allowed move: state, timestamps, a reporter-visible event with the message", async () => {
    const { caseId, reporterToken } = await seedCase(store, keyring);
    const result = await transition(
      { store, keyring },
      caseId,
      AS_ALICE,
      { ...base, to: "triaged" },
      hours(2),
    );
    expect(result).toEqual({
      from: "new",
      to: "triaged",
      outcome: null,
      reporterMessage: "Your report has been triaged.",
      agreementDueAt: null,
      events: ["case.state_changed"],
    });
    expect(await caseRow(store, caseId)).toMatchObject({
      state: "triaged",
      triaged_at: hours(2).toISOString(),
      // Triage is not an acknowledgement: the deadline still stands.
      next_due_at: hours(24).toISOString(),
      event_count: 2,
    });
    const reporter = await findCaseForReporter(store, keyring, reporterToken);
    expect(reporter?.state).toBe("triaged");
    expect(reporter?.timeline.at(-1)).toEqual({
      seq: 2,
      type: "case.state_changed",
      actor: "team",
      at: hours(2),
      text: "Your report has been triaged.",
    });
    const staff = await getCaseForStaff(store, keyring, caseId);
    expect(staff?.events.at(-1)?.payload).toEqual({
      from: "new",
      to: "triaged",
      outcome: null,
      reporterMessage: "Your report has been triaged.",
      agreementDueAt: null,
    });
  });

  it("refuses a move the lifecycle does not allow, with the allowed ones, and writes nothing", async () => {
    const { caseId } = await seedCase(store, keyring);
    const before = await snapshot(store);
    const refused = await transition(
      { store, keyring },
      caseId,
      AS_ALICE,
      { ...base, to: "fixed" },
      hours(1),
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TransitionRefused);
    expect((refused as TransitionRefused).code).toBe("embargo.case.transitionRefused");
    expect((refused as TransitionRefused).decision).toMatchObject({
      ok: false,
      code: "not-allowed",
      allowed: ["triaged", "needs-info", "closed"],
    });
    // Closing needs an outcome.
    await expect(
      transition({ store, keyring }, caseId, AS_ALICE, { ...base, to: "closed" }, hours(1)),
    ).rejects.toMatchObject({ decision: { code: "outcome-required" } });
    expect(await snapshot(store)).toEqual(before);
  });

  it("closes a duplicate with its outcome and original, without telling the reporter which case that is", async () => {
    const original = await seedCase(store, keyring, { title: "Original: stored XSS via avatar upload" });
    const duplicate = await seedCase(store, keyring, { title: "XSS in avatar" });
    const result = await transition(
      { store, keyring },
      duplicate.caseId,
      AS_BOB,
      { ...base, to: "closed", outcome: "duplicate", duplicateOf: original.caseId },
      hours(5),
    );
    expect(result.events).toEqual(["case.state_changed", "case.duplicate_marked"]);
    expect(await caseRow(store, duplicate.caseId)).toMatchObject({
      state: "closed",
      outcome: "duplicate",
      duplicate_of: original.caseId,
      closed_at: hours(5).toISOString(),
      next_due_at: null,
    });
    const staff = await getCaseForStaff(store, keyring, duplicate.caseId);
    expect(staff).toMatchObject({ duplicateOf: original.caseId, outcome: "duplicate", closedAt: hours(5) });
    expect(staff?.events.at(-1)).toMatchObject({
      type: "case.duplicate_marked",
      reporterVisible: false,
      payload: { duplicateOf: original.caseId },
    });

    const reporter = await findCaseForReporter(store, keyring, duplicate.reporterToken);
    expect(reporter?.state).toBe("closed");
    expect(reporter?.timeline.map((entry) => entry.type)).toEqual(["case.received", "case.state_changed"]);
    expect(reporter?.timeline.at(-1)?.text).toMatch(/already reported/);
    const seen = JSON.stringify(reporter);
    expect(seen).not.toContain(original.caseId);
    expect(seen).not.toContain("avatar upload");

    // The original stays as it was.
    expect(await caseRow(store, original.caseId)).toMatchObject({ state: "new", outcome: null });
    expect(await verifyAuditChains(store, keyring)).toEqual({ ok: true, cases: 2, events: 4 });
  });

  it("refuses a duplicate of an unknown case, of a case in another program, or of itself", async () => {
    const { caseId } = await seedCase(store, keyring);
    const elsewhere = await seedCase(store, keyring, { program: "globex" });
    const before = await snapshot(store);
    const close = (duplicateOf: string) =>
      transition(
        { store, keyring },
        caseId,
        AS_ALICE,
        { ...base, to: "closed", outcome: "duplicate", duplicateOf },
        hours(1),
      );
    await expect(close("nosuchcase")).rejects.toThrow(DuplicateOfUnknownError);
    await expect(close(elsewhere.caseId)).rejects.toThrow(DuplicateOfUnknownError);
    await expect(close(caseId)).rejects.toThrow(TransitionRefused);
    await expect(close("")).rejects.toThrow(TransitionRefused);
    expect(await snapshot(store)).toEqual(before);
  });

  it("asks for the reporter's agreement on a fix and records the answer", async () => {
    const { caseId, reporterToken } = await seedCase(store, keyring);
    await transition({ store, keyring }, caseId, AS_ALICE, { ...base, to: "triaged" }, hours(1));
    await transition({ store, keyring }, caseId, AS_ALICE, { ...base, to: "in-progress" }, hours(2));
    // No agreement asked: answering is refused.
    await expect(respondToAgreement({ store, keyring }, reporterToken, true, "", hours(2))).rejects.toThrow(
      AgreementNotPendingError,
    );
    const fixed = await transition(
      { store, keyring },
      caseId,
      AS_ALICE,
      { ...base, to: "fixed", agreement: { required: true, waitForMs: 14 * DAY_MS } },
      hours(3),
    );
    const dueAt = new Date(hours(3).getTime() + 14 * DAY_MS);
    expect(fixed).toMatchObject({
      to: "fixed",
      agreementDueAt: dueAt,
      events: ["case.state_changed", "case.agreement_requested"],
    });
    expect(await caseRow(store, caseId)).toMatchObject({
      state: "fixed",
      fixed_at: hours(3).toISOString(),
      agreement_due_at: dueAt.toISOString(),
    });
    let reporter = await findCaseForReporter(store, keyring, reporterToken);
    expect(reporter?.timeline.slice(-2).map(({ type, text }) => ({ type, text }))).toEqual([
      {
        type: "case.state_changed",
        text: "The team has fixed the issue you reported. Please confirm on this page that the fix resolves it.",
      },
      { type: "case.agreement_requested", text: undefined },
    ]);

    await expect(respondToAgreement({ store, keyring }, "x".repeat(43), true, "", hours(4))).rejects.toThrow(
      CaseNotFoundError,
    );
    await expect(respondToAgreement({ store, keyring }, "short", true, "", hours(4))).rejects.toThrow(
      CaseNotFoundError,
    );
    const answer = await respondToAgreement(
      { store, keyring },
      reporterToken,
      true,
      "Confirmed, fixed.",
      hours(30),
    );
    expect(answer).toEqual({ caseId, seq: 6 });
    reporter = await findCaseForReporter(store, keyring, reporterToken);
    expect(reporter?.timeline.at(-1)).toEqual({
      seq: 6,
      type: "reporter.agreement",
      actor: "reporter",
      at: hours(30),
      text: "Confirmed, fixed.",
    });
    expect((await getCaseForStaff(store, keyring, caseId))?.events.at(-1)?.payload).toEqual({
      agree: true,
      comment: "Confirmed, fixed.",
    });
    expect((await caseRow(store, caseId)).agreement_due_at).toBeNull();
    await expect(
      respondToAgreement({ store, keyring }, reporterToken, false, "changed my mind", hours(31)),
    ).rejects.toThrow(AgreementNotPendingError);

    // Without the policy asking, a fix asks nothing.
    const other = await seedCase(store, keyring);
    await transition({ store, keyring }, other.caseId, AS_ALICE, { ...base, to: "triaged" }, hours(1));
    await transition({ store, keyring }, other.caseId, AS_ALICE, { ...base, to: "in-progress" }, hours(1));
    const plain = await transition(
      { store, keyring },
      other.caseId,
      AS_ALICE,
      { ...base, to: "fixed" },
      hours(1),
    );
    expect(plain).toMatchObject({ agreementDueAt: null, events: ["case.state_changed"] });
    expect(await verifyAuditChains(store, keyring)).toEqual({ ok: true, cases: 2, events: 10 });
  });

  it("closes as resolved after the fix and reopens, clearing the outcome", async () => {
    const { caseId } = await seedCase(store, keyring);
    for (const [to, hour] of [
      ["triaged", 1],
      ["in-progress", 2],
      ["fixed", 3],
      ["disclosed", 4],
    ] as const) {
      await transition({ store, keyring }, caseId, AS_ALICE, { ...base, to }, hours(hour));
    }
    await transition(
      { store, keyring },
      caseId,
      AS_ALICE,
      { ...base, to: "closed", outcome: "resolved" },
      hours(5),
    );
    expect(await caseRow(store, caseId)).toMatchObject({
      state: "closed",
      outcome: "resolved",
      triaged_at: hours(1).toISOString(),
      fixed_at: hours(3).toISOString(),
      closed_at: hours(5).toISOString(),
      next_due_at: null,
    });
    await transition({ store, keyring }, caseId, AS_BOB, { ...base, to: "triaged" }, hours(6));
    expect(await caseRow(store, caseId)).toMatchObject({
      state: "triaged",
      outcome: null,
      duplicate_of: null,
      closed_at: null,
      fixed_at: null,
      triaged_at: hours(1).toISOString(),
      // Reopened and still never acknowledged: the acknowledgement deadline is open again.
      next_due_at: hours(24).toISOString(),
    });
    expect(await verifyAuditChains(store, keyring)).toEqual({ ok: true, cases: 1, events: 7 });
  });
});
