import { openPhaseWork } from "../../../commands/incident-work.js";
import {
  decidePhase,
  PHASE_ACTIONS,
  type PhaseAction,
  type PhaseRecord,
  type PhaseState,
  phaseStates,
} from "../../../domain/incident/phases.js";
import type { Policy } from "../../../policy/schema.js";
import { type IncidentWork, incidentWorkOf, latestAnswers } from "../../../store/incident-work.js";
import type { StaffCase } from "../../../store/staff-case-read.js";
import { Csrf, FormError } from "../staff-common.js";
import { ChecklistItems, checklistErrorPanel } from "./checklist.js";
import type { PanelProps } from "./shared.js";

type PolicyPhase = Policy["incident"]["phases"][number];

const PHASE_BUTTONS: Readonly<Record<PhaseAction, string>> = {
  start: "Start",
  complete: "Complete",
  skip: "Skip",
};
const PHASE_STATE_LABELS: Readonly<Record<PhaseState, string>> = {
  pending: "not started",
  started: "in progress",
  completed: "completed",
  skipped: "skipped",
};

/** The steps of the incident response recorded on the case, oldest first. */
export function phaseRecordsOf(found: StaffCase): PhaseRecord[] {
  return incidentWorkOf(found.events).phases;
}

/** The policy's incident phases with their state on this case; buttons for the steps allowed now. */
export function IncidentPhases(props: PanelProps) {
  const phases = props.program.policy.incident.phases;
  const work = incidentWorkOf(props.found.events);
  const records = work.phases;
  return (
    <section aria-labelledby="incident-heading">
      <h2 id="incident-heading">Incident response</h2>
      <FormError errors={props.errors} field="incident-phase" />
      <FormError errors={props.errors} field="answer" />
      {checklistErrorPanel(props.program.policy) === "phases" ? (
        <FormError errors={props.errors} field="checklist" />
      ) : null}
      <ol class="phases">
        {phaseStates(phases, records).map(({ state }, index) => {
          // phaseStates keeps the policy's order: the same phase, with the policy's own fields.
          const phase = phases[index]!;
          const open = openPhaseWork(phase, work);
          const allowed = props.canWork
            ? PHASE_ACTIONS.filter(
                (action) => decidePhase(phases, records, { phaseId: phase.id, action }, open).ok,
              )
            : [];
          return (
            <li>
              <strong>{phase.name}</strong> <span class="meta">({PHASE_STATE_LABELS[state]})</span>
              {phase.description === undefined ? null : <p>{phase.description}</p>}
              <PhaseQuestions {...props} phase={phase} work={work} running={state === "started"} />
              {phase.tasks.length === 0 ? null : (
                <ChecklistItems
                  {...props}
                  list={`phase:${phase.id}`}
                  label={`Tasks of ${phase.name}`}
                  items={phase.tasks}
                  marks={work.checklist}
                />
              )}
              {allowed.map((action) => (
                <form method="post" action={`${props.base}/incident-phase`} class="inline">
                  <Csrf token={props.csrfToken} />
                  <input type="hidden" name="phase" value={phase.id} />
                  <input type="hidden" name="action" value={action} />
                  <button type="submit">
                    {PHASE_BUTTONS[action]} {phase.name}
                  </button>
                </form>
              ))}
              {state === "started" && (open.unanswered.length > 0 || open.openTasks.length > 0) ? (
                <p class="meta">Completes once every question is answered and every task is checked.</p>
              ) : null}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** A phase's questions, each with its latest answer and, while the phase runs, a form to answer. */
function PhaseQuestions(props: PanelProps & { phase: PolicyPhase; work: IncidentWork; running: boolean }) {
  const { phase } = props;
  if (phase.questions.length === 0) return null;
  const answers = latestAnswers(props.work.answers);
  return (
    <dl class="questions">
      {phase.questions.map((question, index) => {
        const answer = answers.get(`${phase.id} ${question.question}`);
        const id = `answer-${phase.id}-${index}`;
        return (
          <>
            <dt>{question.question}</dt>
            <dd>
              {question.guidance === undefined ? null : <p class="meta">{question.guidance}</p>}
              <p>
                {answer === undefined ? <em>Not answered yet.</em> : answer.answer}
                {answer?.raisedPriority == null ? null : (
                  <strong> Priority raised to {answer.raisedPriority}: top priority is to stop it.</strong>
                )}
              </p>
              {props.canWork && props.running ? (
                <form method="post" action={`${props.base}/answer`}>
                  <Csrf token={props.csrfToken} />
                  <input type="hidden" name="phase" value={phase.id} />
                  <input type="hidden" name="question" value={String(index)} />
                  {question.answer === "yes-no" ? (
                    <fieldset>
                      <legend>Answer: {question.question}</legend>
                      <label>
                        <input type="radio" name="answer" value="yes" required /> Yes
                      </label>
                      <label>
                        <input type="radio" name="answer" value="no" /> No
                      </label>
                    </fieldset>
                  ) : (
                    <>
                      <label for={id}>Answer: {question.question}</label>
                      <textarea id={id} name="answer" rows={2} maxLength={5000} required>
                        {answer?.answer ?? ""}
                      </textarea>
                    </>
                  )}
                  <button type="submit">Save answer</button>
                </form>
              ) : null}
            </dd>
          </>
        );
      })}
    </dl>
  );
}
