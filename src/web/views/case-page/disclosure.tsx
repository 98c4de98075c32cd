import type { DisclosurePhaseItem } from "../../../domain/clocks/disclosure.js";
import { When } from "../staff-common.js";
import { FixRelease } from "./fix-release.js";
import { PrivacyIncident } from "./privacy-incident.js";
import type { PanelProps } from "./shared.js";

const RELATIVE_TO: Readonly<Record<DisclosurePhaseItem["relativeTo"], string>> = {
  "fix-release": "after the fix release",
  received: "after the report was received",
};

/**
 * The fix release, the policy's disclosure phases as dated items (what to do, for whom), and the
 * privacy incident with its authority notification; forms for those who may work the case.
 */
export function Disclosure(props: PanelProps) {
  const phases = props.disclosure.phases;
  return (
    <section aria-labelledby="disclosure-heading">
      <h2 id="disclosure-heading">Disclosure</h2>
      <FixRelease {...props} />

      {phases.length === 0 ? null : (
        <>
          <h3>Disclosure phases</h3>
          <ol class="phases">
            {phases.map((phase) => (
              <li class={`disclosure-phase-${phase.state}`}>
                <strong>
                  Day {phase.day} – {phase.name}
                </strong>
                :{" "}
                {phase.dueAt === null ? null : (
                  <>
                    due <When date={phase.dueAt} />{" "}
                  </>
                )}
                <span class={phase.state === "due" ? "clock overdue" : "clock"}>({phase.text})</span>
                <span class="meta block">
                  {phase.day} days {RELATIVE_TO[phase.relativeTo]}
                  {phase.audiences.length === 0 ? "" : ` · for ${phase.audiences.join(", ")}`}
                </span>
                <ul>
                  {phase.actions.map((action) => (
                    <li>{action.text}</li>
                  ))}
                </ul>
              </li>
            ))}
          </ol>
        </>
      )}

      <PrivacyIncident {...props} />
    </section>
  );
}
