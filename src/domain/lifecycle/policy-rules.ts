import type { Policy } from "../../policy/schema.js";
import { addDuration } from "../calendar/index.js";
import { scale } from "../clocks/due-dates.js";
import {
  allowedTransitions,
  type CaseState,
  CLOSING_OUTCOMES,
  type ClosingOutcome,
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
  const thirdPartyMessage = policy.scope.thirdPartyReports?.message;
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
  if (!allowedTransitions(from).includes("closed")) return [];
  const noIncident = policy.incident.register?.noIncidentOutcome ?? false;
  return CLOSING_OUTCOMES.filter(
    (outcome) =>
      (outcome !== "resolved" || from === "fixed" || from === "disclosed") &&
      (outcome !== "no-incident" || noIncident),
  );
}
