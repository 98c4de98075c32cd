import type { DisclosurePhaseItem } from "../../../domain/clocks/disclosure.js";
import {
  type DateMove,
  EMBARGO_TARGET,
  lastMove,
  MAX_MOVE_REASON,
  type PlanPhase,
  type PlanTask,
  phaseTarget,
  plannedDisclosureDate,
  planPhases,
  reporterDisclosurePhase,
} from "../../../domain/disclosure/plan.js";
import { planRecordsOf } from "../../../store/disclosure-plan.js";
import { localTimeInput } from "../../../workspace/local-time.js";
import { Csrf, describedBy, FieldError, When } from "../staff-common.js";
import { FixRelease } from "./fix-release.js";
import { PrivacyIncident } from "./privacy-incident.js";
import type { PanelProps } from "./shared.js";

const RELATIVE_TO: Readonly<Record<DisclosurePhaseItem["relativeTo"], string>> = {
  "fix-release": "after the fix release",
  received: "after the report was received",
};

const SYSTEM_DONE: Readonly<Record<string, string>> = {
  "allow-reporter-disclosure":
    "done by Embargo when the reporter is told they may disclose (the phase's date)",
  "close-case": "done when the case is closed as resolved",
};

/**
 * The fix release, the policy's disclosure phases as dated items with their tasks (owner, due
 * date, done), the embargo end and the planned disclosure date with the moves of these dates, and
 * the privacy incident with its authority notification; forms for those who may work the case.
 */
export function Disclosure(props: PanelProps) {
  const { found } = props;
  const records = planRecordsOf(found.events);
  const planned = planPhases(props.disclosure.phases, found, records, found.assignee);
  const byId = new Map(planned.map((phase) => [phase.id, phase]));
  const phases = props.disclosure.phases;
  return (
    <section aria-labelledby="disclosure-heading">
      <h2 id="disclosure-heading">Disclosure</h2>
      <FixRelease {...props} />
      <PlanDates {...props} moved={lastMove(records, EMBARGO_TARGET)} />

      {phases.length === 0 ? null : (
        <>
          <h3>Disclosure phases</h3>
          <ol class="phases">
            {phases.map((phase) => {
              const plan = byId.get(phase.id);
              return (
                <li class={`disclosure-phase-${phase.state}`} id={`disclosure-phase-${phase.id}`}>
                  <strong>
                    Day {phase.day} – {phase.name}
                  </strong>
                  :{" "}
                  {phase.dueAt === null ? null : (
                    <>
                      due <When date={phase.dueAt} />{" "}
                    </>
                  )}
                  <span class={phase.state === "due" ? "clock overdue" : "clock"}>({phase.text})</span>
                  {plan?.complete === true ? <strong class="badge"> Phase complete</strong> : null}
                  <span class="meta block">
                    {phase.day} days {RELATIVE_TO[phase.relativeTo]}
                    {phase.audiences.length === 0 ? "" : ` · for ${phase.audiences.join(", ")}`}
                  </span>
                  {plan?.moved == null ? null : <Moved move={plan.moved} {...props} />}
                  {plan === undefined || plan.tasks.length === 0 ? (
                    <ul>
                      {phase.actions.map((action) => (
                        <li>{action.text}</li>
                      ))}
                    </ul>
                  ) : (
                    <ul class="disclosure-tasks">
                      {plan.tasks.map((task) => (
                        <Task {...props} task={task} />
                      ))}
                    </ul>
                  )}
                </li>
              );
            })}
          </ol>
        </>
      )}
      {props.canWork ? <MoveDate {...props} planned={planned} /> : null}

      <PrivacyIncident {...props} />
    </section>
  );
}

function nameOf(props: PanelProps, id: string | null): string {
  if (id === null) return "nobody (the case is unassigned)";
  const user = id.startsWith("team:") ? id.slice("team:".length) : id;
  return props.assignable.find((member) => member.id === user)?.email ?? props.names.get(user) ?? user;
}

/** The embargo end and the planned disclosure date: what the reporter sees on their page. */
function PlanDates(props: PanelProps & { moved: DateMove | null }) {
  const policy = props.program.policy;
  const embargo = props.disclosure.embargo;
  const disclosureAt = plannedDisclosureDate(policy, props.disclosure.phases, embargo);
  if (embargo === null && reporterDisclosurePhase(policy) === undefined) return null;
  return (
    <>
      <dl class="facts">
        <dt>Planned disclosure date</dt>
        <dd>
          {disclosureAt === null ? "not set yet" : <When date={disclosureAt} />}{" "}
          <span class="meta">(the reporter sees it on their page)</span>
        </dd>
      </dl>
      {props.moved === null ? null : <Moved move={props.moved} {...props} />}
    </>
  );
}

function Moved(props: PanelProps & { move: DateMove }) {
  const { move } = props;
  return (
    <p class="meta block">
      Moved <When date={move.at} /> by {nameOf(props, move.actor)}
      {move.from === null ? null : (
        <>
          {" "}
          from <When date={move.from} />
        </>
      )}{" "}
      to <When date={move.to} />
      {move.reporterSees ? " (the reporter was told)" : ""}: {move.reason}
    </p>
  );
}

/** A task: what, whose, due when, done or not; for those who may work the case, its form. */
function Task(props: PanelProps & { task: PlanTask }) {
  const { task } = props;
  const id = `task-${task.phaseId}-${task.n}`;
  const system = SYSTEM_DONE[task.kind];
  return (
    <li id={id} class={task.done !== null ? "task-done" : task.overdue ? "task-overdue" : "task-open"}>
      {task.text} <span class="meta">({task.kind})</span>
      <span class="meta block">
        Owner: {nameOf(props, task.owner)} · Due <When date={task.dueAt} /> ·{" "}
        {task.done !== null ? (
          <>
            Done <When date={task.done.at} />
            {task.done.actor === "system" ? " (by the system)" : ` by ${nameOf(props, task.done.actor)}`}
          </>
        ) : task.overdue ? (
          <strong class="clock overdue">Overdue</strong>
        ) : (
          "Open"
        )}
        {system === undefined ? null : ` · ${system}`}
      </span>
      {props.canWork ? (
        <form method="post" action={`${props.base}/disclosure-task`} class="inline">
          <Csrf token={props.csrfToken} />
          <FieldError errors={props.errors} field={id} />
          <input type="hidden" name="phase" value={task.phaseId} />
          <input type="hidden" name="task" value={String(task.n)} />
          {system === undefined ? (
            <>
              <input type="hidden" name="done-shown" value="yes" />
              <input type="checkbox" id={`${id}-done`} name="done" value="yes" checked={task.done !== null} />
              <label for={`${id}-done`}>Done</label>{" "}
            </>
          ) : null}
          <label for={`${id}-owner`}>Owner</label>
          <select id={`${id}-owner`} name="owner" aria-describedby={describedBy(props.errors, id)}>
            <option value="" selected={!task.ownerChosen}>
              The case's assignee
            </option>
            {props.assignable.map((member) => (
              <option value={member.id} selected={task.ownerChosen && member.id === task.owner}>
                {member.email}
              </option>
            ))}
          </select>{" "}
          <button type="submit">Save task</button>
        </form>
      ) : null}
    </li>
  );
}

/** Move a phase's date or the embargo end, with a reason (the reporter is told of the dates they see). */
function MoveDate(props: PanelProps & { planned: PlanPhase[] }) {
  const policy = props.program.policy;
  const timeZone = policy.serviceLevels.calendar.timeZone;
  const draft = props.draft?.fields ?? {};
  const options = [
    ...(props.disclosure.embargo?.endsAt == null
      ? []
      : [{ value: EMBARGO_TARGET, label: "The embargo end", at: props.disclosure.embargo.endsAt }]),
    ...props.planned.flatMap((phase) =>
      phase.dueAt === null || phase.state === "stopped"
        ? []
        : [{ value: phaseTarget(phase.id), label: `Day ${phase.day} – ${phase.name}`, at: phase.dueAt }],
    ),
  ];
  if (options.length === 0) return null;
  const errors = props.errors;
  return (
    <form method="post" action={`${props.base}/disclosure-move`}>
      <Csrf token={props.csrfToken} />
      <h3>Move a date</h3>
      <p class="help" id="move-help">
        In {timeZone}. From then on the plan uses the new date; the timeline keeps the reason. When the
        reporter sees the date (the embargo end, the planned disclosure date), they are told by mail with the
        reason.
      </p>
      <div class="field">
        <label for="move-what">Date to move</label>
        <FieldError errors={errors} field="move-what" />
        <select id="move-what" name="what" aria-describedby={describedBy(errors, "move-what", "move-help")}>
          {options.map((option) => (
            <option value={option.value} selected={draft.what === option.value}>
              {option.label} (now {localTimeInput(option.at, timeZone).replace("T", " ")})
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="move-to">New date</label>
        <FieldError errors={errors} field="move-to" />
        <input
          type="datetime-local"
          id="move-to"
          name="to"
          value={draft.to ?? ""}
          required
          aria-describedby={describedBy(errors, "move-to", "move-help")}
        />
      </div>
      <div class="field">
        <label for="move-reason">Reason</label>
        <FieldError errors={errors} field="move-reason" />
        <textarea
          id="move-reason"
          name="reason"
          maxLength={MAX_MOVE_REASON}
          required
          aria-describedby={describedBy(errors, "move-reason", "move-help")}
        >
          {draft.reason ?? ""}
        </textarea>
      </div>
      <button type="submit">Move the date</button>
    </form>
  );
}
