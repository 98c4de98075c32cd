import { groupAssignee, groupMemberEmails } from "../domain/notifications/recipients.js";
import type { Policy } from "../policy/schema.js";
import { ALL_PROGRAMS, type Membership, type Role } from "./staff.js";

/**
 * Roles limited to assigned cases (`memberships.scope = 'assigned'`, issue 16: an outside
 * contractor). Pure: memberships and policies in, a map out.
 *
 * A program is limited when the member's own membership on it says `assigned` and no `*`
 * membership covers it (a `*` role reaches every case of every program, so it wins). On a limited
 * program the member's assignee values are their user id and `group:<id>` for each team group of
 * the program's policy whose member contacts include their address (how group members are found
 * for notifications too).
 */
export function assignedOnlyPrograms(
  memberships: readonly Membership[],
  roles: ReadonlyMap<string, Role>,
  user: { id: string; email: string },
  policyOf: (program: string) => Policy | undefined,
): Map<string, string[]> {
  const limited = new Map<string, string[]>();
  if (memberships.some((m) => m.program === ALL_PROGRAMS)) return limited;
  const email = user.email.toLowerCase();
  for (const m of memberships) {
    if (m.scope !== "assigned" || !roles.has(m.program)) continue;
    const policy = policyOf(m.program);
    const mine =
      policy === undefined
        ? []
        : (policy.team.groups ?? [])
            .filter((g) => groupMemberEmails(policy, g).includes(email))
            .map((g) => groupAssignee(g.id));
    limited.set(m.program, [user.id, ...mine]);
  }
  return limited;
}

/** Whether an assignee value (a user id, `group:<id>` or null) is one of the member's on a limited program. */
export function isAssignedTo(mine: readonly string[], assignee: string | null): boolean {
  return assignee !== null && mine.includes(assignee);
}
