import { followersAllowed } from "../../../commands/assignment.js";
import { groupAssignee, teamLabel } from "../../../domain/notifications/recipients.js";
import { Csrf, describedBy, FieldError } from "../staff-common.js";
import type { PanelProps } from "./shared.js";

/**
 * Who works the case (one of the policy's team groups, or any member who may work the program)
 * and whether the signed-in member follows it; no following under a register without followers
 * (`incident.register.followers: false`).
 */
export function Assignment(props: PanelProps) {
  const { found, errors, base } = props;
  const following = found.followers.includes(props.userId);
  const withFollowers = followersAllowed(props.program.policy);
  return (
    <section aria-labelledby="assignment-heading">
      <h2 id="assignment-heading">{withFollowers ? "Assignee and followers" : "Assignee"}</h2>
      <form method="post" action={`${base}/assign`}>
        <Csrf token={props.csrfToken} />
        <div class="field">
          <label for="assignee">Assignee</label>
          <FieldError errors={errors} field="assignee" />
          <select id="assignee" name="assignee" aria-describedby={describedBy(errors, "assignee")}>
            <option value="" selected={found.assignee === null}>
              Unassigned
            </option>
            {(props.program.policy.team.groups ?? []).map((group) => (
              <option value={groupAssignee(group.id)} selected={found.assignee === groupAssignee(group.id)}>
                {teamLabel(group)}
              </option>
            ))}
            {props.assignable.map((member) => (
              <option value={member.id} selected={found.assignee === member.id}>
                {member.email}
                {member.id === props.userId ? " (me)" : ""}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Save assignee</button>
      </form>
      {withFollowers ? (
        <form method="post" action={`${base}/${following ? "unfollow" : "follow"}`}>
          <Csrf token={props.csrfToken} />
          <p>{following ? "You follow this case." : "You do not follow this case."}</p>
          <button type="submit">{following ? "Stop following" : "Follow this case"}</button>
        </form>
      ) : (
        <p class="meta">This program's cases have no followers: its policy turns following off.</p>
      )}
    </section>
  );
}
