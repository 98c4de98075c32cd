import { sql, type Transaction } from "kysely";
import { z } from "zod";
import { decryptText, encryptText, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import type { Recipient } from "../domain/notifications/recipients.js";
import { aad } from "./aad.js";
import type { Store } from "./database.js";
import { sortableId } from "./ids.js";
import type { Notification, ReporterMailOptions } from "./outbox-message.js";
import type { DatabaseSchema, OutboxTable } from "./schema.js";

/**
 * The notification outbox. Rows are written in the same transaction as what they tell of (the
 * timer worker's escalation events and event notices); delivery workers lease due rows, send,
 * and mark them. The recipient and the message are one encrypted column: an address or a
 * report's words never sit in clear in the database.
 */
export interface OutboxMessage {
  recipient: Recipient;
  notification: Notification;
  /** Mail to a reporter as the program (receipts, replies): built, signed, encrypted at sending. */
  mail?: ReporterMailOptions;
}

const messageSchema = z.object({
  recipient: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("contact"), id: z.string(), email: z.string() }),
    z.object({ kind: z.literal("user"), id: z.string(), email: z.string() }),
    z.object({ kind: z.literal("reporter"), email: z.string() }),
    z.object({ kind: z.literal("webhook"), id: z.string() }),
  ]),
  notification: z.object({
    idempotencyKey: z.string(),
    program: z.string(),
    caseId: z.string().nullable(),
    event: z.string(),
    subject: z.string(),
    text: z.string(),
    url: z.string().nullable(),
    createdAt: z.string(),
  }),
  mail: z
    .object({
      from: z.string(),
      replyTo: z.string().nullable(),
      inReplyTo: z.string().nullable(),
      references: z.array(z.string()),
      encryptTo: z.string().nullable(),
      autoSubmitted: z.enum(["auto-replied", "auto-generated"]).nullable(),
      mustEncrypt: z.boolean().optional(),
    })
    .optional(),
});

export interface NewOutboxRow {
  program: string;
  caseId: string | null;
  message: OutboxMessage;
  at: Date;
}

/** Queues a notification; a second row with the same idempotency key is ignored. */
export async function enqueueNotification(
  trx: Transaction<DatabaseSchema>,
  keyring: Keyring,
  row: NewOutboxRow,
): Promise<void> {
  const id = sortableId(row.at);
  const { recipient, notification } = row.message;
  const at = row.at.toISOString();
  await trx
    .insertInto("outbox")
    .values({
      id,
      idempotency_key: notification.idempotencyKey,
      program: row.program,
      case_id: row.caseId,
      channel: recipient.kind === "webhook" ? "webhook" : "email",
      destination: recipient.kind === "webhook" ? `webhook:${recipient.id}` : "email",
      event: notification.event,
      message_ct: encryptText(keyring, JSON.stringify(row.message), aad.outbox(id)),
      status: "pending",
      attempts: 0,
      next_attempt_at: at,
      lease_until: null,
      leased_by: null,
      last_error: null,
      created_at: at,
      sent_at: null,
    })
    .onConflict((conflict) => conflict.column("idempotency_key").doNothing())
    .execute();
}

export interface LeasedNotification {
  id: string;
  program: string;
  attempts: number;
  message: OutboxMessage;
}

/**
 * Leases up to `limit` due rows for `workerId` until `now + leaseMs`. On PostgreSQL the rows are
 * picked with FOR UPDATE SKIP LOCKED, so concurrent workers take disjoint rows without waiting; a
 * row whose lease ran out (its worker died mid-send) is due again. The attempt is counted at the
 * lease, so a row that kills its worker every time still runs out of attempts.
 */
export async function leaseDueNotifications(
  store: Store,
  keyring: Keyring,
  workerId: string,
  now: Date,
  limit: number,
  leaseMs: number,
): Promise<LeasedNotification[]> {
  const nowIso = now.toISOString();
  const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
  // A hot single write: on SQLite it shares its commit with whatever intake is writing meanwhile.
  // Relaxed: a lease lost in a power cut only makes the row due again, as a dead worker's would.
  const rows = await store.relaxedWrite((trx) =>
    trx
      .updateTable("outbox")
      .set({ lease_until: leaseUntil, leased_by: workerId, attempts: sql`attempts + 1` })
      .where("id", "in", (eb) =>
        eb
          .selectFrom("outbox")
          .select("id")
          .where("status", "=", "pending")
          .where("next_attempt_at", "<=", nowIso)
          .where((w) => w.or([w("lease_until", "is", null), w("lease_until", "<=", nowIso)]))
          .orderBy("next_attempt_at")
          .limit(limit)
          .$if(store.dialect === "postgres", (q) => q.forUpdate().skipLocked()),
      )
      .returning(["id", "program", "attempts", "message_ct"])
      .execute(),
  );
  await keyring.ensure(rows.map((row) => keyIdOf(row.message_ct)));
  return rows.map((row) => ({
    id: row.id,
    program: row.program,
    attempts: row.attempts,
    message: readMessage(keyring, row.id, row.message_ct),
  }));
}

function readMessage(keyring: Keyring, id: string, ciphertext: string): OutboxMessage {
  return messageSchema.parse(JSON.parse(decryptText(keyring, ciphertext, aad.outbox(id))));
}

/**
 * Marks a leased row sent; a row whose lease another worker took over is left to that worker.
 * One per delivered row, so through the group commit: on SQLite the marks of rows delivered at
 * about the same time (and intake's writes) share one commit. Relaxed (`relaxedWrite`): a mark
 * lost in a power cut resends the row with its idempotency key, which a crash before the mark
 * already does and the lease and the worker allow for; so the mark need not wait for the disk.
 */
export async function markSent(store: Store, id: string, workerId: string, at: Date): Promise<void> {
  await store.relaxedWrite((trx) =>
    trx
      .updateTable("outbox")
      .set({ status: "sent", sent_at: at.toISOString(), lease_until: null, last_error: null })
      .where("id", "=", id)
      .where("leased_by", "=", workerId)
      .execute(),
  );
}

/** Records a failed attempt: due again at `retryAt`, or failed for good when that is null. */
export async function markAttemptFailed(
  store: Store,
  id: string,
  workerId: string,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  // Relaxed for the same reason as markSent: lost, the attempt is made again.
  await store.relaxedWrite((trx) =>
    trx
      .updateTable("outbox")
      .set(
        retryAt === null
          ? { status: "failed", lease_until: null, last_error: error }
          : { next_attempt_at: retryAt.toISOString(), lease_until: null, last_error: error },
      )
      .where("id", "=", id)
      .where("leased_by", "=", workerId)
      .execute(),
  );
}

export type OutboxStatusRow = Pick<
  OutboxTable,
  | "id"
  | "program"
  | "case_id"
  | "channel"
  | "destination"
  | "event"
  | "status"
  | "attempts"
  | "last_error"
  | "created_at"
  | "next_attempt_at"
>;

/** Deliveries that failed for good or are failing now, newest first, for the admin page. */
export async function listDeliveryProblems(
  store: Store,
  programs: readonly string[],
  limit = 200,
): Promise<OutboxStatusRow[]> {
  if (programs.length === 0) return [];
  return store.db
    .selectFrom("outbox")
    .select([
      "id",
      "program",
      "case_id",
      "channel",
      "destination",
      "event",
      "status",
      "attempts",
      "last_error",
      "created_at",
      "next_attempt_at",
    ])
    .where("program", "in", programs)
    .where((w) =>
      w.or([
        w("status", "=", "failed"),
        w.and([w("status", "=", "pending"), w("last_error", "is not", null)]),
      ]),
    )
    .orderBy("created_at", "desc")
    .limit(limit)
    .execute();
}

/** Puts a failed delivery back in the queue, due at once with fresh attempts. */
export async function retryDelivery(store: Store, id: string, program: string, now: Date): Promise<boolean> {
  const result = await store.db
    .updateTable("outbox")
    .set({ status: "pending", attempts: 0, next_attempt_at: now.toISOString(), lease_until: null })
    .where("id", "=", id)
    .where("program", "=", program)
    .where("status", "in", ["failed", "pending"])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function outboxProgramOf(store: Store, id: string): Promise<string | undefined> {
  const row = await store.db.selectFrom("outbox").select("program").where("id", "=", id).executeTakeFirst();
  return row?.program;
}

/** Counts for /metrics, over `programs`: pending and failed deliveries, timers due. */
export async function jobCounts(
  store: Store,
  now: Date,
  programs: readonly string[],
): Promise<{ pending: number; failed: number; timersDue: number }> {
  if (programs.length === 0) return { pending: 0, failed: 0, timersDue: 0 };
  const counts = await store.db
    .selectFrom("outbox")
    .select(["status", (eb) => eb.fn.countAll<string | number>().as("n")])
    .where("status", "in", ["pending", "failed"])
    .where("program", "in", programs)
    .groupBy("status")
    .execute();
  const timers = await store.db
    .selectFrom("case_timers")
    .innerJoin("cases", "cases.id", "case_timers.case_id")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where("case_timers.due_at", "<=", now.toISOString())
    .where("cases.program", "in", programs)
    .executeTakeFirstOrThrow();
  const of = (status: string) => Number(counts.find((row) => row.status === status)?.n ?? 0);
  return { pending: of("pending"), failed: of("failed"), timersDue: Number(timers.n) };
}
