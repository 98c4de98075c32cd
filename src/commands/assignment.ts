import { checkActor, checkUserId, type TeamActor, teamActor } from "../store/staff-validation.js";

import { type CaseDeps, runCaseCommand } from "./case-change.js";

// ---------------------------------------------------------------------------------------------
// Assignment and followers

/** Assigns the case to a team member, or unassigns it (null). The same assignee again changes nothing. */
export async function assign(
  deps: CaseDeps,
  caseId: string,
  actor: TeamActor,
  assignee: string | null,
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  if (assignee !== null) checkUserId(assignee, "assignee");
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

/** The user follows the case (for notifications); following twice changes nothing. */
export function follow(
  deps: CaseDeps,
  caseId: string,
  userId: string,
  at: Date,
): Promise<{ changed: boolean }> {
  return setFollowing(deps, caseId, userId, at, true);
}

/** The user stops following the case; unfollowing a case one does not follow changes nothing. */
export function unfollow(
  deps: CaseDeps,
  caseId: string,
  userId: string,
  at: Date,
): Promise<{ changed: boolean }> {
  return setFollowing(deps, caseId, userId, at, false);
}

function setFollowing(
  deps: CaseDeps,
  caseId: string,
  userId: string,
  at: Date,
  following: boolean,
): Promise<{ changed: boolean }> {
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
