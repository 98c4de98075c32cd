import type { CaseState } from "./lifecycle.js";

/**
 * The lifecycle's timestamps on a case after a move, as ISO-8601 text (what the case row keeps).
 * Pure: the current values, the state moved to and the instant in; the new values out.
 */
export interface LifecycleTimestamps {
  closedAt: string | null;
  triagedAt: string | null;
  fixedAt: string | null;
  /** When the team stops waiting for the reporter's agreement that the fix resolves their report. */
  agreementDueAt: string | null;
}

/** States that come before a fix: moving (back) to one drops the fix time and any pending agreement. */
const BEFORE_FIX: ReadonlySet<CaseState> = new Set(["new", "triaged", "in-progress", "needs-info"]);
/** Reaching one of these means the case has been triaged (once triaged, always triaged). */
const TRIAGED: ReadonlySet<CaseState> = new Set(["triaged", "in-progress", "fixed", "disclosed"]);
/** The state a case waits for its reporter in (src/domain/clocks/pauses.ts). */
export const WAITING_FOR_REPORTER: CaseState = "needs-info";

export function timestampsAfterMove(
  current: Omit<LifecycleTimestamps, "closedAt">,
  to: CaseState,
  at: Date,
  /** The agreement deadline the move itself sets (a fix that asks the reporter), or null. */
  agreementRequestedUntil: Date | null,
): LifecycleTimestamps {
  const iso = at.toISOString();
  const requested = agreementRequestedUntil?.toISOString() ?? null;
  return {
    closedAt: to === "closed" ? iso : null,
    triagedAt: current.triagedAt ?? (TRIAGED.has(to) ? iso : null),
    fixedAt: to === "fixed" ? iso : BEFORE_FIX.has(to) ? null : current.fixedAt,
    agreementDueAt: requested ?? (to === "closed" || BEFORE_FIX.has(to) ? null : current.agreementDueAt),
  };
}

/** Whether a move starts or ends a wait for the reporter (which pauses the clocks that say so). */
export function changesWaiting(from: CaseState, to: CaseState): boolean {
  return (from === WAITING_FOR_REPORTER) !== (to === WAITING_FOR_REPORTER);
}
