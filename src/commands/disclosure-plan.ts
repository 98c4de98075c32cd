import type { Keyring } from "../crypto/keyring.js";
import { disclosurePhases, embargoEnd } from "../domain/clocks/disclosure.js";
import {
  decideMove,
  earliestOpenTaskDue,
  type PlanPhase,
  type PlanRecords,
  type PlanTask,
  planPhases,
  SYSTEM_TASK_KINDS,
  withMovedDates,
} from "../domain/disclosure/plan.js";
import type { LoadedPolicy } from "../policy/loader.js";
import type { Policy } from "../policy/schema.js";
import { clockFactsOfRow, clockHistories, clockNeeds } from "../store/clock-facts.js";
import { PLAN_EVENTS, readPlanRecords } from "../store/disclosure-plan.js";
import { InvalidCaseCommandError } from "../store/staff-errors.js";
import { domainEventType } from "../store/staff-events.js";
import { checkActor, type TeamActor } from "../store/staff-validation.js";
import { parseInstantInput } from "../workspace/local-time.js";
import { type CaseDeps, type CaseRow, type CommandDeps, runCaseCommand, type Trx } from "./case-change.js";

/**
 * The team's doors to the disclosure plan (src/domain/disclosure/plan.ts): check a task done or
 * open, name its owner, move a phase's date or the embargo end with a reason. Each is one internal
 * case event; each keeps `cases.disclosure_due_at` (the earliest open task, which joins
 * `next_due_at`). The same request again writes nothing. What the reporter hears of a move (a
 * date they see) the timer worker sends, once.
 */

/** A member of the program's team who may work its cases (a task's owner must be one). */
export interface TeamMemberRef {
  id: string;
}

interface PlanState {
  records: PlanRecords;
  phases: PlanPhase[];
}

/** The plan of the locked case `row` as it stands at `now`, with `records` (or those recorded). */
function planOf(
  policy: Policy,
  row: CaseRow,
  history: Parameters<typeof clockFactsOfRow>[1],
  records: PlanRecords,
  now: Date,
) {
  const facts = withMovedDates(clockFactsOfRow(row, history), records);
  const dated = disclosurePhases(policy, facts, now);
  return {
    facts,
    dated,
    embargo: embargoEnd(policy, facts, now),
    phases: planPhases(dated, facts, records, row.assignee),
  };
}

async function readState(trx: Trx, keyring: Keyring, policy: Policy, row: CaseRow, now: Date) {
  const histories = await clockHistories(trx, keyring, [{ id: row.id, needs: clockNeeds(policy) }]);
  const history = histories.get(row.id);
  const records = await readPlanRecords(trx, keyring, row.id);
  return { history, records, ...planOf(policy, row, history, records, now) };
}

/** `disclosure_due_at` once the plan's records are `records`. */
function dueColumn(
  policy: Policy,
  row: CaseRow,
  history: Parameters<typeof clockFactsOfRow>[1],
  records: PlanRecords,
  now: Date,
): { disclosure_due_at: string | null } {
  const due = earliestOpenTaskDue(planOf(policy, row, history, records, now).phases);
  return { disclosure_due_at: due === null ? null : due.toISOString() };
}

/** The task at position `n` of `phaseId` on this case, or a refusal naming the form's field. */
function taskOf(policy: Policy, state: PlanState, phaseId: string, n: number): PlanTask {
  const phase = policy.disclosure.phases.find((candidate) => candidate.id === phaseId);
  if (phase === undefined)
    throw new InvalidCaseCommandError("phase", "the policy has no such disclosure phase");
  if (!Number.isInteger(n) || phase.actions[n] === undefined)
    throw new InvalidCaseCommandError("task", "this phase has no such task");
  const task = state.phases.find((candidate) => candidate.id === phaseId)?.tasks[n];
  if (task === undefined)
    throw new InvalidCaseCommandError(
      "task",
      "this phase has no date yet (or is no longer owed): no tasks to work on",
    );
  return task;
}

export interface TaskRequest {
  phaseId: string;
  n: number;
  /** Check it done (true) or open again (false); absent: leave it. */
  done?: boolean;
  /** A team member's user id; "" gives it back to the case's assignee; absent: leave it. */
  owner?: string;
}

/**
 * Checks a task done or open, and/or names its owner. The system's tasks (the reporter's
 * permission to disclose, closing the case) cannot be checked by hand; their owner can be named.
 */
export async function changeDisclosureTask(
  deps: CommandDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  team: readonly TeamMemberRef[],
  request: TaskRequest,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  if (request.done === undefined && request.owner === undefined)
    throw new InvalidCaseCommandError("task", "say whether the task is done, or who owns it");
  const owner = request.owner?.trim();
  if (owner !== undefined && owner !== "" && !team.some((member) => member.id === owner))
    throw new InvalidCaseCommandError("owner", "a member of the team who may work on this program's cases");
  const at = deps.clock();
  return runCaseCommand<{ changed: boolean }>(deps, { id: caseId }, at, async (row, trx) => {
    const state = await readState(trx, deps.keyring, policy, row, at);
    const task = taskOf(policy, state, request.phaseId, request.n);
    const events = [];
    const records: PlanRecords = {
      ...state.records,
      marks: [...state.records.marks],
      owners: [...state.records.owners],
    };
    if (request.done !== undefined && (task.done !== null) !== request.done) {
      if (SYSTEM_TASK_KINDS.includes(task.kind))
        throw new InvalidCaseCommandError(
          "done",
          task.kind === "close-case"
            ? "this task is done when the case is closed as resolved"
            : "this task is done by the system when the reporter is told they may disclose",
        );
      const payload = {
        phaseId: task.phaseId,
        n: task.n,
        kind: task.kind,
        text: task.text,
        done: request.done,
      };
      events.push({ type: domainEventType(PLAN_EVENTS.taskMarked), actor, at, payload });
      records.marks.push({ phaseId: task.phaseId, n: task.n, done: request.done, at, actor });
    }
    if (owner !== undefined) {
      const chosen = owner === "" ? null : owner;
      const current = task.ownerChosen ? task.owner : null;
      if (chosen !== current) {
        const payload = {
          phaseId: task.phaseId,
          n: task.n,
          kind: task.kind,
          text: task.text,
          from: task.owner,
          owner: chosen,
        };
        events.push({ type: domainEventType(PLAN_EVENTS.taskOwner), actor, at, payload });
        records.owners.push({ phaseId: task.phaseId, n: task.n, owner: chosen, at, actor });
      }
    }
    if (events.length === 0) return { result: { changed: false }, events: [] };
    return {
      result: { changed: true },
      events,
      set: dueColumn(policy, row, state.history, records, at),
    };
  });
}

export interface MoveRequest {
  /** `embargo` or `phase:<phase id>`. */
  what: string;
  to: Date;
  reason: string;
}

/**
 * Moves a phase's date or the embargo end (`case.disclosure_date_moved` {what, from, to, reason}):
 * from then on the plan, its tasks and the clocks use the new date. A date the reporter sees is
 * mailed to them by the timer worker, with the reason.
 */
export async function moveDisclosureDate(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  request: MoveRequest,
  at: Date,
): Promise<{ from: Date; to: Date }> {
  checkActor(actor);
  const reason = request.reason.trim();
  return runCaseCommand<{ from: Date; to: Date }>(deps, { id: caseId }, at, async (row, trx) => {
    const state = await readState(trx, deps.keyring, policy, row, at);
    const decision = decideMove(policy, state.embargo, state.dated, { ...request, reason }, at);
    if (!decision.ok) throw new InvalidCaseCommandError(decision.field, decision.message);
    const payload = {
      what: request.what,
      from: decision.from.toISOString(),
      to: request.to.toISOString(),
      reason,
      reporterSees: decision.reporterSees,
    };
    const records: PlanRecords = {
      ...state.records,
      moves: [
        ...state.records.moves,
        {
          seq: row.event_count + 1,
          what: request.what,
          from: decision.from,
          to: request.to,
          reason,
          reporterSees: decision.reporterSees,
          at,
          actor,
        },
      ],
    };
    return {
      result: { from: decision.from, to: request.to },
      events: [{ type: domainEventType(PLAN_EVENTS.dateMoved), actor, at, payload }],
      set: dueColumn(policy, row, state.history, records, at),
    };
  });
}

/** Moves a date from a form or a client: `to` as parseInstantInput reads it (required here). */
export async function moveDisclosureDateFor(
  deps: CommandDeps,
  program: LoadedPolicy,
  caseId: string,
  actor: TeamActor,
  fields: { what: string; to: string; reason: string },
): Promise<{ from: Date; to: Date }> {
  const now = deps.clock();
  if (fields.to.trim() === "")
    throw new InvalidCaseCommandError("to", "a date and time such as 2027-03-31T10:00");
  const to = parseInstantInput(fields.to, program.policy.serviceLevels.calendar.timeZone, now, "to");
  return moveDisclosureDate(
    deps,
    program.policy,
    caseId,
    actor,
    { what: fields.what.trim(), to, reason: fields.reason },
    now,
  );
}
