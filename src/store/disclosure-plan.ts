import type { Kysely, Transaction } from "kysely";
import { z } from "zod";
import type { Keyring } from "../crypto/keyring.js";
import type { PlanRecords, ReporterNoticeKind } from "../domain/disclosure/plan.js";
import { REWARD_EVENT_TYPES, rewardHistory, rewardSettled } from "../domain/rewards/decision.js";
import { caseEventsOfTypes, type DecryptedEvent } from "./case-event-read.js";
import { nextDueAt } from "./deadlines.js";
import type { CasesTable, DatabaseSchema } from "./schema.js";

/**
 * The disclosure plan recorded on a case (src/domain/disclosure/plan.ts), from its events: the
 * team's task marks and owners, the dates it moved, and what the reporter was told. Read by the
 * plan's commands and the timer worker (in their transaction), by the case page (from the events
 * it already decrypted) and, filtered to the dates they see, by the reporter's page.
 */
export const PLAN_EVENTS = {
  taskMarked: "case.disclosure_task_marked",
  taskOwner: "case.disclosure_task_owner_changed",
  dateMoved: "case.disclosure_date_moved",
  reporterTold: "disclosure.reporter_told",
  taskOverdue: "disclosure.task_overdue",
} as const;

export const PLAN_EVENT_TYPES: readonly string[] = [
  PLAN_EVENTS.taskMarked,
  PLAN_EVENTS.taskOwner,
  PLAN_EVENTS.dateMoved,
  PLAN_EVENTS.reporterTold,
  // A paid or declined reward completes the `reward-reporter` task (src/domain/rewards/decision.ts).
  ...REWARD_EVENT_TYPES,
];

const task = { phaseId: z.string(), n: z.number().int().min(0) };
export const taskMarkedPayload = z.object({ ...task, kind: z.string(), text: z.string(), done: z.boolean() });
export const taskOwnerPayload = z.object({
  ...task,
  kind: z.string(),
  text: z.string(),
  from: z.string().nullable(),
  owner: z.string().nullable(),
});
export const dateMovedPayload = z.object({
  what: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  reason: z.string(),
  reporterSees: z.boolean().default(false),
});
const REPORTER_NOTICE_KINDS = [
  "embargo-ended",
  "may-publish",
  "date-moved",
] as const satisfies readonly ReporterNoticeKind[];
export const reporterToldPayload = z.object({
  key: z.string(),
  kind: z.enum(REPORTER_NOTICE_KINDS),
  date: z.string(),
  mailed: z.boolean(),
});

type PlanEvent = Pick<DecryptedEvent, "seq" | "type" | "payload" | "at" | "actor">;

/** The plan's records from a case's events (others are skipped; unreadable payloads too). */
export function planRecordsOf(events: readonly PlanEvent[]): PlanRecords {
  const records: PlanRecords = { moves: [], marks: [], owners: [], told: [] };
  for (const event of events) {
    const { at, actor, seq } = event;
    switch (event.type) {
      case PLAN_EVENTS.taskMarked: {
        const parsed = taskMarkedPayload.safeParse(event.payload);
        if (parsed.success) records.marks.push({ ...parsed.data, at, actor });
        break;
      }
      case PLAN_EVENTS.taskOwner: {
        const parsed = taskOwnerPayload.safeParse(event.payload);
        if (parsed.success) {
          const { phaseId, n, owner } = parsed.data;
          records.owners.push({ phaseId, n, owner, at, actor });
        }
        break;
      }
      case PLAN_EVENTS.dateMoved: {
        const parsed = dateMovedPayload.safeParse(event.payload);
        if (parsed.success) {
          const { what, from, to, reason, reporterSees } = parsed.data;
          records.moves.push({
            seq,
            what,
            from: from === null ? null : new Date(from),
            to: new Date(to),
            reason,
            reporterSees,
            at,
            actor,
          });
        }
        break;
      }
      case PLAN_EVENTS.reporterTold: {
        const parsed = reporterToldPayload.safeParse(event.payload);
        if (parsed.success) {
          const { key, kind, date, mailed } = parsed.data;
          records.told.push({ key, kind, date: new Date(date), mailed, at });
        }
        break;
      }
    }
  }
  const settled = rewardSettled(rewardHistory(events));
  if (settled !== null) records.rewardSettled = settled;
  return records;
}

/** The plan's records of one case, decrypted, in the caller's transaction. */
export async function readPlanRecords(
  db: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>,
  keyring: Keyring,
  caseId: string,
): Promise<PlanRecords> {
  return planRecordsOf(await caseEventsOfTypes(db, keyring, caseId, PLAN_EVENT_TYPES));
}

/**
 * What the reporter's page may know of the plan: the moves of the dates they see and what they
 * were told. The moves of the team's own phases (and their reasons) are dropped right here.
 */
export async function readReporterPlanRecords(
  db: Kysely<DatabaseSchema>,
  keyring: Keyring,
  caseId: string,
): Promise<PlanRecords> {
  const records = planRecordsOf(
    await caseEventsOfTypes(db, keyring, caseId, [PLAN_EVENTS.dateMoved, PLAN_EVENTS.reporterTold]),
  );
  return {
    moves: records.moves.filter((move) => move.reporterSees),
    marks: [],
    owners: [],
    told: records.told,
  };
}

/**
 * Keeps `cases.disclosure_due_at` (and so `next_due_at`) true for the timer worker, which sees the
 * changes of other commands (a fix release dates the tasks, closing the case completes one). The
 * row is the worker's, locked in its transaction; a derived column, not a change of the case: no
 * event, no `updated_at`.
 */
export async function keepDisclosureDue(
  trx: Transaction<DatabaseSchema>,
  row: CasesTable,
  dueAt: Date | null,
): Promise<void> {
  const due = dueAt === null ? null : dueAt.toISOString();
  if ((row.disclosure_due_at ?? null) === due) return;
  await trx
    .updateTable("cases")
    .set({ disclosure_due_at: due, next_due_at: nextDueAt({ ...row, disclosure_due_at: due }) })
    .where("id", "=", row.id)
    .execute();
}
