import { acknowledgementDueAt } from "../domain/clocks/case-clocks.js";
import type { LoadedPolicy } from "../policy/loader.js";

// ProgramRegistry lives in src/programs/registry.ts: every layer uses it, not only intake.

/**
 * When the team promises to acknowledge a report received at `receivedAt` (the policy's
 * acknowledge clock, else its confirmation clock), or null if it promises nothing. The same rule
 * keeps `acknowledge_by` in step when the case later waits for its reporter (case-clocks.ts).
 */
export function acknowledgeBy(loaded: LoadedPolicy, receivedAt: Date): Date | null {
  return acknowledgementDueAt(loaded.policy, receivedAt);
}
