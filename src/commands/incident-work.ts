import type { Keyring } from "../crypto/keyring.js";
import { type ChecklistList, checklistMarks, doneKeys, markKey } from "../domain/incident/checklist.js";
import { type PhaseWork, type PolicyPhase, phaseStates } from "../domain/incident/phases.js";
import { checklistKey, coordinatorDuties, resolutionChecklist } from "../domain/incident/register.js";
import { type Policy, PRIORITIES } from "../policy/schema.js";
import { caseEventsOfTypes } from "../store/case-event-read.js";
import type { NewEvent } from "../store/event-log.js";
import {
  INCIDENT_WORK_EVENTS,
  type IncidentWork,
  incidentWorkOf,
  latestAnswers,
} from "../store/incident-work.js";
import { IncidentPhaseRefused, InvalidCaseCommandError } from "../store/staff-errors.js";
import { checkActor, type TeamActor } from "../store/staff-validation.js";
import { type CaseDeps, runCaseCommand, type Trx } from "./case-change.js";
import {
  checkRelatedCases,
  isRelatedCasesItem,
  linkedCasesOf,
  type PhaseWithRelatedTask,
  RELATED_FIELD,
  relatedCasesItem,
} from "./related-cases.js";

/**
 * The team's work inside the incident response: checking the items of the policy's checklists
 * (the register's resolution requirements, a phase's tasks) and answering a phase's questions.
 * Each is one internal event; an answer whose yes means top priority also raises the case's
 * priority, in the same change, and says so.
 */

const MAX_NOTE = 2_000;
const MAX_ANSWER = 5_000;

export async function readIncidentWork(trx: Trx, keyring: Keyring, caseId: string): Promise<IncidentWork> {
  return incidentWorkOf(await caseEventsOfTypes(trx, keyring, caseId, INCIDENT_WORK_EVENTS));
}

/** A phase's open questions and tasks (its related-cases task included), given the work recorded on the case. */
export function openPhaseWork(phase: PolicyPhase & PhaseWithRelatedTask, work: IncidentWork): PhaseWork {
  const answered = latestAnswers(work.answers);
  const done = doneKeys(checklistMarks(work.checklist), `phase:${phase.id}`);
  const related = relatedCasesItem(phase);
  return {
    unanswered: phase.questions
      .map((q) => q.question)
      .filter((question) => !answered.has(`${phase.id} ${question}`)),
    openTasks: [
      ...phase.tasks.filter((task) => !done.has(checklistKey(task))),
      ...(related === undefined || done.has(related.key) ? [] : [related.text]),
    ],
  };
}

/**
 * The items of a checklist the policy defines (`resolution`, `coordinator`, `phase:<id>`), or
 * undefined when it defines no such list.
 */
export function checklistItems(policy: Policy, list: string): { key: string; text: string }[] | undefined {
  if (list === "resolution") return resolutionChecklist(policy);
  if (list === "coordinator") return coordinatorDuties(policy);
  if (!list.startsWith("phase:")) return undefined;
  const phase = policy.incident.phases.find((candidate) => `phase:${candidate.id}` === list);
  if (phase === undefined) return undefined;
  const related = relatedCasesItem(phase);
  return [
    ...phase.tasks.map((text) => ({ key: checklistKey(text), text })),
    ...(related === undefined ? [] : [related]),
  ];
}

export interface ChecklistMarkRequest {
  list: string;
  key: string;
  done: boolean;
  note: string;
  /** The related-cases task only: the linked case ids (undefined keeps the current links). */
  related?: readonly string[] | undefined;
}

/**
 * Checks or unchecks one item of one of the policy's checklists. The same mark again (same state,
 * same note) writes nothing.
 */
export async function markChecklistItem(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  request: ChecklistMarkRequest,
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  const items = checklistItems(policy, request.list);
  if (items === undefined)
    throw new InvalidCaseCommandError("checklist", "this program has no such checklist");
  const item = items.find((candidate) => candidate.key === request.key);
  if (item === undefined) throw new InvalidCaseCommandError("checklist", "this checklist has no such item");
  const note = request.note.trim();
  if (note.length > MAX_NOTE)
    throw new InvalidCaseCommandError("checklist", `at most ${MAX_NOTE} characters`);
  const list = request.list as ChecklistList;
  const relatedTask = isRelatedCasesItem(policy.incident.phases, list, item.key);
  if (!relatedTask && (request.related?.length ?? 0) > 0)
    throw new InvalidCaseCommandError(RELATED_FIELD, "only a phase's related-cases task links cases");
  return runCaseCommand<{ changed: boolean }>(deps, { id: caseId }, at, async (row, trx) => {
    const work = await readIncidentWork(trx, deps.keyring, row.id);
    const current = checklistMarks(work.checklist).get(markKey(list, item.key));
    const linked = relatedTask
      ? linkedCasesOf(
          await caseEventsOfTypes(trx, deps.keyring, row.id, ["case.checklist_marked"]),
          list,
          item.key,
        )
      : [];
    const related =
      relatedTask && request.related !== undefined
        ? await checkRelatedCases(trx, row.program, row.id, request.related)
        : linked;
    if (
      (current?.done ?? false) === request.done &&
      (current?.note ?? "") === note &&
      related.join(" ") === linked.join(" ")
    ) {
      return { result: { changed: false }, events: [] };
    }
    // The related-cases task's mark also carries the links (src/commands/related-cases.ts).
    const payload = {
      list,
      key: item.key,
      text: item.text,
      done: request.done,
      note,
      ...(relatedTask ? { related } : {}),
    };
    return {
      result: { changed: true },
      events: [{ type: "case.checklist_marked", actor, at, payload }],
    };
  });
}

export interface PhaseAnswerRequest {
  phaseId: string;
  /** The question's position in the phase (0-based), as the case page's form sends it. */
  question: number;
  answer: string;
}

/** The highest priority the program uses (`incident.register.priorities`, else all of them). */
export function topPriority(policy: Policy): (typeof PRIORITIES)[number] {
  const used = policy.incident.register?.priorities ?? PRIORITIES;
  return [...PRIORITIES].reverse().find((priority) => used.includes(priority)) ?? "high";
}

/**
 * Records the team's answer to a question of a started phase. A "yes" to a question whose yes
 * means top priority raises the case's priority to the program's highest, with a triage event
 * beside the answer, so the timeline says why it changed.
 */
export async function answerPhaseQuestion(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  request: PhaseAnswerRequest,
  at: Date,
): Promise<{ raisedPriority: string | null }> {
  checkActor(actor);
  const phase = policy.incident.phases.find((candidate) => candidate.id === request.phaseId);
  if (phase === undefined)
    throw new InvalidCaseCommandError("phase", "the policy has no such incident phase");
  const question = phase.questions[request.question];
  if (question === undefined) throw new InvalidCaseCommandError("answer", "this phase has no such question");
  const answer = request.answer.trim();
  if (answer === "") throw new InvalidCaseCommandError("answer", "an answer");
  if (answer.length > MAX_ANSWER)
    throw new InvalidCaseCommandError("answer", `at most ${MAX_ANSWER} characters`);
  if (question.answer === "yes-no" && answer !== "yes" && answer !== "no") {
    throw new InvalidCaseCommandError("answer", "yes or no");
  }
  return runCaseCommand(deps, { id: caseId }, at, async (row, trx) => {
    const work = await readIncidentWork(trx, deps.keyring, row.id);
    const state = phaseStates(policy.incident.phases, work.phases).find(
      (p) => p.phase.id === phase.id,
    )?.state;
    if (state !== "started") {
      throw new IncidentPhaseRefused(
        "not-started",
        `${phase.name} is ${state ?? "pending"}: answer while it runs`,
      );
    }
    const top = topPriority(policy);
    const raise = question.yesMeans === "top-priority" && answer === "yes" && row.priority !== top;
    const raisedPriority = raise ? top : null;
    const events: NewEvent[] = [
      {
        type: "incident.answer_recorded",
        actor,
        at,
        payload: { phaseId: phase.id, question: question.question, answer, raisedPriority },
      },
    ];
    if (raise) {
      events.push({
        type: "case.triage_updated",
        actor,
        at,
        payload: { priority: { from: row.priority, to: top } },
      });
    }
    return { result: { raisedPriority }, events, ...(raise ? { set: { priority: top } } : {}) };
  });
}
