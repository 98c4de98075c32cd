import type { Policy } from "../../policy/schema.js";
import { addDuration } from "../calendar/index.js";
import { scale } from "../clocks/due-dates.js";
import {
  type CaseState,
  type ClosingOutcome,
  closingOutcomesFrom,
  type TransitionInput,
} from "./lifecycle.js";

/** What a program's policy adds to the lifecycle's rules (pure: a policy and an instant in, rules out). */
/** The policy's part of every transition of `policy`'s cases, decided at `now`. */
export function transitionRules(
  policy: Policy,
  now: Date,
): Omit<TransitionInput, "from" | "caseId" | "now" | "to" | "outcome" | "duplicateOf"> {
  const register = policy.incident.register;
  const agreement = register?.reporterAgreement;
  const thirdPartyMessage = thirdPartyClosingMessage(policy);
  return {
    noIncidentAllowed: register?.noIncidentOutcome ?? false,
    ...(thirdPartyMessage === undefined ? {} : { thirdPartyMessage }),
    ...(agreement === undefined
      ? {}
      : {
          agreement: {
            required: agreement.required,
            waitForMs:
              addDuration(policy.serviceLevels.calendar, now, scale(agreement.waitFor, 1)).getTime() -
              now.getTime(),
          },
        }),
  };
}

/** The closing outcomes a case in `from` may be closed with under `policy`. */
export function closingOutcomesFor(from: CaseState, policy: Policy): ClosingOutcome[] {
  return closingOutcomesFrom(from, policy.incident.register?.noIncidentOutcome ?? false);
}

/** What the team does with a report about another project, as the reporter reads it on closing. */
const THIRD_PARTY_ACTIONS: Readonly<Record<string, string>> = {
  "refer-to-maintainers": "",
  forward: "The team forwards your report to that project's maintainers.",
  decline: "The team does not handle reports about projects it does not maintain.",
};

/**
 * The reporter's message when their case is closed as `third-party`
 * (`scope.thirdPartyReports`): what the team does with it (`action`: refer them to the
 * maintainers, forward it, or decline it), then the policy's own words; undefined when the
 * policy says nothing (the lifecycle's default message then applies).
 */
export function thirdPartyClosingMessage(policy: Policy): string | undefined {
  const rule = policy.scope.thirdPartyReports;
  if (rule === undefined) return undefined;
  const action = THIRD_PARTY_ACTIONS[rule.action] ?? "";
  return action === "" ? rule.message : `${action} ${rule.message}`;
}
