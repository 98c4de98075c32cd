import { checklistMarks, doneKeys } from "../../../domain/incident/checklist.js";
import { registerGates } from "../../../domain/incident/register.js";
import { incidentWorkOf } from "../../../store/incident-work.js";
import { FormError } from "../staff-common.js";
import { ChecklistItems } from "./checklist.js";
import type { PanelProps } from "./shared.js";

/**
 * The incident register's promises on this case (`incident.register`): the resolution checklist
 * to complete before `fixed`, and what the case still lacks to leave triage (a due date) or to
 * close as resolved (its classification). The same gates refuse the move; this says so first.
 */
export function Register(props: PanelProps) {
  const policy = props.program.policy;
  const register = policy.incident.register;
  if (register === undefined) return null;
  const { found } = props;
  const checklist = incidentWorkOf(found.events).checklist;
  const gates = registerGates(policy, {
    dueAt: found.triage.dueAt?.toISOString() ?? null,
    priority: found.triage.priority,
    severity: found.triage.severity,
    cwe: found.triage.cwe,
    resolutionDone: doneKeys(checklistMarks(checklist), "resolution"),
  });
  return (
    <section aria-labelledby="register-heading">
      <h2 id="register-heading">Incident register</h2>
      <FormError errors={props.errors} field="checklist" />
      <ul>
        {register.dueDateRequired ? (
          <li>
            Due date: required before the case leaves triage;{" "}
            {gates.dueDateMissing ? <strong>not set yet.</strong> : "set."}
          </li>
        ) : null}
        {register.classificationRequiredOnClose ? (
          <li>
            Classification (priority, severity, CWE): required to close as resolved;{" "}
            {gates.classificationMissing.length === 0 ? (
              "complete."
            ) : (
              <strong>missing {gates.classificationMissing.join(", ")}.</strong>
            )}
          </li>
        ) : null}
      </ul>
      {register.resolutionRequires.length === 0 ? null : (
        <>
          <h3>Before the case is fixed</h3>
          <ChecklistItems
            {...props}
            list="resolution"
            label="Resolution checklist"
            items={register.resolutionRequires}
            marks={checklist}
          />
        </>
      )}
    </section>
  );
}
