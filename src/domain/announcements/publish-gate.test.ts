import { describe, expect, it } from "vitest";
import { acmePolicy } from "../../../test/support/acme-policy.js";
import { caseFactsAt } from "../../../test/support/case-facts.js";
import { embargoEnd } from "../clocks/disclosure.js";
import { disclosedAtOf, publishGate } from "./publish-gate.js";

const RECEIVED = new Date("2026-11-25T10:00:00Z");
const DAY = 86_400_000;
const at = (days: number) => new Date(RECEIVED.getTime() + days * DAY);

const withEmbargo = acmePolicy({
  disclosure: { publicAnnouncement: true, embargo: { within: { days: 30 } } },
});
const embargoAfterTriage = acmePolicy({
  disclosure: { publicAnnouncement: true, embargo: { within: { days: 30 }, startsAt: "triaged" } },
});
const noEmbargo = acmePolicy({ disclosure: { publicAnnouncement: true } });

const open = { state: "fixed", outcome: null, disclosedAt: null };

describe("the disclosure date an announcement waits for", () => {
  it("opens when the embargo ends, and says when it ends before that", () => {
    const before = publishGate({ ...open, embargo: embargoEnd(withEmbargo, caseFactsAt(RECEIVED), at(10)) });
    expect(before).toEqual({
      open: false,
      reason: "the embargo ends on 2026-12-25 10:00 UTC: publish from then, or once the case is disclosed",
    });
    const after = publishGate({ ...open, embargo: embargoEnd(withEmbargo, caseFactsAt(RECEIVED), at(30)) });
    expect(after).toEqual({ open: true, reason: "the embargo ended on 2026-12-25 10:00 UTC" });
  });

  it("stays shut while an embargo has not started, whatever the state", () => {
    const gate = publishGate({
      state: "closed",
      outcome: "resolved",
      disclosedAt: null,
      embargo: embargoEnd(embargoAfterTriage, caseFactsAt(RECEIVED), at(90)),
    });
    expect(gate).toEqual({
      open: false,
      reason:
        "the embargo has not started (it starts when the case is triaged): publish once it has ended, or once the case is disclosed",
    });
  });

  it("opens once the case was disclosed, even inside the embargo", () => {
    const gate = publishGate({
      ...open,
      disclosedAt: at(2),
      embargo: embargoEnd(withEmbargo, caseFactsAt(RECEIVED), at(3)),
    });
    expect(gate).toEqual({ open: true, reason: "the case was disclosed on 2026-11-27 10:00 UTC" });
  });

  it("without an embargo, needs the case disclosed or closed as resolved", () => {
    const embargo = embargoEnd(noEmbargo, caseFactsAt(RECEIVED), at(1));
    expect(embargo).toBeNull();
    expect(publishGate({ ...open, embargo }).open).toBe(false);
    expect(publishGate({ ...open, embargo, state: "closed", outcome: "informative" }).open).toBe(false);
    expect(publishGate({ ...open, embargo, state: "closed", outcome: "resolved" })).toEqual({
      open: true,
      reason: "the case was closed as resolved",
    });
  });

  it("finds the first move to disclosed among a case's events", () => {
    const events = [
      { type: "case.state_changed", at: at(1), payload: { from: "new", to: "triaged" } },
      { type: "team.note", at: at(2), payload: { to: "disclosed" } },
      { type: "case.state_changed", at: at(3), payload: { from: "fixed", to: "disclosed" } },
      { type: "case.state_changed", at: at(4), payload: { from: "disclosed", to: "closed" } },
    ];
    expect(disclosedAtOf(events)).toEqual(at(3));
    expect(disclosedAtOf(events.slice(0, 2))).toBeNull();
  });
});
