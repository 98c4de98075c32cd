import type { ChecklistRecord } from "../domain/incident/checklist.js";
import type { PhaseRecord } from "../domain/incident/phases.js";
import type { DecryptedEvent } from "./case-event-read.js";
import { checklistMarkedPayload, incidentPhasePayload, phaseAnswerPayload } from "./staff-events.js";

/**
 * The incident work recorded on a case, from its events: the phase steps, the checklist marks and
 * the answers to the phases' questions. Read by the commands that rule on them (in their
 * transaction) and by the case page (from the events it already decrypted).
 */
export const INCIDENT_WORK_EVENTS = [
  "incident.phase_noted",
  "incident.phase_shared",
  "case.checklist_marked",
  "incident.answer_recorded",
] as const;

export interface PhaseAnswer {
  phaseId: string;
  question: string;
  answer: string;
  raisedPriority: string | null;
  at: Date;
  actor: string;
}

export interface IncidentWork {
  phases: PhaseRecord[];
  checklist: ChecklistRecord[];
  answers: PhaseAnswer[];
}

type WorkEvent = Pick<DecryptedEvent, "type" | "payload" | "at" | "actor">;

export function incidentWorkOf(events: readonly WorkEvent[]): IncidentWork {
  const work: IncidentWork = { phases: [], checklist: [], answers: [] };
  for (const event of events) {
    const { at, actor } = event;
    switch (event.type) {
      case "incident.phase_noted":
      case "incident.phase_shared": {
        const { phaseId, action } = incidentPhasePayload.parse(event.payload);
        work.phases.push({ phaseId, action });
        break;
      }
      case "case.checklist_marked": {
        const { list, key, done, note } = checklistMarkedPayload.parse(event.payload);
        work.checklist.push({ list, key, done, note, at, actor });
        break;
      }
      case "incident.answer_recorded":
        work.answers.push({ ...phaseAnswerPayload.parse(event.payload), at, actor });
        break;
    }
  }
  return work;
}

/** The latest answer to each question of a phase: `${phaseId} ${question}` → answer. */
export function latestAnswers(answers: readonly PhaseAnswer[]): Map<string, PhaseAnswer> {
  return new Map(answers.map((answer) => [`${answer.phaseId} ${answer.question}`, answer]));
}
