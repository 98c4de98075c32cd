import type { Policy } from "../../policy/schema.js";
import { addDuration } from "../calendar/index.js";
import { type PhaseRecord, type PolicyPhase, phaseStates } from "./phases.js";

/**
 * The case's work items that carry a due date of their own, as rules. Pure.
 *
 * - Postmortem action items (Kitsu: "a list of process and code changes"): a title, a kind, an
 *   owner (a member of the team who may work the program) and a due date; done once, with a note.
 * - The reporter's feedback, taken while a phase that invites them (`reporterInvited`) runs.
 * - The task to tell affected users (`disclosure.userNotification`): one item per channel of the
 *   policy, due a fixed time after the task appears, with draft words for each channel.
 */

export const ACTION_ITEM_KINDS = ["process", "code"] as const;
export type ActionItemKind = (typeof ACTION_ITEM_KINDS)[number];

export const isActionItemKind = (value: string): value is ActionItemKind =>
  (ACTION_ITEM_KINDS as readonly string[]).includes(value);

export const ACTION_ITEM_KIND_LABELS: Readonly<Record<ActionItemKind, string>> = {
  process: "process change",
  code: "code change",
};

export const MAX_ROOT_CAUSE = 10_000;
export const MAX_ACTION_TITLE = 300;
export const MAX_DONE_NOTE = 2_000;
export const MAX_FEEDBACK = 10_000;
/** A due date further ahead than this is a typo (a year 2062), not a plan. */
const MAX_DUE_AHEAD_MS = 5 * 366 * 24 * 3_600_000;

/** Why a due date cannot be taken, or null when it can. */
export function dueDateProblem(dueAt: Date, now: Date): string | null {
  if (Number.isNaN(dueAt.getTime())) return "a date such as 2026-12-31";
  if (dueAt.getTime() <= now.getTime()) return "a due date in the future";
  if (dueAt.getTime() - now.getTime() > MAX_DUE_AHEAD_MS) return "a due date within five years";
  return null;
}

/** The id of the next action item of a case: "1", "2", …, one more than the highest so far. */
export function nextActionItemId(existing: readonly string[]): string {
  const numbers = existing.filter((id) => /^\d{1,9}$/.test(id)).map(Number);
  return String(Math.max(0, ...numbers) + 1);
}

/** The earliest due date (ISO text) of the items still open, or null. */
export function earliestOpenDue(items: readonly { dueAt: string; doneAt: string | null }[]): string | null {
  return (
    items
      .filter((item) => item.doneAt === null)
      .map((item) => item.dueAt)
      .sort()[0] ?? null
  );
}

// ---------------------------------------------------------------------------------------------
// The reporter's feedback

export type FeedbackDecision =
  | { ok: true; phase: PolicyPhase }
  | { ok: false; code: "not-invited" | "not-started" | "finished"; message: string };

/**
 * Whether the reporter may give feedback now: while a phase that invites them has started and has
 * not completed. The messages are written for the reporter.
 */
export function feedbackDecision(
  phases: readonly PolicyPhase[],
  records: readonly PhaseRecord[],
): FeedbackDecision {
  const invited = phaseStates(phases, records).filter(({ phase }) => phase.reporterInvited);
  if (invited.length === 0)
    return { ok: false, code: "not-invited", message: "This program does not ask for feedback here." };
  const running = invited.find(({ state }) => state === "started");
  if (running !== undefined) return { ok: true, phase: running.phase };
  if (invited.every(({ state }) => state === "completed" || state === "skipped"))
    return {
      ok: false,
      code: "finished",
      message: "The team has finished its review of this case and no longer takes feedback here.",
    };
  return {
    ok: false,
    code: "not-started",
    message:
      "The team has not started its review of this case yet; this page invites your feedback when it does.",
  };
}

// ---------------------------------------------------------------------------------------------
// Telling affected users (`disclosure.userNotification`)

export type UserNotificationRule = NonNullable<Policy["disclosure"]["userNotification"]>;
export type UserNotificationChannel = UserNotificationRule["channels"][number];

/**
 * How long the team has to tell affected users. The policy's `userNotification` names no time, so
 * this is Embargo's default: the 72 hours that GDPR Art. 33 gives for the authority, since
 * affected users are to be told "without undue delay" (Art. 34) and that is the shortest deadline
 * the team is already working to.
 */
export const USER_NOTIFICATION_WITHIN = { hours: 72 } as const;

export const USER_NOTIFICATION_CHANNEL_LABELS: Readonly<Record<UserNotificationChannel, string>> = {
  email: "Email to affected users",
  "website-notice": "Website notice",
  "in-product-banner": "In-product banner",
  "blog-post": "Blog post",
};

const ITEM_PREFIX = "notify-";

/** The work item id of a channel's notification (`notify-email`). */
export const userNotificationItemId = (channel: UserNotificationChannel): string =>
  `${ITEM_PREFIX}${channel}`;

/** Whether a work item id is one of the user notification task's (not a postmortem action item). */
export const isUserNotificationItemId = (id: string): boolean => id.startsWith(ITEM_PREFIX);

export interface UserNotificationFacts {
  privacyIncidentAt?: Date | null;
  fixedAt: Date | null;
}

/**
 * When the task to tell affected users appears on a case, or null while it has not: when the case
 * became a privacy incident (the instant the team became aware, which the authority clock runs
 * from too) for `user-data-affected`; for `always` also when the case became fixed, whichever
 * came first.
 */
export function userNotificationStart(rule: UserNotificationRule, facts: UserNotificationFacts): Date | null {
  const privacy = facts.privacyIncidentAt ?? null;
  if (rule.when === "user-data-affected") return privacy;
  const candidates = [privacy, facts.fixedAt].filter((date): date is Date => date !== null);
  return candidates.sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
}

export interface UserNotificationItem {
  id: string;
  channel: UserNotificationChannel;
  label: string;
  dueAt: Date;
  done: boolean;
}

/**
 * The task's items, one per channel of the policy, in its order; null when the policy asks for no
 * user notification or the task has not appeared yet. `doneIds`: the item ids already done.
 */
export function userNotificationItems(
  policy: Policy,
  facts: UserNotificationFacts,
  doneIds: ReadonlySet<string>,
): { startedAt: Date; items: UserNotificationItem[] } | null {
  const rule = policy.disclosure.userNotification;
  if (rule === undefined) return null;
  const startedAt = userNotificationStart(rule, facts);
  if (startedAt === null) return null;
  const dueAt = addDuration(policy.serviceLevels.calendar, startedAt, USER_NOTIFICATION_WITHIN);
  const channels = [...new Set(rule.channels)];
  return {
    startedAt,
    items: channels.map((channel) => {
      const id = userNotificationItemId(channel);
      return { id, channel, label: USER_NOTIFICATION_CHANNEL_LABELS[channel], dueAt, done: doneIds.has(id) };
    }),
  };
}

/** Who hears that telling affected users is overdue: the assignee, and the privacy officers or else the leads. */
export function userNotificationNotifyList(policy: Policy): string[] {
  const withRole = (role: Policy["contacts"][number]["roles"][number]) =>
    policy.contacts.filter((contact) => contact.roles.includes(role)).map((contact) => contact.id);
  const officers = withRole("privacy-officer");
  return ["assignee", ...(officers.length > 0 ? officers : withRole("lead"))];
}

export interface NotificationDraft {
  /** The email's subject; none for the other channels. */
  subject: string | null;
  text: string;
}

/**
 * Words to start from, for the team's own mailer or website: case-neutral (no report content, no
 * case reference), with the policy's own words about telling users, and [brackets] where only the
 * team knows what to say.
 */
export function userNotificationDraft(policy: Policy, channel: UserNotificationChannel): NotificationDraft {
  const name = policy.program.name;
  const promise = policy.disclosure.userNotification?.text;
  const contact =
    policy.contacts.find((c) => c.roles.includes("privacy-officer") && c.email !== undefined) ??
    policy.contacts.find((c) => c.roles.includes("point-of-contact") && c.email !== undefined);
  const reach = contact?.email === undefined ? "" : ` You can reach us at ${contact.email}.`;
  const body = [
    `We are writing to tell you about a security incident at ${name} that affected data of our users, including yours.`,
    "",
    "What happened: [what happened, and when]",
    "What data was affected: [which of your data]",
    "What we have done: [the fix, and what we do to prevent it happening again]",
    "What you can do: [for example, change your password]",
    "",
    ...(promise === undefined ? [] : [`Our security policy says: "${promise}"`, ""]),
    `We are sorry. If you have questions, reply to this message.${reach}`,
    "",
    `The ${name} team`,
  ].join("\n");
  if (channel === "email") return { subject: `Security notice from ${name}`, text: body };
  return {
    subject: null,
    text: [
      `Security notice: ${name} had a security incident that affected data of some of our users.`,
      "What happened: [what happened, and when]. What data was affected: [which data].",
      "What we have done: [the fix]. What you can do: [for example, change your password].",
      ...(promise === undefined ? [] : [`Our security policy says: "${promise}"`]),
      `Questions?${reach === "" ? " Contact us." : reach}`,
    ].join("\n"),
  };
}
