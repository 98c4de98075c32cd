import {
  type ActionItemKind,
  dueDateProblem,
  earliestOpenDue,
  type FeedbackDecision,
  feedbackDecision,
  isActionItemKind,
  MAX_ACTION_TITLE,
  MAX_DONE_NOTE,
  MAX_FEEDBACK,
  MAX_ROOT_CAUSE,
  nextActionItemId,
} from "../domain/incident/action-items.js";
import type { LoadedPolicy } from "../policy/loader.js";
import type { Policy } from "../policy/schema.js";
import {
  actionItemRows,
  insertActionItem,
  POSTMORTEM_EVENTS,
  postmortemOf,
  updateActionItem,
} from "../store/action-items.js";
import { caseEventsOfTypes } from "../store/case-event-read.js";
import { INCIDENT_WORK_EVENTS, incidentWorkOf } from "../store/incident-work.js";
import type { CaseActionItemsTable } from "../store/schema.js";
import { IncidentPhaseRefused, InvalidCaseCommandError } from "../store/staff-errors.js";
import { domainEventType } from "../store/staff-events.js";
import { checkActor, type TeamActor } from "../store/staff-validation.js";
import { parseDueDate } from "../workspace/local-time.js";
import { type CaseDeps, type CommandDeps, runCaseCommand } from "./case-change.js";
import { readIncidentWork } from "./incident-work.js";

/**
 * The postmortem on a case (Kitsu: "look at the root cause and our own incident response process;
 * the result is a list of process and code changes"): the root cause, action items with an owner
 * and a due date of their own, and the reporter's feedback while a phase invites them. Each change
 * is one internal case event (the feedback one the reporter wrote); action items also get a row
 * in `case_action_items`, which their clocks run on (src/domain/clocks/action-item-clock.ts), and
 * the case's `action_items_due_at` joins `next_due_at`. Field names are the case page's, so a
 * refusal shows beside its field.
 */

/** A member of the program's team who may work its cases (an action item's owner must be one). */
export interface TeamMemberRef {
  id: string;
}

type Row = CaseActionItemsTable;

function requirePostmortem(policy: Policy, field: string): void {
  if (policy.incident.phases.length === 0)
    throw new InvalidCaseCommandError(
      field,
      `${policy.program.name}'s policy has no incident response, so no postmortem`,
    );
}

function checkText(value: string, field: string, what: string, max: number, required = true): string {
  const text = value.trim();
  if (required && text === "") throw new InvalidCaseCommandError(field, what);
  if (text.length > max) throw new InvalidCaseCommandError(field, `at most ${max} characters`);
  return text;
}

function checkOwner(owner: string, team: readonly TeamMemberRef[], field: string): string {
  const id = owner.trim();
  if (!team.some((member) => member.id === id))
    throw new InvalidCaseCommandError(field, "a member of the team who may work on this program's cases");
  return id;
}

/** A due date from a date input (the end of that day in the program's time zone), in the future. */
function checkDue(value: string, policy: Policy, now: Date, field: string): Date {
  let dueAt: Date;
  try {
    dueAt = parseDueDate(value, policy.serviceLevels.calendar.timeZone);
  } catch (error) {
    if (error instanceof InvalidCaseCommandError) throw new InvalidCaseCommandError(field, error.message);
    throw error;
  }
  const problem = dueDateProblem(dueAt, now);
  if (problem !== null) throw new InvalidCaseCommandError(field, problem);
  return dueAt;
}

/** The action item `id` of the case, or a refusal naming the form's item field. */
function actionItemOf(rows: readonly Row[], id: string): Row {
  const item = rows.find((row) => row.id === id && row.kind !== "user-notification");
  if (item === undefined)
    throw new InvalidCaseCommandError("action-item", "this case has no such action item");
  return item;
}

/** `action_items_due_at` once `rows` are as given. */
const dueOf = (rows: readonly Row[]) => ({
  action_items_due_at: earliestOpenDue(rows.map((row) => ({ dueAt: row.due_at, doneAt: row.done_at }))),
});

/** Records the root cause; the same text again writes nothing. */
export async function recordRootCause(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  text: string,
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  requirePostmortem(policy, "root-cause");
  const cause = checkText(text, "root-cause", "write down the root cause", MAX_ROOT_CAUSE);
  return runCaseCommand<{ changed: boolean }>(deps, { id: caseId }, at, async (row, trx) => {
    const recorded = postmortemOf(
      await caseEventsOfTypes(trx, deps.keyring, row.id, [POSTMORTEM_EVENTS.rootCause]),
    ).rootCause;
    if (recorded?.text === cause) return { result: { changed: false }, events: [] };
    return {
      result: { changed: true },
      events: [{ type: domainEventType(POSTMORTEM_EVENTS.rootCause), actor, at, payload: { text: cause } }],
    };
  });
}

export interface NewActionItem {
  title: string;
  kind: ActionItemKind;
  owner: string;
  dueAt: Date;
}

/** The action item form as sent: title, kind, owner (a user id), due date (YYYY-MM-DD). */
export interface ActionItemForm {
  title: string;
  kind: string;
  owner: string;
  due: string;
}

/** Adds an action item from the case page's form; `team`: who may own it. */
export async function addActionItemFor(
  deps: CommandDeps,
  program: LoadedPolicy,
  caseId: string,
  actor: TeamActor,
  team: readonly TeamMemberRef[],
  form: ActionItemForm,
): Promise<{ id: string }> {
  const policy = program.policy;
  requirePostmortem(policy, "action-title");
  const now = deps.clock();
  const title = checkText(form.title, "action-title", "a title: what is to be done", MAX_ACTION_TITLE);
  const kind = form.kind.trim();
  if (!isActionItemKind(kind)) throw new InvalidCaseCommandError("action-kind", "a process or a code change");
  const owner = checkOwner(form.owner, team, "action-owner");
  const dueAt = checkDue(form.due, policy, now, "action-due");
  return addActionItem(deps, caseId, actor, { title, kind, owner, dueAt }, now);
}

/** Adds an action item (checked by the caller); its id is the next number on the case. */
export async function addActionItem(
  deps: CaseDeps,
  caseId: string,
  actor: TeamActor,
  item: NewActionItem,
  at: Date,
): Promise<{ id: string }> {
  checkActor(actor);
  return runCaseCommand(deps, { id: caseId }, at, async (row, trx) => {
    const rows = await actionItemRows(trx, row.id);
    const id = nextActionItemId(rows.map((existing) => existing.id));
    const added: Row = {
      case_id: row.id,
      id,
      kind: item.kind,
      owner: item.owner,
      due_at: item.dueAt.toISOString(),
      done_at: null,
      created_at: at.toISOString(),
    };
    return {
      result: { id },
      events: [
        {
          type: domainEventType(POSTMORTEM_EVENTS.itemAdded),
          actor,
          at,
          payload: { itemId: id, title: item.title, kind: item.kind, owner: item.owner, dueAt: added.due_at },
        },
      ],
      write: (trx) => insertActionItem(trx, added),
      set: dueOf([...rows, added]),
    };
  });
}

/** Moves an open action item to another owner or due date (from the case page's form). */
export async function changeActionItemFor(
  deps: CommandDeps,
  program: LoadedPolicy,
  caseId: string,
  actor: TeamActor,
  team: readonly TeamMemberRef[],
  form: { id: string; owner: string; due: string },
): Promise<{ changed: boolean }> {
  requirePostmortem(program.policy, "action-item");
  const now = deps.clock();
  const owner = checkOwner(form.owner, team, "change-owner");
  const dueAt = checkDue(form.due, program.policy, now, "change-due");
  return changeActionItem(deps, caseId, actor, { id: form.id.trim(), owner, dueAt }, now);
}

/** Sets an open action item's owner and due date; the same again writes nothing. */
export async function changeActionItem(
  deps: CaseDeps,
  caseId: string,
  actor: TeamActor,
  change: { id: string; owner: string; dueAt: Date },
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  return runCaseCommand<{ changed: boolean }>(deps, { id: caseId }, at, async (row, trx) => {
    const rows = await actionItemRows(trx, row.id);
    const item = actionItemOf(rows, change.id);
    if (item.done_at !== null)
      throw new InvalidCaseCommandError("action-item", `action item ${item.id} is done already`);
    const due = change.dueAt.toISOString();
    const owner = item.owner === change.owner ? undefined : { from: item.owner ?? "", to: change.owner };
    const dueAt = item.due_at === due ? undefined : { from: item.due_at, to: due };
    if (owner === undefined && dueAt === undefined) return { result: { changed: false }, events: [] };
    const changed: Row = { ...item, owner: change.owner, due_at: due };
    return {
      result: { changed: true },
      events: [
        {
          type: domainEventType(POSTMORTEM_EVENTS.itemChanged),
          actor,
          at,
          payload: {
            itemId: item.id,
            ...(owner === undefined ? {} : { owner }),
            ...(dueAt === undefined ? {} : { dueAt }),
          },
        },
      ],
      write: (trx) => updateActionItem(trx, row.id, item.id, { owner: change.owner, due_at: due }),
      set: dueOf(rows.map((existing) => (existing.id === item.id ? changed : existing))),
    };
  });
}

/** Marks an action item done, with a note (what was done, where); done twice writes nothing. */
export async function completeActionItem(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  request: { id: string; note: string },
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  requirePostmortem(policy, "action-item");
  const note = checkText(request.note, "done-note", "a note", MAX_DONE_NOTE, false);
  return runCaseCommand<{ changed: boolean }>(deps, { id: caseId }, at, async (row, trx) => {
    const rows = await actionItemRows(trx, row.id);
    const item = actionItemOf(rows, request.id.trim());
    if (item.done_at !== null) return { result: { changed: false }, events: [] };
    const doneAt = at.toISOString();
    return {
      result: { changed: true },
      events: [
        {
          type: domainEventType(POSTMORTEM_EVENTS.itemDone),
          actor,
          at,
          payload: { itemId: item.id, note },
        },
      ],
      write: (trx) => updateActionItem(trx, row.id, item.id, { done_at: doneAt }),
      set: dueOf(rows.map((existing) => (existing.id === item.id ? { ...item, done_at: doneAt } : existing))),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The reporter's feedback

export interface FeedbackInvitation {
  decision: FeedbackDecision;
  /** What the reporter sent so far, oldest first. */
  given: { text: string; at: Date }[];
}

/** Whether the reporter's page invites feedback now, and what they already sent. */
export async function readFeedbackInvitation(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
): Promise<FeedbackInvitation> {
  if (!policy.incident.phases.some((phase) => phase.reporterInvited))
    return { decision: feedbackDecision(policy.incident.phases, []), given: [] };
  const events = await caseEventsOfTypes(deps.store.db, deps.keyring, caseId, [
    ...INCIDENT_WORK_EVENTS,
    POSTMORTEM_EVENTS.feedback,
  ]);
  return {
    decision: feedbackDecision(policy.incident.phases, incidentWorkOf(events).phases),
    given: postmortemOf(events).feedback.map(({ text, at }) => ({ text, at })),
  };
}

/**
 * The reporter's feedback (`reporter.feedback`), while a phase that invites them runs;
 * IncidentPhaseRefused (nothing written) before it starts and after it ends.
 */
export async function giveReporterFeedback(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  text: string,
  at: Date,
): Promise<void> {
  const feedback = checkText(text, "feedback", "your feedback", MAX_FEEDBACK);
  await runCaseCommand(deps, { id: caseId }, at, async (row, trx) => {
    const work = await readIncidentWork(trx, deps.keyring, row.id);
    const decision = feedbackDecision(policy.incident.phases, work.phases);
    if (!decision.ok) throw new IncidentPhaseRefused(decision.code, decision.message);
    return {
      result: undefined,
      events: [
        {
          type: domainEventType(POSTMORTEM_EVENTS.feedback),
          actor: "reporter",
          at,
          payload: { phaseId: decision.phase.id, text: feedback },
        },
      ],
    };
  });
}
