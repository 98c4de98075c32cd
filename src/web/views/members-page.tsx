import type { MemberOverview } from "../../auth/members.js";
import { ALL_PROGRAMS, type Role } from "../../auth/staff.js";
import { Csrf, FormError, Notice, ScrollingTable, StaffLayout, When } from "./staff-common.js";

/**
 * The members of the programs one administers: roles per program, status, last sign-in, live
 * API tokens; buttons to remove a role, disable or enable the account, revoke its tokens, or
 * remove the member altogether. Plain forms: works without JavaScript.
 */
export interface MemberRow extends MemberOverview {
  /** The viewer may disable/enable/remove the account and revoke its tokens. */
  manageable: boolean;
  /** Programs (slugs or `*`) whose role the viewer may remove. */
  removable: ReadonlySet<string>;
  self: boolean;
}

export interface MembersPageProps {
  csrfToken: string;
  email: string;
  members: readonly MemberRow[];
  programNames: ReadonlyMap<string, string>;
  notice?: string;
  error?: string;
}

const STATUS: Record<MemberOverview["status"], string> = {
  active: "Active",
  pending: "Has not set a password yet",
  disabled: "Disabled",
  removed: "Removed",
};

/** A member without a password whom a provider made or gave roles signs in through it: not pending. */
const statusText = (member: MemberOverview): string =>
  member.status === "pending" && member.singleSignOn ? "Single sign-on" : STATUS[member.status];

const roleName = (role: Role) => role.charAt(0).toUpperCase() + role.slice(1);

export function MembersPage(props: MembersPageProps) {
  const programName = (program: string) =>
    program === ALL_PROGRAMS ? "every program" : (props.programNames.get(program) ?? program);
  return (
    <StaffLayout title="Members" csrfToken={props.csrfToken} email={props.email}>
      <h1>Members</h1>
      <p>
        Taking access away acts at once: a disabled or removed member's sessions end and their API tokens stop
        working on their next request. Removing someone from a program unassigns them from its cases.
      </p>
      <Notice text={props.notice} />
      <FormError errors={new Map(props.error === undefined ? [] : [["form", props.error]])} field="form" />
      {props.members.length === 0 ? (
        <p>No members.</p>
      ) : (
        <ScrollingTable label="Members">
          <table class="members">
            <caption>Members of the programs you administer</caption>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Roles</th>
                <th scope="col">Status</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">API tokens</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {props.members.map((member) => (
                <tr id={`member-${member.id}`}>
                  <th scope="row">
                    {member.email}
                    {member.self ? " (you)" : ""}
                  </th>
                  <td>
                    {member.memberships.length === 0 ? (
                      "None"
                    ) : (
                      <ul class="plain">
                        {member.memberships.map((m) => (
                          <li>
                            {roleName(m.role)} on {programName(m.program)}
                            {m.scope === "assigned" ? " (assigned cases only)" : null}
                            {member.removable.has(m.program) && !member.self ? (
                              <form
                                method="post"
                                action={`/admin/members/${member.id}/memberships/remove`}
                                class="inline"
                              >
                                <Csrf token={props.csrfToken} />
                                <input type="hidden" name="program" value={m.program} />
                                <button
                                  type="submit"
                                  class="link"
                                  aria-label={`Remove ${member.email}'s role on ${programName(m.program)}`}
                                >
                                  Remove
                                </button>
                              </form>
                            ) : null}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>
                    {statusText(member)}
                    {member.totpEnabled ? ", two-factor on" : ""}
                    {member.passkeys > 0
                      ? `, ${member.passkeys} passkey${member.passkeys === 1 ? "" : "s"}`
                      : ""}
                  </td>
                  <td>
                    <When date={member.lastSignInAt === null ? null : new Date(member.lastSignInAt)} />
                  </td>
                  <td>{member.liveTokens}</td>
                  <td class="member-actions">
                    {member.manageable ? <Actions member={member} csrfToken={props.csrfToken} /> : "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollingTable>
      )}
      <p class="help">
        From the command line: <code>embargo user disable|enable|remove|revoke-tokens|reset</code>.
      </p>
    </StaffLayout>
  );
}

function Actions({ member, csrfToken }: { member: MemberRow; csrfToken: string }) {
  const action = (path: string) => `/admin/members/${member.id}/${path}`;
  return (
    <>
      {member.liveTokens > 0 ? (
        <form method="post" action={action("revoke-tokens")}>
          <Csrf token={csrfToken} />
          <button type="submit" aria-label={`Revoke API tokens of ${member.email}`}>
            Revoke API tokens
          </button>
        </form>
      ) : null}
      {member.self ? null : member.status === "disabled" || member.status === "removed" ? (
        <form method="post" action={action("enable")}>
          <Csrf token={csrfToken} />
          <button type="submit" aria-label={`Enable ${member.email}`}>
            Enable
          </button>
        </form>
      ) : (
        <form method="post" action={action("disable")}>
          <Csrf token={csrfToken} />
          <button type="submit" aria-label={`Disable ${member.email}`}>
            Disable
          </button>
        </form>
      )}
      {member.self || member.status === "removed" ? null : (
        <form method="post" action={action("remove")}>
          <Csrf token={csrfToken} />
          <label>
            <input type="checkbox" name="confirm" value="yes" required /> Remove every role, the password and
            second factor; unassign their cases
          </label>
          <button type="submit" aria-label={`Remove member ${member.email}`}>
            Remove member
          </button>
        </form>
      )}
    </>
  );
}
