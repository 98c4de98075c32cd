import type { Policy } from "../../policy/schema.js";
import {
  isUserNotificationItemId,
  type UserNotificationChannel,
  userNotificationItems,
  userNotificationNotifyList,
} from "../incident/action-items.js";
import { userEntry } from "../notifications/recipients.js";
import type { CaseClockFacts } from "./case-clocks.js";
import type { EscalationStep } from "./escalation.js";

/**
 * The due dates of a case's work items as clocks (src/domain/incident/action-items.ts): each open
 * postmortem action item, and each channel of the task to tell affected users. Pure; planEscalation
 * takes one schedule per item.
 *
 * - At the due date (the breach) the item's owner is told (`user:<id>`, resolved to that member's
 *   address); the user notification task has no owner, so its breach goes to the assignee and the
 *   privacy officers (else the leads).
 * - Then a reminder once a week, up to four, to the same people and the assignee, until the item
 *   is done. Only marking it done stops it, not closing the case: a postmortem usually follows the
 *   fix and often the close. Once done nothing more is sent, not even a step that fell due before
 *   and was not taken yet.
 * - The clock id is the item's name in the escalation mail's subject ("Action item 2"), because
 *   the item's title is case content and the mail names only the case's short reference.
 * - The steps' keys carry the due instant and the owner: a due date moved later or a new owner is
 *   a new promise, whose breach is told afresh; the old one's steps stay taken.
 */
const REMINDER_EVERY_MS = 7 * 24 * 3_600_000;
const REMINDERS = 4;

/** What an action item is called in escalation mail and on the timeline. */
export const actionItemClockId = (id: string): string => `Action item ${id}`;

const BY_CHANNEL: Readonly<Record<UserNotificationChannel, string>> = {
  email: "by email",
  "website-notice": "with a website notice",
  "in-product-banner": "with an in-product banner",
  "blog-post": "with a blog post",
};

/** What a channel of the user notification task is called in escalation mail ("Tell affected users by email"). */
export const userNotificationClockId = (channel: UserNotificationChannel): string =>
  `Tell affected users ${BY_CHANNEL[channel]}`;

function itemSteps(
  caseId: string,
  item: {
    clockId: string;
    key: string;
    dueAt: Date;
    atBreach: string[];
    reminders: string[];
    message: string;
  },
): EscalationStep[] {
  const key = (kind: string, n: number) => `${caseId}:${item.key}@${item.dueAt.toISOString()}:${kind}:${n}`;
  const step = (kind: "breach" | "repeat", n: number): EscalationStep => ({
    clockId: item.clockId,
    kind,
    n,
    dueAt: new Date(item.dueAt.getTime() + n * REMINDER_EVERY_MS),
    deadline: item.dueAt,
    notify: n === 0 ? item.atBreach : item.reminders,
    message: item.message,
    idempotencyKey: key(kind, n),
  });
  return [step("breach", 0), ...Array.from({ length: REMINDERS }, (_, index) => step("repeat", index + 1))];
}

/** One schedule per open postmortem action item with an owner. */
export function actionItemSteps(
  caseId: string,
  facts: Pick<CaseClockFacts, "actionItems">,
): EscalationStep[][] {
  return (facts.actionItems ?? []).flatMap((item) => {
    if (isUserNotificationItemId(item.id) || item.doneAt !== null || item.owner === null) return [];
    const owner = userEntry(item.owner);
    return [
      itemSteps(caseId, {
        clockId: actionItemClockId(item.id),
        key: `action-item:${item.id}/${item.owner}`,
        dueAt: item.dueAt,
        atBreach: [owner],
        reminders: [owner, "assignee"],
        message:
          "A postmortem action item you own is past its due date: mark it done on the case page (with a note), or move its due date.",
      }),
    ];
  });
}

/** One schedule per channel of the task to tell affected users that is not done yet. */
export function userNotificationSteps(
  caseId: string,
  policy: Policy,
  facts: Pick<CaseClockFacts, "actionItems" | "privacyIncidentAt" | "fixedAt">,
): EscalationStep[][] {
  const done = new Set(
    (facts.actionItems ?? []).filter((item) => item.doneAt !== null).map((item) => item.id),
  );
  const task = userNotificationItems(policy, facts, done);
  if (task === null) return [];
  const notify = userNotificationNotifyList(policy);
  return task.items
    .filter((item) => !item.done)
    .map((item) =>
      itemSteps(caseId, {
        clockId: userNotificationClockId(item.channel),
        key: `user-notification:${item.channel}`,
        dueAt: item.dueAt,
        atBreach: notify,
        reminders: notify,
        message:
          "Affected users are to be told of this incident. Draft words are on the case page; once sent, mark the channel done there with what was sent.",
      }),
    );
}
