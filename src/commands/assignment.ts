import { groupAssignee } from "../domain/notifications/recipients.js";
import { Id, type Policy } from "../policy/schema.js";
import { InvalidCaseCommandError, StaffCommandError } from "../store/staff-errors.js";
import { checkActor, checkUserId, type TeamActor, teamActor } from "../store/staff-validation.js";

import { type CaseDeps, runCaseCommand } from "./case-change.js";

// ---------------------------------------------------------------------------------------------
// Assignment and followers

/**
 * Assigns the case to a team member (their user id) or a team group of the policy
 * (`group:<group id>`), or unassigns it (null). The same assignee again changes nothing. Callers
 * check that the member may work the program, or that the group is one of its policy's.
 */
export async function assign(
  deps: CaseDeps,
  caseId: string,
  actor: TeamActor,
  assignee: string | null,
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  if (assignee !== null) checkAssignee(assignee);
  return runCaseCommand<{ changed: boolean }>(deps, { id: caseId }, at, (row) =>
    row.assignee === assignee
      ? { result: { changed: false }, events: [] }
      : {
          result: { changed: true },
          events: [{ type: "case.assigned", actor, at, payload: { from: row.assignee, to: assignee } }],
          set: { assignee },
        },
  );
}

const GROUP_PREFIX = groupAssignee("");

function checkAssignee(assignee: string): void {
  if (!assignee.startsWith(GROUP_PREFIX)) {
    checkUserId(assignee, "assignee");
    return;
  }
  if (!Id.safeParse(assignee.slice(GROUP_PREFIX.length)).success)
    throw new InvalidCaseCommandError("assignee", `invalid group "${assignee.slice(0, 80)}"`);
}

/** Following is refused: the program's incident register has no followers (`followers: false`). */
export class FollowersOffError extends StaffCommandError {
  constructor() {
    super(
      "embargo.case.followersOff",
      "this program's cases have no followers (incident.register.followers is false): ask to be assigned instead",
    );
    this.name = "FollowersOffError";
  }
}

/** Whether the program's cases may have followers: unless its incident register says `followers: false`. */
export function followersAllowed(policy: Policy): boolean {
  return policy.incident.register?.followers !== false;
}

/**
 * The user follows the case (for notifications); following twice changes nothing. With the
 * program's `policy` (the web passes it), refused under `incident.register.followers: false`.
 */
export function follow(
  deps: CaseDeps,
  caseId: string,
  userId: string,
  at: Date,
  policy?: Policy,
): Promise<{ changed: boolean }> {
  return setFollowing(deps, caseId, userId, at, true, policy);
}

/**
 * The user stops following the case; unfollowing a case one does not follow changes nothing.
 * Refused like `follow` under `followers: false` (nobody follows, and notifications leave
 * followers out: src/domain/notifications/recipients.ts).
 */
export function unfollow(
  deps: CaseDeps,
  caseId: string,
  userId: string,
  at: Date,
  policy?: Policy,
): Promise<{ changed: boolean }> {
  return setFollowing(deps, caseId, userId, at, false, policy);
}

function setFollowing(
  deps: CaseDeps,
  caseId: string,
  userId: string,
  at: Date,
  following: boolean,
  policy: Policy | undefined,
): Promise<{ changed: boolean }> {
  if (policy !== undefined && !followersAllowed(policy)) return Promise.reject(new FollowersOffError());
  const actor = teamActor(userId);
  return runCaseCommand<{ changed: boolean }>(deps, { id: caseId }, at, async (row, trx) => {
    const follower = trx
      .selectFrom("case_followers")
      .select("user_id")
      .where("case_id", "=", row.id)
      .where("user_id", "=", userId);
    if (((await follower.executeTakeFirst()) !== undefined) === following) {
      return { result: { changed: false }, events: [] };
    }
    return {
      result: { changed: true },
      events: [{ type: following ? "case.followed" : "case.unfollowed", actor, at, payload: { userId } }],
      write: async (trx) => {
        if (following) {
          await trx
            .insertInto("case_followers")
            .values({ case_id: row.id, user_id: userId, created_at: at.toISOString() })
            .execute();
        } else {
          await trx
            .deleteFrom("case_followers")
            .where("case_id", "=", row.id)
            .where("user_id", "=", userId)
            .execute();
        }
      },
    };
  });
}
