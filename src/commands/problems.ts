import { PROBLEM_LINKED, PROBLEM_UNLINKED, type ProblemLinkPayload } from "../domain/problems/case-link.js";
import { problemReference } from "../domain/problems/problem-number.js";
import {
  decideProblemChange,
  newProblemText,
  type ProblemChangeRequest,
} from "../domain/problems/problem-rules.js";
import type { Policy } from "../policy/schema.js";
import { randomId } from "../store/ids.js";
import {
  deleteCaseLink,
  findProblem,
  insertCaseLink,
  insertProblem,
  problemLinkOfCase,
  takeProblemNumber,
  updateProblem,
} from "../store/problems.js";
import { InvalidCaseCommandError } from "../store/staff-errors.js";
import { domainEventType } from "../store/staff-events.js";
import { checkActor, checkDate, type TeamActor } from "../store/staff-validation.js";
import { type CaseDeps, type CaseRow, runCaseCommand } from "./case-change.js";

/**
 * Problem management (`incident.register.problemManagement`): the team opens a problem from a
 * case that recurs or shows a deeper root cause, links further cases to it, and records what the
 * analysis finds (state, root cause). The case's side of a link is a case event through
 * runCaseCommand (`case.problem_linked`, `case.problem_unlinked`; internal), written in the same
 * transaction as the link row and, when a case opens a problem, the problem itself. A problem's
 * own changes are its row's, stamped with who and when.
 *
 * Only programs whose policy has `problemManagement` keep problems; the routes answer 404 for the
 * others before calling these, which refuse them too.
 */

/** A problem number that names no problem of the program (the routes answer 404). */
export class ProblemNotFoundError extends Error {
  constructor(readonly problemNumber: number) {
    super(`no problem ${problemReference(problemNumber)} in this program`);
    this.name = "ProblemNotFoundError";
  }
}

function requireProblemManagement(policy: Policy): void {
  if (policy.incident.register?.problemManagement === undefined)
    throw new InvalidCaseCommandError("problem", "this program's policy has no problem management");
}

/** A case must belong to the problem's program: said the same whether it exists elsewhere or not. */
function requireSameProgram(row: CaseRow, policy: Policy): void {
  if (row.program !== policy.program.slug)
    throw new InvalidCaseCommandError("caseId", `there is no case ${row.id} in this program`);
}

const userIdOf = (actor: TeamActor) => actor.slice("team:".length);

function linkEvent(type: string, actor: TeamActor, at: Date, payload: ProblemLinkPayload) {
  return { type: domainEventType(type), actor, at, payload: { ...payload } };
}

const alreadyLinked = (problemNumber: number) =>
  new InvalidCaseCommandError(
    "problem",
    `this case is already linked to ${problemReference(problemNumber)}: unlink it first`,
  );

/** Opens a problem from a case (its title and what is known of the root cause) and links the case. */
export async function openProblemFromCase(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  input: { title: string; rootCause: string },
  at: Date,
): Promise<{ problemId: string; number: number }> {
  checkActor(actor);
  requireProblemManagement(policy);
  const text = newProblemText(input);
  if (!text.ok) throw new InvalidCaseCommandError(text.field, text.message);
  const { title, rootCause } = text.value;
  return runCaseCommand(deps, { id: caseId }, at, async (row, trx) => {
    requireSameProgram(row, policy);
    const linked = await problemLinkOfCase(trx, row.id);
    if (linked !== undefined) throw alreadyLinked(linked.number);
    const number = await takeProblemNumber(trx, policy.program.slug);
    const problemId = randomId();
    const by = userIdOf(actor);
    return {
      result: { problemId, number },
      events: [linkEvent(PROBLEM_LINKED, actor, at, { problemId, number, title, opened: true })],
      write: async (writeTrx) => {
        await insertProblem(writeTrx, deps.keyring, {
          id: problemId,
          program: policy.program.slug,
          number,
          title,
          rootCause,
          at,
          by,
        });
        await insertCaseLink(writeTrx, { caseId: row.id, problemId, at, by });
      },
    };
  });
}

/** Links a case to one of its program's problems; linking it again to the same one changes nothing. */
export async function linkCaseToProblem(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  problemNumber: number,
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  requireProblemManagement(policy);
  return runCaseCommand<{ changed: boolean }>(deps, { id: caseId }, at, async (row, trx) => {
    requireSameProgram(row, policy);
    const problem = await findProblem(trx, deps.keyring, policy.program.slug, problemNumber);
    if (problem === undefined)
      throw new InvalidCaseCommandError(
        "problem",
        `there is no problem ${problemReference(problemNumber)} in this program`,
      );
    const linked = await problemLinkOfCase(trx, row.id);
    if (linked?.problemId === problem.id) return { result: { changed: false }, events: [] };
    if (linked !== undefined) throw alreadyLinked(linked.number);
    const payload = { problemId: problem.id, number: problem.number, title: problem.title, opened: false };
    return {
      result: { changed: true },
      events: [linkEvent(PROBLEM_LINKED, actor, at, payload)],
      write: (writeTrx) =>
        insertCaseLink(writeTrx, { caseId: row.id, problemId: problem.id, at, by: userIdOf(actor) }),
    };
  });
}

/**
 * Unlinks a case from its problem. With `problemNumber`, only from that problem: a case linked to
 * another one meanwhile stays linked. A case without a link changes nothing.
 */
export async function unlinkCaseFromProblem(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  problemNumber: number | undefined,
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  requireProblemManagement(policy);
  return runCaseCommand<{ changed: boolean }>(deps, { id: caseId }, at, async (row, trx) => {
    requireSameProgram(row, policy);
    const linked = await problemLinkOfCase(trx, row.id);
    if (linked === undefined || (problemNumber !== undefined && linked.number !== problemNumber))
      return { result: { changed: false }, events: [] };
    const problem = await findProblem(trx, deps.keyring, policy.program.slug, linked.number);
    if (problem === undefined) throw new ProblemNotFoundError(linked.number);
    const payload = { problemId: problem.id, number: problem.number, title: problem.title };
    return {
      result: { changed: true },
      events: [linkEvent(PROBLEM_UNLINKED, actor, at, payload)],
      write: (writeTrx) => deleteCaseLink(writeTrx, row.id),
    };
  });
}

/** Moves a problem to another state and/or rewrites its root cause (src/domain/problems/problem-rules.ts). */
export async function changeProblem(
  deps: CaseDeps,
  policy: Policy,
  problemNumber: number,
  actor: TeamActor,
  request: ProblemChangeRequest,
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  checkDate(at, "at");
  requireProblemManagement(policy);
  return deps.store.transaction(async (trx) => {
    const lock = deps.store.dialect === "postgres";
    const problem = await findProblem(trx, deps.keyring, policy.program.slug, problemNumber, { lock });
    if (problem === undefined) throw new ProblemNotFoundError(problemNumber);
    const decision = decideProblemChange(problem, request);
    if (!decision.ok) throw new InvalidCaseCommandError(decision.field, decision.message);
    if (!decision.value.changed) return { changed: false };
    const { state, rootCause } = decision.value;
    await updateProblem(trx, deps.keyring, problem, { state, rootCause, at, by: userIdOf(actor) });
    return { changed: true };
  });
}
