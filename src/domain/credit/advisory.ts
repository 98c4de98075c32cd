import type { Policy } from "../../policy/schema.js";
import type { AdvisoryCredit } from "../advisories/record.js";
import { type CreditFacts, creditDecision } from "./rules.js";

/**
 * The credits of a case's advisory record (src/domain/advisories/record.ts), by the policy's rules
 * (`creditDecision`): the reporter, as they chose to be named, typed `finder` (they found the issue
 * and told the program), with their link when it is https. Nobody when the policy's rules credit
 * nobody: no `recognition.credit`, an anonymous reporter, a duplicate under first-reporter-only
 * (its original's advisory credits that reporter), no change yet under `requiresChange`.
 *
 * `facts` is the case's (for a duplicate, ask with the original's facts). Pure.
 */
export function advisoryCreditsFor(policy: Policy, facts: CreditFacts): AdvisoryCredit[] {
  const decision = creditDecision(policy, facts);
  if (!decision.credited) return [];
  return [{ name: decision.name, type: "finder", ...(decision.link === null ? {} : { url: decision.link }) }];
}
