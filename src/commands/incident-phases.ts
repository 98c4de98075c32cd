import { decidePhase, NO_OPEN_WORK, type PhaseAction, type PolicyPhase } from "../domain/incident/phases.js";
import { IncidentPhaseRefused, InvalidCaseCommandError } from "../store/staff-errors.js";
import { checkActor, type TeamActor } from "../store/staff-validation.js";
import { type CaseDeps, runCaseCommand } from "./case-change.js";
import { openPhaseWork, readIncidentWork } from "./incident-work.js";

/**
 * The steps of the policy's incident response on a case, one hash-chained event each:
 * `incident.phase_shared` when the policy tells the reporter (its reporter message is what they
 * read on their case page), `incident.phase_noted` (internal) when it does not. Both carry
 * `{phaseId, action, reporterMessage}`. What is allowed is decided by src/domain/incident.
 */
export const INCIDENT_PHASE_EVENTS = ["incident.phase_noted", "incident.phase_shared"] as const;

export interface IncidentPhaseRequest {
  phaseId: string;
  action: PhaseAction;
}

export interface IncidentPhaseResult {
  seq: number;
  type: (typeof INCIDENT_PHASE_EVENTS)[number];
  reporterMessage: string | null;
}

/**
 * Records one step (start, complete or skip a phase) when the policy's phases allow it after the
 * steps already on the case; throws IncidentPhaseRefused (or InvalidCaseCommandError for a phase
 * the policy does not have), writing nothing, when they do not.
 */
export async function recordIncidentPhase(
  deps: CaseDeps,
  caseId: string,
  actor: TeamActor,
  request: IncidentPhaseRequest,
  policyPhases: readonly PolicyPhase[],
  at: Date,
): Promise<IncidentPhaseResult> {
  checkActor(actor);
  return runCaseCommand(deps, { id: caseId }, at, async (row, trx) => {
    const work = await readIncidentWork(trx, deps.keyring, row.id);
    const phase = policyPhases.find((candidate) => candidate.id === request.phaseId);
    const open = phase === undefined ? NO_OPEN_WORK : openPhaseWork(phase, work);
    const decision = decidePhase(policyPhases, work.phases, request, open);
    if (!decision.ok) {
      if (decision.code === "unknown-phase") throw new InvalidCaseCommandError("phase", decision.message);
      throw new IncidentPhaseRefused(decision.code, decision.message);
    }
    const { reporterMessage } = decision;
    const type = reporterMessage === null ? "incident.phase_noted" : "incident.phase_shared";
    return {
      result: { seq: row.event_count + 1, type, reporterMessage },
      events: [
        { type, actor, at, payload: { phaseId: request.phaseId, action: request.action, reporterMessage } },
      ],
    };
  });
}
