import { confidentialityFromEvents } from "../../../domain/cases/confidentiality.js";
import { Csrf, describedBy, FieldError } from "../staff-common.js";
import type { PanelProps } from "./shared.js";

/**
 * Confidential: only the members named on the case see it (administrators included); the one
 * who saves the form is always named. Only for those who may work the case.
 */
export function Confidential(props: PanelProps) {
  if (!props.canWork) return null;
  const { found, errors, base } = props;
  const current = confidentialityFromEvents(found.events);
  return (
    <section aria-labelledby="confidential-heading">
      <h2 id="confidential-heading">Confidential</h2>
      <p class="meta">
        {current.confidential
          ? "Only the members named here see this case, in every list, search and notification."
          : "Every member of the program's team sees this case."}
      </p>
      <form method="post" action={`${base}/confidential`}>
        <Csrf token={props.csrfToken} />
        <div class="field">
          <label>
            <input type="checkbox" name="confidential" value="yes" checked={current.confidential} /> Only the
            members named below (and you) see this case
          </label>
        </div>
        <fieldset aria-describedby={describedBy(errors, "members")}>
          <legend>Members who may see it</legend>
          <FieldError errors={errors} field="members" />
          {props.assignable.map((member) => (
            <label class="block">
              <input
                type="checkbox"
                name="members"
                value={member.id}
                checked={member.id === props.userId || current.members.includes(member.id)}
              />{" "}
              {member.email}
              {member.id === props.userId ? " (me)" : ""}
            </label>
          ))}
        </fieldset>
        <button type="submit">Save confidentiality</button>
      </form>
    </section>
  );
}
