import {
  type Confidentiality,
  type ConfidentialityDecision,
  decideConfidentiality,
} from "../domain/cases/confidentiality.js";
import { InvalidCaseCommandError } from "../store/staff-errors.js";
import { checkActor, type TeamActor } from "../store/staff-validation.js";
import { type CaseDeps, runCaseCommand, type Trx } from "./case-change.js";

/**
 * Marks a case confidential (or not) and names the members who may see it, through changeCase:
 * one `case.confidentiality_changed` event per change, the list in `case_members`. Callers check
 * that the actor may see and work the case (src/web/case-loader.ts); this checks the names.
 */
export async function setConfidentiality(
  deps: CaseDeps,
  caseId: string,
  actor: TeamActor,
  requested: Confidentiality,
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  const actorId = actor.slice("team:".length);
  return runCaseCommand<{ changed: boolean }>(deps, { id: caseId }, at, async (row, trx) => {
    const current: Confidentiality = {
      confidential: row.confidential === 1,
      members: await caseMembersOf(trx, caseId),
    };
    const eligible = await programMemberIds(trx, row.program);
    const decision: ConfidentialityDecision = decideConfidentiality(current, requested, actorId, eligible);
    if (decision.kind === "refused") throw new InvalidCaseCommandError(decision.field, decision.message);
    if (decision.kind === "unchanged") return { result: { changed: false }, events: [] };
    const { next, added, removed } = decision;
    return {
      result: { changed: true },
      events: [
        {
          type: "case.confidentiality_changed",
          actor,
          at,
          payload: { confidential: next.confidential, added, removed },
        },
      ],
      set: { confidential: next.confidential ? 1 : 0 },
      write: async (t) => {
        if (removed.length > 0)
          await t
            .deleteFrom("case_members")
            .where("case_id", "=", caseId)
            .where("user_id", "in", removed)
            .execute();
        if (added.length > 0)
          await t
            .insertInto("case_members")
            .values(added.map((user_id) => ({ case_id: caseId, user_id, added_at: at.toISOString() })))
            .execute();
      },
    };
  });
}

/** The user ids named on a case (none when it is not confidential). */
export async function caseMembersOf(trx: Pick<Trx, "selectFrom">, caseId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom("case_members")
    .select("user_id")
    .where("case_id", "=", caseId)
    .orderBy("user_id")
    .execute();
  return rows.map((row) => row.user_id);
}

/** Members who may be named: an enabled account with a role on the program (or on every program). */
async function programMemberIds(trx: Trx, program: string): Promise<Set<string>> {
  const rows = await trx
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select("users.id")
    .where("memberships.program", "in", [program, "*"])
    .where("users.disabled_at", "is", null)
    .execute();
  return new Set(rows.map((row) => row.id));
}
