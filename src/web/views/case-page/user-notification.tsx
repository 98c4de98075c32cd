import {
  MAX_DONE_NOTE,
  type UserNotificationItem,
  userNotificationDraft,
  userNotificationItemId,
  userNotificationItems,
} from "../../../domain/incident/action-items.js";
import { type UsersNotified, usersNotifiedOf } from "../../../store/action-items.js";
import { Csrf, describedBy, FieldError, FormError, When } from "../staff-common.js";
import type { PanelProps } from "./shared.js";

/**
 * The task to tell affected users (`disclosure.userNotification`), when the policy promises it:
 * before it appears, what makes it appear (and the form to mark the case when user data was
 * affected); then one item per channel with its due date, draft words to start from, and a form
 * to mark it done with what was sent. Internal. Folded from the case's events.
 */
export function UserNotification(props: PanelProps) {
  const policy = props.program.policy;
  const rule = policy.disclosure.userNotification;
  if (rule === undefined) return null;
  const notified = usersNotifiedOf(props.found.events);
  const doneIds = new Set(
    rule.channels.filter((channel) => notified.done.has(channel)).map(userNotificationItemId),
  );
  const task = userNotificationItems(
    policy,
    { privacyIncidentAt: props.found.privacyIncidentAt, fixedAt: props.found.fixedAt },
    doneIds,
  );
  return (
    <section aria-labelledby="user-notification-heading">
      <h2 id="user-notification-heading">Tell affected users</h2>
      {rule.text === undefined ? null : (
        <blockquote>
          <p>{rule.text}</p>
        </blockquote>
      )}
      <FormError errors={props.errors} field="user-notification" />
      {task === null ? (
        <NotYet {...props} always={rule.when === "always"} />
      ) : (
        <>
          <p>
            Each channel is due 72 hours after the task appeared (the policy names no time). It appeared{" "}
            <When date={task.startedAt} />
          </p>
          <FieldError errors={props.errors} field="users-notified-note" />
          <ol class="user-notification">
            {task.items.map((item) => (
              <Channel
                {...props}
                item={item}
                done={notified.done.get(item.channel)}
                overdueToldAt={notified.overdueToldAt(item.channel)}
              />
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

function NotYet(props: PanelProps & { always: boolean }) {
  const timeZone = props.program.policy.serviceLevels.calendar.timeZone;
  const draft = props.draft?.fields ?? {};
  return (
    <>
      <p>
        {props.always
          ? "Affected users are told of every case: the task appears when the case is fixed, or earlier when user data was affected."
          : "Affected users are told when user data was affected: mark the case then, and the task appears here."}
      </p>
      {props.canWork && props.found.privacyIncidentAt === null ? (
        <form method="post" action={`${props.base}/user-data-affected`}>
          <Csrf token={props.csrfToken} />
          <div class="field">
            <label for="user-data-since">User data affected since</label>
            <p class="help" id="user-data-since-help">
              When the team became aware of it, in {timeZone}; leave empty for now. Marks the case a privacy
              incident. Internal.
            </p>
            <FieldError errors={props.errors} field="user-data-since" />
            <input
              type="datetime-local"
              id="user-data-since"
              name="user-data-since"
              value={draft["user-data-since"] ?? ""}
              aria-describedby={describedBy(props.errors, "user-data-since", "user-data-since-help")}
            />
          </div>
          <button type="submit">User data was affected: mark as a privacy incident</button>
        </form>
      ) : null}
    </>
  );
}

function Channel(
  props: PanelProps & {
    item: UserNotificationItem;
    done: UsersNotified | undefined;
    overdueToldAt: Date | null;
  },
) {
  const { item, done } = props;
  const draft = userNotificationDraft(props.program.policy, item.channel);
  const noteId = `users-notified-note-${item.channel}`;
  const by = (actor: string) => {
    const id = actor.startsWith("team:") ? actor.slice("team:".length) : actor;
    return props.names.get(id) ?? props.assignable.find((member) => member.id === id)?.email ?? id;
  };
  return (
    <li id={`user-notification-${item.channel}`}>
      <strong>{item.label}:</strong>{" "}
      {done !== undefined ? (
        <>
          done <When date={done.at} /> by {by(done.actor)}: {done.note}
        </>
      ) : (
        <>
          due <When date={item.dueAt} />
          {props.overdueToldAt === null ? null : (
            <strong class="clock overdue">
              {" "}
              Overdue: the team was told <When date={props.overdueToldAt} />
            </strong>
          )}
        </>
      )}
      {done !== undefined ? null : (
        <>
          <p class="meta">A draft to start from (for your own mailer or website):</p>
          {draft.subject === null ? null : <p>Subject: {draft.subject}</p>}
          <pre class="answer">{draft.text}</pre>
          {props.canWork ? (
            <form method="post" action={`${props.base}/users-notified`}>
              <Csrf token={props.csrfToken} />
              <input type="hidden" name="channel" value={item.channel} />
              <label for={noteId}>What was sent, and to whom</label>
              <textarea id={noteId} name="users-notified-note" rows={2} maxLength={MAX_DONE_NOTE} required />
              <button type="submit">Mark "{item.label}" done</button>
            </form>
          ) : null}
        </>
      )}
    </li>
  );
}
