import { appendSecurityEvents } from "../auth/security-log.js";
import type { Store } from "../store/database.js";
import type { NewEvent } from "../store/event-log.js";
import type { Actor } from "../store/events.js";
import { type CaseDeps, runCaseCommand } from "./case-change.js";

/**
 * A member's cases after they lost access (removed from a program, or altogether): they are
 * unassigned from, and stop following, every case of a program they may no longer see. Each
 * case gets its `case.assigned` (to nobody) and `case.unfollowed` events, by whoever removed
 * them, on its hash chain; earlier events, theirs included, stay as they are.
 *
 * Why not keep them assigned: the case would look taken while nobody can work it (the inbox's
 * "unassigned" view would not show it), and a follower or assignee who is still active
 * elsewhere would go on being notified about a program they no longer belong to. A disabled
 * member keeps their assignments (disabling is undone by `enable`; notifications already skip
 * disabled accounts).
 */
export interface CasesReleased {
  unassigned: number;
  unfollowed: number;
}

export async function releaseCases(
  deps: CaseDeps,
  input: {
    userId: string;
    /** Programs whose cases the member may still see; theirs stay as they are. */
    stillSees: (program: string) => boolean;
    /** On each case: `team:<admin id>` from the members page, `system` from the command line. */
    caseActor: Actor;
    /** In the security log: `user:<id>` or `cli`. */
    actor: string;
    now: Date;
  },
): Promise<CasesReleased> {
  const { store } = deps;
  const cases = await casesHeldBy(store, input.userId);
  const released: CasesReleased = { unassigned: 0, unfollowed: 0 };
  for (const { id, program } of cases) {
    if (input.stillSees(program)) continue;
    const done = await runCaseCommand(deps, { id }, input.now, async (row, trx) => {
      const following = await trx
        .selectFrom("case_followers")
        .select("user_id")
        .where("case_id", "=", row.id)
        .where("user_id", "=", input.userId)
        .executeTakeFirst();
      const events: NewEvent[] = [];
      const assigned = row.assignee === input.userId;
      if (assigned)
        events.push({
          type: "case.assigned",
          actor: input.caseActor,
          at: input.now,
          payload: { from: input.userId, to: null },
        });
      if (following !== undefined)
        events.push({
          type: "case.unfollowed",
          actor: input.caseActor,
          at: input.now,
          payload: { userId: input.userId },
        });
      return {
        result: { unassigned: assigned ? 1 : 0, unfollowed: following === undefined ? 0 : 1 },
        events,
        ...(assigned ? { set: { assignee: null } } : {}),
        write: async (trx) => {
          await trx
            .deleteFrom("case_followers")
            .where("case_id", "=", row.id)
            .where("user_id", "=", input.userId)
            .execute();
        },
      };
    });
    released.unassigned += done.unassigned;
    released.unfollowed += done.unfollowed;
  }
  if (released.unassigned + released.unfollowed > 0)
    await store.transaction((trx) =>
      appendSecurityEvents(trx, store.dialect, [
        {
          type: "user.cases-released",
          actor: input.actor,
          subject: input.userId,
          payload: { unassigned: released.unassigned, unfollowed: released.unfollowed },
          at: input.now,
        },
      ]),
    );
  return released;
}

/** The cases the member is assigned to or follows, with their programs. */
export async function casesHeldBy(store: Store, userId: string): Promise<{ id: string; program: string }[]> {
  const assigned = await store.db
    .selectFrom("cases")
    .select(["id", "program"])
    .where("assignee", "=", userId)
    .execute();
  const followed = await store.db
    .selectFrom("case_followers")
    .innerJoin("cases", "cases.id", "case_followers.case_id")
    .select(["cases.id", "cases.program"])
    .where("case_followers.user_id", "=", userId)
    .execute();
  const byId = new Map([...assigned, ...followed].map((c) => [c.id, c]));
  return [...byId.values()];
}
