import { authorityDeadline } from "../domain/clocks/disclosure.js";
import { MAX_DONE_NOTE, userNotificationItems } from "../domain/incident/action-items.js";
import type { LoadedPolicy } from "../policy/loader.js";
import { actionItemRows, insertActionItem, USERS_NOTIFIED_EVENT } from "../store/action-items.js";
import { InvalidCaseCommandError } from "../store/staff-errors.js";
import { domainEventType } from "../store/staff-events.js";
import { checkActor, type TeamActor } from "../store/staff-validation.js";
import { parseInstantInput } from "../workspace/local-time.js";
import { type CommandDeps, runCaseCommand } from "./case-change.js";
import { markPrivacyIncident } from "./disclosure-facts.js";

/**
 * Telling affected users (`disclosure.userNotification`, privacytools: "If user data was directly
 * affected or compromised, we will inform affected users ... via email and/or a website
 * notification"). The task appears when the case is marked a privacy incident (or, for
 * `when: always`, also when it becomes fixed): one item per channel of the policy, each due 72
 * hours later (USER_NOTIFICATION_WITHIN: the policy names no time), each done once with a note of
 * what was sent (`disclosure.users_notified`, internal) and a row in `case_action_items`, which
 * stops its clock. The task's due dates are not in `next_due_at`: they follow from the policy and
 * the case's privacy incident, and the marking command (src/commands/disclosure-facts.ts) does
 * not know of them; the timer worker, which has the policy, runs their clocks.
 */

/**
 * Marks the case a privacy incident because user data was affected, for a program whose policy
 * promises to tell affected users (with the policy's authority deadline when it has one): the
 * door for programs like privacytools whose policy names no authority to notify.
 */
export async function markUserDataAffectedFor(
  deps: CommandDeps,
  program: LoadedPolicy,
  caseId: string,
  actor: TeamActor,
  since: string | undefined,
): Promise<{ changed: boolean }> {
  const policy = program.policy;
  if (policy.disclosure.userNotification === undefined)
    throw new InvalidCaseCommandError(
      "user-data-since",
      `${policy.program.name}'s policy does not promise to tell affected users`,
    );
  const now = deps.clock();
  const start = parseInstantInput(since, policy.serviceLevels.calendar.timeZone, now, "user-data-since");
  return markPrivacyIncident(
    deps,
    caseId,
    actor,
    { since: start, notifyBy: authorityDeadline(policy, start) },
    now,
  );
}

/** Marks one channel of the task done, with what was sent; done twice writes nothing. */
export async function recordUsersNotifiedFor(
  deps: CommandDeps,
  program: LoadedPolicy,
  caseId: string,
  actor: TeamActor,
  request: { channel: string; note: string },
): Promise<{ changed: boolean }> {
  checkActor(actor);
  const policy = program.policy;
  const rule = policy.disclosure.userNotification;
  if (rule === undefined)
    throw new InvalidCaseCommandError(
      "user-notification",
      `${policy.program.name}'s policy does not promise to tell affected users`,
    );
  const channel = rule.channels.find((candidate) => candidate === request.channel.trim());
  if (channel === undefined)
    throw new InvalidCaseCommandError("user-notification", "one of the channels the policy names");
  const note = request.note.trim();
  if (note === "") throw new InvalidCaseCommandError("users-notified-note", "what was sent, and to whom");
  if (note.length > MAX_DONE_NOTE)
    throw new InvalidCaseCommandError("users-notified-note", `at most ${MAX_DONE_NOTE} characters`);
  const at = deps.clock();
  return runCaseCommand<{ changed: boolean }>(deps, { id: caseId }, at, async (row, trx) => {
    const rows = await actionItemRows(trx, row.id);
    const done = new Set(rows.filter((r) => r.done_at !== null).map((r) => r.id));
    const date = (value: string | null) => (value === null ? null : new Date(value));
    const task = userNotificationItems(
      policy,
      { privacyIncidentAt: date(row.privacy_incident_at), fixedAt: date(row.fixed_at) },
      done,
    );
    if (task === null)
      throw new InvalidCaseCommandError(
        "user-notification",
        rule.when === "always"
          ? "affected users are told once the case is fixed or marked a privacy incident"
          : "affected users are told once the case is marked a privacy incident",
      );
    const item = task.items.find((candidate) => candidate.channel === channel);
    if (item === undefined || item.done) return { result: { changed: false }, events: [] };
    return {
      result: { changed: true },
      events: [{ type: domainEventType(USERS_NOTIFIED_EVENT), actor, at, payload: { channel, note } }],
      write: (trx) =>
        insertActionItem(trx, {
          case_id: row.id,
          id: item.id,
          kind: "user-notification",
          owner: null,
          due_at: item.dueAt.toISOString(),
          done_at: at.toISOString(),
          created_at: at.toISOString(),
        }),
    };
  });
}
