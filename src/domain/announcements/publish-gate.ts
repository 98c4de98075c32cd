import type { EmbargoEnd } from "../clocks/disclosure.js";

/**
 * When a case's public announcement may be published: never before the case's disclosure date.
 *
 * The rule, in order:
 * 1. The case was moved to `disclosed` (at any time, even if it was closed or reopened since):
 *    the team declared the issue public then, so the date has passed.
 * 2. Otherwise, when the policy has an embargo (`disclosure.embargo`), its end on this case
 *    (src/domain/clocks/disclosure.ts `embargoEnd`) is the disclosure date: publishing is allowed
 *    once it has ended, refused while it runs or before it has started.
 * 3. Otherwise (no disclosed state, no embargo: Kitsu, privacyTools) nothing dates the
 *    disclosure, so the case must be closed as resolved: the fix is out and the case is done.
 *
 * Pure: the caller reads the facts (the events, the row, the policy's embargo at `now`).
 */

export interface DisclosureFacts {
  /** When the case first moved to `disclosed`; null when it never did (disclosedAtOf). */
  disclosedAt: Date | null;
  /** The policy's embargo on this case at the instant of the decision; null when the policy has none. */
  embargo: EmbargoEnd | null;
  state: string;
  outcome: string | null;
}

export type PublishGate = { open: boolean; reason: string };

/** "2026-12-24 10:00 UTC": the instant as the refusals and the panel write it. */
export function utcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** When the case first moved to `disclosed`, from its state changes (any events: others are skipped). */
export function disclosedAtOf(events: readonly { type: string; at: Date; payload: unknown }[]): Date | null {
  for (const event of events) {
    if (event.type !== "case.state_changed") continue;
    const payload = event.payload;
    if (typeof payload === "object" && payload !== null && "to" in payload && payload.to === "disclosed")
      return event.at;
  }
  return null;
}

export function publishGate(facts: DisclosureFacts): PublishGate {
  if (facts.disclosedAt !== null)
    return { open: true, reason: `the case was disclosed on ${utcMinute(facts.disclosedAt)}` };
  const embargo = facts.embargo;
  if (embargo !== null) {
    if (embargo.state === "ended" && embargo.endsAt !== null)
      return { open: true, reason: `the embargo ended on ${utcMinute(embargo.endsAt)}` };
    if (embargo.state === "running" && embargo.endsAt !== null)
      return {
        open: false,
        reason: `the embargo ends on ${utcMinute(embargo.endsAt)}: publish from then, or once the case is disclosed`,
      };
    return {
      open: false,
      reason: `the embargo has not started (it ${embargo.text}): publish once it has ended, or once the case is disclosed`,
    };
  }
  if (facts.state === "closed" && facts.outcome === "resolved")
    return { open: true, reason: "the case was closed as resolved" };
  return {
    open: false,
    reason:
      "the case is not disclosed: the policy sets no embargo, so publish once the case is disclosed or closed as resolved",
  };
}
