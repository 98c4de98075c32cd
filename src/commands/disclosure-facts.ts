import { authorityDeadline } from "../domain/clocks/disclosure.js";
import { localIso } from "../domain/clocks/due-dates.js";
import type { LoadedPolicy } from "../policy/loader.js";
import { InvalidCaseCommandError, NotAPrivacyIncidentError } from "../store/staff-errors.js";
import { checkActor, checkDate, type TeamActor } from "../store/staff-validation.js";
import { parseInstantInput } from "../workspace/local-time.js";
import { type CaseDeps, type CommandDeps, runCaseCommand } from "./case-change.js";

// ---------------------------------------------------------------------------------------------
// Disclosure: the fix release, privacy incidents and the authority (src/domain/clocks/disclosure.ts)

/** Clients' clocks may run a little ahead of ours; an instant further ahead than this is refused. */
const FUTURE_SLACK_MS = 5 * 60_000;

function checkPast(value: Date, field: string, at: Date, what: string): string {
  const iso = checkDate(value, field);
  if (value.getTime() > at.getTime() + FUTURE_SLACK_MS) {
    throw new InvalidCaseCommandError(field, `${what} cannot be in the future`);
  }
  return iso;
}

/**
 * Records when the fix was released (internal: `case.fix_released`); the disclosure phases and the
 * clocks that start at the fix release run from it. Recording another instant corrects it (the
 * event keeps the previous one); the same instant again changes nothing.
 */
export async function recordFixRelease(
  deps: CaseDeps,
  caseId: string,
  actor: TeamActor,
  releasedAt: Date,
  at: Date,
  timeZone = "UTC",
): Promise<{ changed: boolean; releasedAt: Date }> {
  checkActor(actor);
  const released = checkPast(releasedAt, "releasedAt", at, "a fix release");
  return runCaseCommand<{ changed: boolean; releasedAt: Date }>(deps, { id: caseId }, at, (row) => {
    // A fix for this report cannot predate it; such a date is a typo (a year, a month) that would
    // start the disclosure phases early, or at once.
    const received = new Date(row.received_at);
    if (releasedAt.getTime() < received.getTime()) {
      throw new InvalidCaseCommandError(
        "releasedAt",
        `a fix release cannot come before the report was received (${wallTime(received, timeZone)})`,
      );
    }
    return row.fix_released_at === released
      ? { result: { changed: false, releasedAt }, events: [] }
      : {
          result: { changed: true, releasedAt },
          events: [
            {
              type: "case.fix_released",
              actor,
              at,
              payload: { releasedAt: released, previous: row.fix_released_at },
            },
          ],
          set: { fix_released_at: released },
        };
  });
}

/** "2026-12-08 10:00 Europe/Berlin" (seconds only when there are some), as people read an instant. */
function wallTime(date: Date, timeZone: string): string {
  const local = localIso(date, timeZone).slice(0, 19).replace("T", " ");
  return `${local.endsWith(":00") ? local.slice(0, 16) : local} ${timeZone}`;
}

/**
 * Marks the case a privacy incident since `since` (when the team became aware; internal:
 * `case.privacy_incident_marked`). `notifyBy` is the policy's authority notification deadline
 * (null when it sets none); it joins the case's `next_due_at` until the authority is notified.
 * Marking a case again changes nothing.
 */
export async function markPrivacyIncident(
  deps: CaseDeps,
  caseId: string,
  actor: TeamActor,
  incident: { since: Date; notifyBy: Date | null },
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  const since = checkPast(incident.since, "since", at, "the start of a privacy incident");
  const notifyBy = incident.notifyBy === null ? null : checkDate(incident.notifyBy, "notifyBy");
  return runCaseCommand<{ changed: boolean }>(deps, { id: caseId }, at, (row) =>
    row.privacy_incident_at !== null
      ? { result: { changed: false }, events: [] }
      : {
          result: { changed: true },
          events: [{ type: "case.privacy_incident_marked", actor, at, payload: { since, notifyBy } }],
          set: { privacy_incident_at: since, authority_notify_by: notifyBy },
        },
  );
}

/**
 * Records that the authority was notified (internal: `case.authority_notified`), which stops the
 * authority clock. Only on a privacy incident (NotAPrivacyIncidentError otherwise), not before it
 * began; recording it again changes nothing.
 */
export async function recordAuthorityNotified(
  deps: CaseDeps,
  caseId: string,
  actor: TeamActor,
  notifiedAt: Date,
  at: Date,
): Promise<{ changed: boolean }> {
  checkActor(actor);
  const notified = checkPast(notifiedAt, "notifiedAt", at, "a notification");
  return runCaseCommand<{ changed: boolean }>(deps, { id: caseId }, at, (row) => {
    if (row.privacy_incident_at === null) throw new NotAPrivacyIncidentError();
    if (row.authority_notified_at !== null) return { result: { changed: false }, events: [] };
    if (notified < row.privacy_incident_at) {
      throw new InvalidCaseCommandError("notifiedAt", "the notification cannot come before the incident");
    }
    return {
      result: { changed: true },
      events: [{ type: "case.authority_notified", actor, at, payload: { notifiedAt: notified } }],
      set: { authority_notified_at: notified },
    };
  });
}

/** Records the fix release (`when` as parseInstantInput reads it; empty: now). */
export async function recordFixReleaseFor(
  deps: CommandDeps,
  program: LoadedPolicy,
  caseId: string,
  actor: TeamActor,
  when: string | undefined,
) {
  const now = deps.clock();
  const releasedAt = parseInstantInput(
    when,
    program.policy.serviceLevels.calendar.timeZone,
    now,
    "releasedAt",
  );
  return recordFixRelease(
    deps,
    caseId,
    actor,
    releasedAt,
    now,
    program.policy.serviceLevels.calendar.timeZone,
  );
}

/**
 * Marks the case a privacy incident since `since` (empty: now), with the deadline of the policy's
 * `disclosure.authorityNotification`; a program whose policy has none cannot (InvalidCaseCommandError).
 */
export async function markPrivacyIncidentFor(
  deps: CommandDeps,
  program: LoadedPolicy,
  caseId: string,
  actor: TeamActor,
  since: string | undefined,
) {
  const policy = program.policy;
  if (policy.disclosure.authorityNotification === undefined) {
    throw new InvalidCaseCommandError(
      "since",
      `${policy.program.name}'s policy sets no deadline to notify an authority of a privacy incident`,
    );
  }
  const now = deps.clock();
  const start = parseInstantInput(since, policy.serviceLevels.calendar.timeZone, now, "since");
  return markPrivacyIncident(
    deps,
    caseId,
    actor,
    { since: start, notifyBy: authorityDeadline(policy, start) },
    now,
  );
}

/** Records that the authority was notified at `when` (empty: now). */
export async function recordAuthorityNotifiedFor(
  deps: CommandDeps,
  program: LoadedPolicy,
  caseId: string,
  actor: TeamActor,
  when: string | undefined,
) {
  const now = deps.clock();
  const notifiedAt = parseInstantInput(
    when,
    program.policy.serviceLevels.calendar.timeZone,
    now,
    "notifiedAt",
  );
  return recordAuthorityNotified(deps, caseId, actor, notifiedAt, now);
}
