import type { Transaction } from "kysely";
import { decryptBytes, encryptBytes, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { aad } from "./aad.js";
import type { Store } from "./database.js";
import { sha256Hex } from "./ids.js";
import type { DatabaseSchema, InboundMailStatus, InboundMailTable } from "./schema.js";

/**
 * Received mail and mail threading (src/mail/ingest.ts). Every message is stored, encrypted,
 * before anything is done with it; then its row says what became of it.
 */
type Db = Store["db"] | Transaction<DatabaseSchema>;

/** Message-IDs are compared case-insensitively without their angle brackets, as hashes. */
export function messageIdHash(messageId: string): string {
  return sha256Hex(messageId.trim().replace(/^<|>$/g, "").toLowerCase());
}

export async function storeInboundMail(
  store: Store,
  keyring: Keyring,
  row: { id: string; via: "smtp" | "imap"; program: string | null; raw: Buffer; at: Date },
): Promise<void> {
  // Encrypted before it joins a group commit: the batch, which runs in one go, only writes.
  const rawCt = encryptBytes(keyring, row.raw, aad.inboundMail(row.id));
  await store.durableWrite((trx) =>
    trx
      .insertInto("inbound_mail")
      .values({
        id: row.id,
        received_at: row.at.toISOString(),
        via: row.via,
        program: row.program,
        case_id: null,
        message_id_hash: null,
        raw_ct: rawCt,
        size: row.raw.length,
        status: "received",
        problem: null,
        handled_at: null,
      })
      .execute(),
  );
}

export async function markInboundMail(
  db: Db,
  id: string,
  outcome: {
    status: InboundMailStatus;
    caseId?: string | null;
    messageIdHash?: string | null;
    problem?: string | null;
    at: Date;
  },
): Promise<void> {
  await db
    .updateTable("inbound_mail")
    .set({
      status: outcome.status,
      ...(outcome.caseId === undefined ? {} : { case_id: outcome.caseId }),
      ...(outcome.messageIdHash === undefined ? {} : { message_id_hash: outcome.messageIdHash }),
      problem: outcome.problem ?? null,
      handled_at: outcome.at.toISOString(),
    })
    .where("id", "=", id)
    .execute();
}

/** The case a Message-ID already opened or joined (a replayed or re-delivered message). */
export async function caseOfDeliveredMessage(store: Store, hash: string): Promise<string | null | undefined> {
  const row = await store.db
    .selectFrom("inbound_mail")
    .select("case_id")
    .where("message_id_hash", "=", hash)
    .where("status", "in", ["case-opened", "case-reply"])
    .executeTakeFirst();
  return row === undefined ? undefined : row.case_id;
}

export async function caseByReplyToken(store: Store, token: string): Promise<string | undefined> {
  const row = await store.db
    .selectFrom("case_reply_addresses")
    .select("case_id")
    .where("token_hash", "=", sha256Hex(token))
    .executeTakeFirst();
  return row?.case_id;
}

/** The case of the first of these Message-IDs (In-Reply-To, then References, newest first) we know. */
export async function caseByMessageIds(
  store: Store,
  messageIds: readonly string[],
): Promise<string | undefined> {
  if (messageIds.length === 0) return undefined;
  const hashes = messageIds.map(messageIdHash);
  const rows = await store.db
    .selectFrom("mail_threads")
    .select(["message_id_hash", "case_id"])
    .where("message_id_hash", "in", hashes)
    .execute();
  for (const hash of hashes) {
    const found = rows.find((row) => row.message_id_hash === hash);
    if (found !== undefined) return found.case_id;
  }
  return undefined;
}

export async function recordThread(
  trx: Transaction<DatabaseSchema>,
  messageId: string,
  caseId: string,
  at: Date,
): Promise<void> {
  await trx
    .insertInto("mail_threads")
    .values({ message_id_hash: messageIdHash(messageId), case_id: caseId, created_at: at.toISOString() })
    .onConflict((conflict) => conflict.column("message_id_hash").doNothing())
    .execute();
}

export async function recordReplyAddress(
  trx: Transaction<DatabaseSchema>,
  token: string,
  caseId: string,
  at: Date,
): Promise<void> {
  await trx
    .insertInto("case_reply_addresses")
    .values({ token_hash: sha256Hex(token), case_id: caseId, created_at: at.toISOString() })
    .onConflict((conflict) => conflict.column("token_hash").doNothing())
    .execute();
}

export type InboundMailRow = Omit<InboundMailTable, "raw_ct">;

/** Everything about a received message but the message itself. */
const ROW_COLUMNS = [
  "id",
  "received_at",
  "via",
  "program",
  "case_id",
  "message_id_hash",
  "size",
  "status",
  "problem",
  "handled_at",
] as const;

/**
 * Mail a person must look at, for the given programs (null: mail for no known program): what
 * could not be taken in, and what was too costly to read (over its time or memory budget).
 */
export function mailNeedingAttention(
  store: Store,
  programs: readonly string[],
  includeUnaddressed: boolean,
): Promise<InboundMailRow[]> {
  return mailWithStatus(store, ["needs-attention", "too-costly"], programs, includeUnaddressed);
}

/**
 * Auto-replies and bounces, kept and never answered: a bounce of the team's mail to a reporter
 * is how the team learns the reporter did not get it.
 */
export function automaticMail(
  store: Store,
  programs: readonly string[],
  includeUnaddressed: boolean,
): Promise<InboundMailRow[]> {
  return mailWithStatus(store, ["auto-reply"], programs, includeUnaddressed);
}

async function mailWithStatus(
  store: Store,
  statuses: readonly InboundMailStatus[],
  programs: readonly string[],
  includeUnaddressed: boolean,
): Promise<InboundMailRow[]> {
  return store.db
    .selectFrom("inbound_mail")
    .select(ROW_COLUMNS)
    .where("status", "in", statuses)
    .where((w) =>
      w.or([
        ...(programs.length === 0 ? [] : [w("program", "in", programs)]),
        ...(includeUnaddressed ? [w("program", "is", null)] : []),
        w.lit(false),
      ]),
    )
    .orderBy("received_at", "desc")
    .limit(200)
    .execute();
}

export async function inboundMailRow(store: Store, id: string): Promise<InboundMailRow | undefined> {
  return store.db.selectFrom("inbound_mail").select(ROW_COLUMNS).where("id", "=", id).executeTakeFirst();
}

/** The raw message, decrypted: for a person to read in their mail program, never logged. */
export async function inboundMailRaw(
  store: Store,
  keyring: Keyring,
  id: string,
): Promise<Buffer | undefined> {
  const row = await store.db
    .selectFrom("inbound_mail")
    .select("raw_ct")
    .where("id", "=", id)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  await keyring.ensure([keyIdOf(row.raw_ct)]);
  return decryptBytes(keyring, row.raw_ct, aad.inboundMail(id));
}

/**
 * Mail left `received` by a process that died while handling it: handled again at start. Only
 * `received`: `too-costly` mail is never read again unless a person asks. `retriedAtStart` says
 * a start already tried it, and the process died again (see markRetryAtStart).
 */
export async function unhandledMail(
  store: Store,
  before: Date,
): Promise<{ id: string; via: "smtp" | "imap"; program: string | null; retriedAtStart: boolean }[]> {
  const rows = await store.db
    .selectFrom("inbound_mail")
    .select(["id", "via", "program", "problem"])
    .where("status", "=", "received")
    .where("received_at", "<", before.toISOString())
    .orderBy("received_at")
    .execute();
  return rows.map(({ problem, ...row }) => ({ ...row, retriedAtStart: problem === RETRIED_AT_START }));
}

const RETRIED_AT_START = "retried-at-start: handled again after the process stopped while handling it";

/**
 * Notes, before a start handles a `received` message again, that it does: should that kill the
 * process too, the next start finds the note and gives up on the message instead of dying again.
 */
export async function markRetryAtStart(store: Store, id: string): Promise<void> {
  await store.db
    .updateTable("inbound_mail")
    .set({ problem: RETRIED_AT_START })
    .where("id", "=", id)
    .where("status", "=", "received")
    .execute();
}
