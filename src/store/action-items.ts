import type { Kysely, Transaction } from "kysely";
import { z } from "zod";
import { actionItemClockId, userNotificationClockId } from "../domain/clocks/action-item-clock.js";
import {
  ACTION_ITEM_KINDS,
  type ActionItemKind,
  type UserNotificationChannel,
} from "../domain/incident/action-items.js";
import type { DecryptedEvent } from "./case-event-read.js";
import type { CaseActionItemsTable, DatabaseSchema } from "./schema.js";

/**
 * The postmortem and the task to tell affected users as recorded on a case. The events are the
 * record (encrypted, hash-chained: titles, notes, the root cause and the reporter's feedback are
 * case content); `case_action_items` keeps, in plain columns, only what the clocks need (whose,
 * due when, done when), written with the events by src/commands/postmortem.ts and
 * src/commands/user-notification.ts. The case page folds the events it already decrypted; the
 * commands read the table in their transaction.
 */
export const POSTMORTEM_EVENTS = {
  rootCause: "postmortem.root_cause_recorded",
  itemAdded: "postmortem.action_item_added",
  itemChanged: "postmortem.action_item_changed",
  itemDone: "postmortem.action_item_done",
  /** The reporter's feedback, while a phase that invites them runs. */
  feedback: "reporter.feedback",
} as const;

/** One channel of the task to tell affected users was done: `{channel, note}`. Internal. */
export const USERS_NOTIFIED_EVENT = "disclosure.users_notified";

const ESCALATION_EVENT = "escalation.step";

const rootCausePayload = z.object({ text: z.string() });
const itemAddedPayload = z.object({
  itemId: z.string(),
  title: z.string(),
  kind: z.enum(ACTION_ITEM_KINDS),
  owner: z.string(),
  dueAt: z.string(),
});
const change = z.object({ from: z.string(), to: z.string() });
const itemChangedPayload = z.object({
  itemId: z.string(),
  owner: change.optional(),
  dueAt: change.optional(),
});
const itemDonePayload = z.object({ itemId: z.string(), note: z.string() });
const feedbackPayload = z.object({ phaseId: z.string(), text: z.string() });
const usersNotifiedPayload = z.object({ channel: z.string(), note: z.string() });
const escalationPayload = z.looseObject({ clockId: z.string() });

type WorkEvent = Pick<DecryptedEvent, "type" | "payload" | "at" | "actor">;

export interface ActionItem {
  id: string;
  title: string;
  kind: ActionItemKind;
  owner: string;
  dueAt: Date;
  createdAt: Date;
  createdBy: string;
  done: { at: Date; note: string; by: string } | null;
  /** When its clock last told someone it is overdue (for its current due date), or null. */
  overdueToldAt: Date | null;
}

export interface Postmortem {
  rootCause: { text: string; at: Date; actor: string } | null;
  items: ActionItem[];
  feedback: { text: string; at: Date; phaseId: string }[];
}

/** The postmortem recorded by `events` (oldest first). */
export function postmortemOf(events: readonly WorkEvent[]): Postmortem {
  const postmortem: Postmortem = { rootCause: null, items: [], feedback: [] };
  const items = new Map<string, ActionItem>();
  const told = new Map<string, Date>();
  for (const event of events) {
    const { at, actor } = event;
    switch (event.type) {
      case POSTMORTEM_EVENTS.rootCause:
        postmortem.rootCause = { text: rootCausePayload.parse(event.payload).text, at, actor };
        break;
      case POSTMORTEM_EVENTS.itemAdded: {
        const added = itemAddedPayload.parse(event.payload);
        items.set(added.itemId, {
          id: added.itemId,
          title: added.title,
          kind: added.kind,
          owner: added.owner,
          dueAt: new Date(added.dueAt),
          createdAt: at,
          createdBy: actor,
          done: null,
          overdueToldAt: null,
        });
        break;
      }
      case POSTMORTEM_EVENTS.itemChanged: {
        const changed = itemChangedPayload.parse(event.payload);
        const item = items.get(changed.itemId);
        if (item === undefined) break;
        if (changed.owner !== undefined) item.owner = changed.owner.to;
        if (changed.dueAt !== undefined) item.dueAt = new Date(changed.dueAt.to);
        break;
      }
      case POSTMORTEM_EVENTS.itemDone: {
        const done = itemDonePayload.parse(event.payload);
        const item = items.get(done.itemId);
        if (item !== undefined) item.done = { at, note: done.note, by: actor };
        break;
      }
      case POSTMORTEM_EVENTS.feedback: {
        const { phaseId, text } = feedbackPayload.parse(event.payload);
        postmortem.feedback.push({ text, at, phaseId });
        break;
      }
      case ESCALATION_EVENT: {
        const parsed = escalationPayload.safeParse(event.payload);
        if (parsed.success) told.set(parsed.data.clockId, at);
        break;
      }
    }
  }
  postmortem.items = [...items.values()].map((item) => {
    const at = told.get(actionItemClockId(item.id));
    return { ...item, overdueToldAt: at !== undefined && at >= item.dueAt ? at : null };
  });
  return postmortem;
}

export interface UsersNotified {
  note: string;
  at: Date;
  actor: string;
}

/** The channels of the task to tell affected users marked done, with what was sent; and when each was last told overdue. */
export function usersNotifiedOf(events: readonly WorkEvent[]): {
  done: Map<string, UsersNotified>;
  overdueToldAt: (channel: UserNotificationChannel) => Date | null;
} {
  const done = new Map<string, UsersNotified>();
  const told = new Map<string, Date>();
  for (const event of events) {
    if (event.type === USERS_NOTIFIED_EVENT) {
      const { channel, note } = usersNotifiedPayload.parse(event.payload);
      done.set(channel, { note, at: event.at, actor: event.actor });
    } else if (event.type === ESCALATION_EVENT) {
      const parsed = escalationPayload.safeParse(event.payload);
      if (parsed.success) told.set(parsed.data.clockId, event.at);
    }
  }
  return { done, overdueToldAt: (channel) => told.get(userNotificationClockId(channel)) ?? null };
}

type Db = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;

/** The case's work item rows, oldest first. */
export function actionItemRows(db: Db, caseId: string): Promise<CaseActionItemsTable[]> {
  return db
    .selectFrom("case_action_items")
    .selectAll()
    .where("case_id", "=", caseId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

export async function insertActionItem(trx: Transaction<DatabaseSchema>, row: CaseActionItemsTable) {
  await trx.insertInto("case_action_items").values(row).execute();
}

export async function updateActionItem(
  trx: Transaction<DatabaseSchema>,
  caseId: string,
  id: string,
  set: Partial<Pick<CaseActionItemsTable, "owner" | "due_at" | "done_at">>,
) {
  await trx
    .updateTable("case_action_items")
    .set(set)
    .where("case_id", "=", caseId)
    .where("id", "=", id)
    .execute();
}
