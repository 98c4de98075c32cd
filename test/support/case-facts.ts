import type { CaseClockFacts } from "../../src/domain/clocks/case-clocks.js";

/** A case received at `receivedAt` that nobody has acted on yet, with `overrides` on top. */
export function caseFactsAt(receivedAt: Date, overrides: Partial<CaseClockFacts> = {}): CaseClockFacts {
  return {
    receivedAt,
    severity: null,
    acknowledgedAt: null,
    firstTeamReplyAt: null,
    detailedResponseAt: null,
    triagedAt: null,
    fixedAt: null,
    closedAt: null,
    reporterAgreedAt: null,
    ...overrides,
  };
}
