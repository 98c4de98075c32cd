import { coordinatorOf } from "../../../domain/incident/register.js";
import { incidentWorkOf } from "../../../store/incident-work.js";
import { FormError } from "../staff-common.js";
import { ChecklistItems, checklistErrorPanel } from "./checklist.js";
import type { NameOf, PanelProps } from "./shared.js";

/**
 * The case's coordinator (`incident.coordinator`): who owns the fix, the release and the
 * announcement, and their duties as a checklist on the case.
 */
export function Coordinator(props: PanelProps & { name: NameOf }) {
  const policy = props.program.policy;
  const coordinator = coordinatorOf(policy, props.found.assignee);
  if (coordinator === null) return null;
  const duties = policy.incident.coordinator?.duties ?? [];
  return (
    <section aria-labelledby="coordinator-heading">
      <h2 id="coordinator-heading">Coordinator</h2>
      {checklistErrorPanel(policy) === "coordinator" ? (
        <FormError errors={props.errors} field="checklist" />
      ) : null}
      <p>
        {coordinator.role === "assignee"
          ? coordinator.userId === null
            ? "The assignee coordinates this case; nobody is assigned yet."
            : `${props.name(coordinator.userId)} coordinates this case, as its assignee.`
          : `The program's lead coordinates this case: ${coordinator.names.join(", ") || "no contact has the lead role"}.`}
      </p>
      <ChecklistItems
        {...props}
        list="coordinator"
        label="The coordinator's duties"
        items={duties}
        marks={incidentWorkOf(props.found.events).checklist}
      />
    </section>
  );
}
