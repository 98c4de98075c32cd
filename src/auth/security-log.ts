import { createHmac } from "node:crypto";
import { type Kysely, sql } from "kysely";
import { canonicalJson, type Json } from "../store/canonical-json.js";
import { GENESIS_HASH, payloadDigest } from "../store/chain.js";
import type { DialectName, Store } from "../store/database.js";
import { randomId, sha256Hex } from "../store/ids.js";
import type { DatabaseSchema, SecurityLogTable } from "../store/schema.js";

/**
 * The security log: sign-ins and their failures, sign-outs, accounts created, roles changed,
 * second factors enrolled, API tokens created and revoked, members disabled, enabled, removed
 * (from a program or altogether) and their passwords reset. One hash chain over the whole table,
 * the same construction as the per-case chains (src/store/chain.ts):
 *   hash = sha256hex(prev_hash + "\n" + canonicalJson({log: "security", seq, type, actor, subject, at, payloadDigest}))
 * so deleting, reordering or editing an entry breaks every hash after it.
 *
 * Payloads are plain JSON and hold no secrets: never a password, code, token or session id.
 * Addresses, and emails typed at sign-in that match no account (a password typed into the
 * wrong field must not land here), are pseudonyms: an HMAC under a key derived from the master
 * key, so the same address gives the same value (to correlate attempts) without storing it.
 */
export type SecurityEventType =
  | "signin.succeeded"
  | "signin.failed"
  | "signout"
  | "user.created"
  | "user.role-changed"
  | "user.setup-link-created"
  | "user.setup-completed"
  | "totp.enabled"
  | "recovery-codes.regenerated"
  | "recovery-code.used"
  // Passkeys (src/auth/passkeys.ts): added, renamed, removed, and a signature counter that went
  // back (a copy of the key, refused).
  | "passkey.added"
  | "passkey.renamed"
  | "passkey.removed"
  | "passkey.cloned"
  | "api-token.created"
  | "api-token.revoked"
  | "user.disabled"
  | "user.enabled"
  | "user.membership-removed"
  | "user.removed"
  | "user.password-reset"
  | "user.cases-released"
  // Standalone advisories (src/commands/advisories.ts); a case's advisory is on its chain instead.
  | "advisory.created"
  | "advisory.edited"
  | "advisory.approved"
  | "advisory.published";

export interface SecurityEvent {
  type: SecurityEventType;
  /** `user:<id>`, `cli`, `system` or `anonymous`. */
  actor: string;
  /** The user (id) the event is about, when there is one. */
  subject: string | null;
  payload: { [key: string]: Json | undefined };
  at: Date;
}

export interface SecurityLogEntry {
  seq: number;
  at: string;
  type: string;
  actor: string;
  subject: string | null;
  payload: Json;
  hash: string;
}

/** Payload keys that must never appear: a guard against a careless caller. */
const SECRET_KEYS = /^(password|passphrase|secret|token|code|cookie|session|sessionid|recoverycode|totp)$/i;

function checkNoSecrets(value: Json | undefined, path: string): void {
  if (value === null || typeof value !== "object") return;
  for (const [key, member] of Object.entries(value)) {
    if (!Array.isArray(value) && SECRET_KEYS.test(key))
      throw new Error(`security log payload may not hold "${path}${key}"`);
    checkNoSecrets(member, `${path}${key}.`);
  }
}

export function securityEntryHash(
  prevHash: string,
  fields: { seq: number; type: string; actor: string; subject: string | null; at: string; payload: Json },
): string {
  const { seq, type, actor, subject, at } = fields;
  return sha256Hex(
    `${prevHash}\n${canonicalJson({ log: "security", seq, type, actor, subject, at, payloadDigest: payloadDigest(fields.payload) })}`,
  );
}

/** Arbitrary but fixed: the PostgreSQL advisory lock that serialises appends across instances. */
const APPEND_LOCK = 0x656d_6c67; // "emlg"

/**
 * Appends events inside the caller's transaction (so a role change and its log entry commit
 * together). On PostgreSQL an advisory transaction lock orders concurrent appenders; SQLite
 * transactions already hold the write lock (BEGIN IMMEDIATE).
 */
export async function appendSecurityEvents(
  trx: Kysely<DatabaseSchema>,
  dialect: DialectName,
  events: readonly SecurityEvent[],
): Promise<void> {
  if (events.length === 0) return;
  if (dialect === "postgres") await sql`select pg_advisory_xact_lock(${APPEND_LOCK})`.execute(trx);
  const head = await trx
    .selectFrom("security_log")
    .select(["seq", "hash"])
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const rows: SecurityLogTable[] = events.map((event) => {
    checkNoSecrets(event.payload, "");
    seq += 1;
    const at = event.at.toISOString();
    const payload = JSON.parse(canonicalJson(event.payload)) as Json;
    const hash = securityEntryHash(prevHash, {
      seq,
      type: event.type,
      actor: event.actor,
      subject: event.subject,
      at,
      payload,
    });
    const row: SecurityLogTable = {
      id: randomId(),
      seq,
      at,
      type: event.type,
      actor: event.actor,
      subject: event.subject,
      payload_json: canonicalJson(payload),
      prev_hash: prevHash,
      hash,
    };
    prevHash = hash;
    return row;
  });
  await trx.insertInto("security_log").values(rows).execute();
}

/** Appends events in a transaction of their own. */
export function logSecurityEvents(store: Store, ...events: SecurityEvent[]): Promise<void> {
  return store.transaction((trx) => appendSecurityEvents(trx, store.dialect, events));
}

/** The newest entries first (or every entry, oldest first, with `order: "asc"`). */
export async function readSecurityLog(
  store: Store,
  options: { limit?: number; subject?: string; order?: "asc" | "desc" } = {},
): Promise<SecurityLogEntry[]> {
  const rows = await store.db
    .selectFrom("security_log")
    .selectAll()
    .$if(options.subject !== undefined, (q) => q.where("subject", "=", options.subject ?? ""))
    .orderBy("seq", options.order ?? "desc")
    .$if(options.limit !== undefined, (q) => q.limit(options.limit ?? 0))
    .execute();
  return rows.map((row) => ({
    seq: row.seq,
    at: row.at,
    type: row.type,
    actor: row.actor,
    subject: row.subject,
    payload: JSON.parse(row.payload_json) as Json,
    hash: row.hash,
  }));
}

export type SecurityLogCheck = { ok: true; entries: number } | { ok: false; seq: number; reason: string };

/** Walks the whole chain and names the first entry that does not match. */
export async function verifySecurityLog(store: Store): Promise<SecurityLogCheck> {
  const rows = await store.db.selectFrom("security_log").selectAll().orderBy("seq").execute();
  let prevHash = GENESIS_HASH;
  for (const [index, row] of rows.entries()) {
    const seq = index + 1;
    if (row.seq !== seq)
      return { ok: false, seq, reason: `entry #${seq} is missing (the log jumps to #${row.seq})` };
    if (row.prev_hash !== prevHash)
      return { ok: false, seq, reason: "prev_hash does not match the entry before" };
    let payload: Json;
    try {
      payload = JSON.parse(row.payload_json) as Json;
    } catch {
      return { ok: false, seq, reason: "payload is not JSON" };
    }
    const expected = securityEntryHash(prevHash, { ...row, payload });
    if (row.hash !== expected) return { ok: false, seq, reason: "hash does not match the entry's contents" };
    prevHash = row.hash;
  }
  return { ok: true, entries: rows.length };
}

/** A stable pseudonym of an address or typed email: HMAC-SHA-256 under `key`, 32 hex digits. */
export function pseudonym(key: Buffer, kind: "address" | "email", value: string): string {
  return createHmac("sha256", key).update(`${kind}\n${value}`).digest("hex").slice(0, 32);
}
