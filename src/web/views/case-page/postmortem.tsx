import {
  ACTION_ITEM_KIND_LABELS,
  ACTION_ITEM_KINDS,
  MAX_ACTION_TITLE,
  MAX_DONE_NOTE,
  MAX_ROOT_CAUSE,
} from "../../../domain/incident/action-items.js";
import {
  type ActionItem,
  type Postmortem as PostmortemRecord,
  postmortemOf,
} from "../../../store/action-items.js";
import { dueDateInput } from "../../../workspace/local-time.js";
import { Csrf, describedBy, FieldError, FormError, When } from "../staff-common.js";
import type { PanelProps } from "./shared.js";

/**
 * The postmortem (any program with incident phases): the root cause, the action items (process
 * and code changes) with their owners, due dates and state, and the reporter's feedback when a
 * phase invites them; forms for those who may work the case. Internal: the reporter sees none of
 * it but their own feedback. Folded from the case's events (src/store/action-items.ts).
 */
export function Postmortem(props: PanelProps) {
  const policy = props.program.policy;
  if (policy.incident.phases.length === 0) return null;
  const postmortem = postmortemOf(props.found.events);
  return (
    <section aria-labelledby="postmortem-heading">
      <h2 id="postmortem-heading">Postmortem</h2>
      <p class="meta">
        The root cause, and the process and code changes that follow from it, each with an owner who is told
        when it falls due. Internal.
      </p>
      <RootCause {...props} postmortem={postmortem} />
      <ActionItems {...props} postmortem={postmortem} />
      <ReporterFeedback {...props} postmortem={postmortem} />
    </section>
  );
}

type Props = PanelProps & { postmortem: PostmortemRecord };

/** A team member as the page names them: their address, else their id. */
function memberName(props: PanelProps, actorOrId: string): string {
  const id = actorOrId.startsWith("team:") ? actorOrId.slice("team:".length) : actorOrId;
  return props.assignable.find((member) => member.id === id)?.email ?? props.names.get(id) ?? id;
}

function RootCause(props: Props) {
  const cause = props.postmortem.rootCause;
  const draft = props.draft?.fields["root-cause"];
  return (
    <>
      <h3>Root cause</h3>
      {cause === null ? (
        <p>
          <em>Not recorded yet.</em>
        </p>
      ) : (
        <>
          <pre class="answer">{cause.text}</pre>
          <p class="meta">
            Recorded <When date={cause.at} /> by {memberName(props, cause.actor)}
          </p>
        </>
      )}
      {props.canWork ? (
        <form method="post" action={`${props.base}/root-cause`}>
          <Csrf token={props.csrfToken} />
          <div class="field">
            <label for="root-cause">{cause === null ? "Root cause" : "Change the root cause"}</label>
            <FieldError errors={props.errors} field="root-cause" />
            <textarea
              id="root-cause"
              name="root-cause"
              rows={3}
              maxLength={MAX_ROOT_CAUSE}
              required
              aria-describedby={describedBy(props.errors, "root-cause")}
            >
              {draft ?? cause?.text ?? ""}
            </textarea>
          </div>
          <button type="submit">Save the root cause</button>
        </form>
      ) : null}
    </>
  );
}

function ActionItems(props: Props) {
  const { items } = props.postmortem;
  return (
    <>
      <h3>Action items</h3>
      <FormError errors={props.errors} field="action-item" />
      <FormError errors={props.errors} field="change-owner" />
      <FormError errors={props.errors} field="change-due" />
      <FormError errors={props.errors} field="done-note" />
      {items.length === 0 ? (
        <p>
          <em>No action items yet.</em>
        </p>
      ) : (
        <ol class="action-items">
          {items.map((item) => (
            <ActionItemEntry {...props} item={item} />
          ))}
        </ol>
      )}
      {props.canWork ? <AddActionItem {...props} /> : null}
    </>
  );
}

function ActionItemEntry(props: Props & { item: ActionItem }) {
  const { item } = props;
  const timeZone = props.program.policy.serviceLevels.calendar.timeZone;
  const ownerId = `change-owner-${item.id}`;
  const dueId = `change-due-${item.id}`;
  const noteId = `done-note-${item.id}`;
  return (
    <li id={`action-item-${item.id}`}>
      <strong>
        {item.id}. {item.title}
      </strong>{" "}
      <span class="meta">({ACTION_ITEM_KIND_LABELS[item.kind]})</span>
      <p>
        Owner: {memberName(props, item.owner)} · Due <When date={item.dueAt} /> ·{" "}
        {item.done !== null ? (
          <>
            Done <When date={item.done.at} /> by {memberName(props, item.done.by)}
            {item.done.note === "" ? null : `: ${item.done.note}`}
          </>
        ) : item.overdueToldAt !== null ? (
          <strong class="clock overdue">
            Overdue: the owner was told <When date={item.overdueToldAt} />
          </strong>
        ) : (
          "Open"
        )}
      </p>
      {props.canWork && item.done === null ? (
        <>
          <form method="post" action={`${props.base}/action-item-change`} class="inline">
            <Csrf token={props.csrfToken} />
            <input type="hidden" name="action-item" value={item.id} />
            <label for={ownerId}>Owner of action item {item.id}</label>
            <select id={ownerId} name="change-owner">
              {props.assignable.map((member) => (
                <option value={member.id} selected={member.id === item.owner}>
                  {member.email}
                </option>
              ))}
            </select>
            <label for={dueId}>Due date of action item {item.id}</label>
            <input
              type="date"
              id={dueId}
              name="change-due"
              value={dueDateInput(item.dueAt, timeZone)}
              required
            />
            <button type="submit">Save owner and due date</button>
          </form>
          <form method="post" action={`${props.base}/action-item-done`} class="inline">
            <Csrf token={props.csrfToken} />
            <input type="hidden" name="action-item" value={item.id} />
            <label for={noteId}>What was done (action item {item.id})</label>
            <input id={noteId} name="done-note" maxLength={MAX_DONE_NOTE} placeholder="Note (optional)" />
            <button type="submit">Mark action item {item.id} done</button>
          </form>
        </>
      ) : null}
    </li>
  );
}

function AddActionItem(props: Props) {
  const draft = props.draft?.fields ?? {};
  const { errors } = props;
  const timeZone = props.program.policy.serviceLevels.calendar.timeZone;
  return (
    <form method="post" action={`${props.base}/action-items`}>
      <Csrf token={props.csrfToken} />
      <h4>Add an action item</h4>
      <div class="field">
        <label for="action-title">What is to be done</label>
        <FieldError errors={errors} field="action-title" />
        <input
          id="action-title"
          name="action-title"
          maxLength={MAX_ACTION_TITLE}
          required
          value={draft["action-title"] ?? ""}
          aria-describedby={describedBy(errors, "action-title")}
        />
      </div>
      <div class="field">
        <label for="action-kind">Kind</label>
        <FieldError errors={errors} field="action-kind" />
        <select id="action-kind" name="action-kind" aria-describedby={describedBy(errors, "action-kind")}>
          {ACTION_ITEM_KINDS.map((kind) => (
            <option value={kind} selected={draft["action-kind"] === kind}>
              {ACTION_ITEM_KIND_LABELS[kind]}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="action-owner">Owner of the item</label>
        <p class="help" id="action-owner-help">
          Someone who may work on this program's cases; told when the item falls due.
        </p>
        <FieldError errors={errors} field="action-owner" />
        <select
          id="action-owner"
          name="action-owner"
          required
          aria-describedby={describedBy(errors, "action-owner", "action-owner-help")}
        >
          <option value="">Choose…</option>
          {props.assignable.map((member) => (
            <option value={member.id} selected={draft["action-owner"] === member.id}>
              {member.email}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="action-due">Due on</label>
        <p class="help" id="action-due-help">
          The end of that day in {timeZone}.
        </p>
        <FieldError errors={errors} field="action-due" />
        <input
          type="date"
          id="action-due"
          name="action-due"
          required
          value={draft["action-due"] ?? ""}
          aria-describedby={describedBy(errors, "action-due", "action-due-help")}
        />
      </div>
      <button type="submit">Add the action item</button>
    </form>
  );
}

function ReporterFeedback(props: Props) {
  const invited = props.program.policy.incident.phases.filter((phase) => phase.reporterInvited);
  if (invited.length === 0) return null;
  const { feedback } = props.postmortem;
  return (
    <>
      <h3>The reporter's feedback</h3>
      {feedback.length === 0 ? (
        <p>
          <em>No feedback from the reporter yet.</em>{" "}
          <span class="meta">
            Their case page asks for it while {invited.map((phase) => phase.name).join(" or ")} runs.
          </span>
        </p>
      ) : (
        <ol class="feedback">
          {feedback.map((entry) => (
            <li>
              <p class="meta">
                <When date={entry.at} /> · The reporter wrote
              </p>
              <pre class="answer">{entry.text}</pre>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
