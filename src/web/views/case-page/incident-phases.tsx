import {
  decidePhase,
  PHASE_ACTIONS,
  type PhaseAction,
  type PhaseRecord,
  type PhaseState,
  phaseStates,
} from "../../../domain/incident/phases.js";
import type { StaffCase } from "../../../store/staff-case-read.js";
import { Csrf, FormError } from "../staff-common.js";
import { isObject, type PanelProps } from "./shared.js";

const PHASE_BUTTONS: Readonly<Record<PhaseAction, string>> = {
  start: "Start",
  complete: "Complete",
  skip: "Skip",
};
const PHASE_STATE_LABELS: Readonly<Record<PhaseState, string>> = {
  pending: "not started",
  started: "in progress",
  completed: "completed",
  skipped: "skipped",
};

/** The steps of the incident response recorded on the case, oldest first. */
export function phaseRecordsOf(found: StaffCase): PhaseRecord[] {
  return found.events.flatMap((event) => {
    if (event.type !== "incident.phase_noted" && event.type !== "incident.phase_shared") return [];
    const payload = event.payload;
    if (!isObject(payload) || typeof payload.phaseId !== "string" || typeof payload.action !== "string")
      return [];
    const action = PHASE_ACTIONS.find((known) => known === payload.action);
    return action === undefined ? [] : [{ phaseId: payload.phaseId, action }];
  });
}

/** The policy's incident phases with their state on this case; buttons for the steps allowed now. */
export function IncidentPhases(props: PanelProps) {
  const phases = props.program.policy.incident.phases;
  const records = phaseRecordsOf(props.found);
  return (
    <section aria-labelledby="incident-heading">
      <h2 id="incident-heading">Incident response</h2>
      <FormError errors={props.errors} field="incident-phase" />
      <ol class="phases">
        {phaseStates(phases, records).map(({ phase, state }) => {
          const allowed = props.canWork
            ? PHASE_ACTIONS.filter((action) => decidePhase(phases, records, { phaseId: phase.id, action }).ok)
            : [];
          return (
            <li>
              <strong>{phase.name}</strong> <span class="meta">({PHASE_STATE_LABELS[state]})</span>
              {phase.description === undefined ? null : <p>{phase.description}</p>}
              {allowed.map((action) => (
                <form method="post" action={`${props.base}/incident-phase`} class="inline">
                  <Csrf token={props.csrfToken} />
                  <input type="hidden" name="phase" value={phase.id} />
                  <input type="hidden" name="action" value={action} />
                  <button type="submit">
                    {PHASE_BUTTONS[action]} {phase.name}
                  </button>
                </form>
              ))}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
