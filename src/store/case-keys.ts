import { randomBytes } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { type CaseKeyScope, caseKeyId, isCaseKeyId } from "../crypto/case-key-ids.js";
import { decryptText, encryptText, type KeySource, keyIdOf } from "../crypto/envelope.js";
import { caseKeyAad, Keyring, type StoredCaseKey } from "../crypto/keyring.js";
import type { Json } from "./canonical-json.js";
import type { CaseKeysTable, DatabaseSchema } from "./schema.js";

/**
 * Each case's own data keys (issue 17): one for its content, one for the reporter's contact
 * details, each wrapped by the keyring's active data key. Erasing a case destroys its keys
 * (src/store/erasure.ts); key rotation re-wraps them (src/store/encrypted-columns.ts) and leaves
 * the case's ciphertexts alone.
 */

export interface NewCaseKeys {
  /** Rows for `case_keys`, inserted with the case. */
  rows: CaseKeysTable[];
  /** What to encrypt the case's report, events and files with. */
  content: KeySource;
  /** What to encrypt the reporter's contact details with. */
  contact: KeySource;
}

/**
 * A new random key for one of the case's scopes, as its `case_keys` row (wrapped by the active
 * data key). The keyring remembers it, so this instance needs no lookup.
 */
export function newCaseKey(keyring: Keyring, caseId: string, scope: CaseKeyScope, at: Date): CaseKeysTable {
  const id = caseKeyId(caseId, scope);
  const key = randomBytes(32);
  keyring.rememberCaseKey(id, key);
  return {
    key_id: id,
    case_id: caseId,
    key_ct: encryptText(keyring, key.toString("base64"), caseKeyAad(id)),
    created_at: at.toISOString(),
    destroyed_at: null,
  };
}

/** Makes a new case's two keys. */
export function newCaseKeys(keyring: Keyring, caseId: string, at: Date): NewCaseKeys {
  const make = (scope: CaseKeyScope) => newCaseKey(keyring, caseId, scope, at);
  // An id that is not one of ours (rows made by hand in old tests) keeps the data key.
  if (!isCaseKeyId(caseKeyId(caseId, "content"))) return { rows: [], content: keyring, contact: keyring };
  const rows = [make("content"), make("contact")];
  return {
    rows,
    content: keyring.forCase(caseKeyId(caseId, "content")),
    contact: keyring.forCase(caseKeyId(caseId, "contact")),
  };
}

/** The keyring's loader: case keys by id, as stored. */
export function caseKeyLoader(
  db: Kysely<DatabaseSchema>,
): (ids: readonly string[]) => Promise<StoredCaseKey[]> {
  return async (ids) => {
    const rows = await db
      .selectFrom("case_keys")
      .select(["key_id", "key_ct"])
      .where("key_id", "in", ids)
      .execute();
    return rows.map((row) => ({ id: row.key_id, wrapped: row.key_ct }));
  };
}

/**
 * The key source a case's new content is written with: its own key when it has one (loaded
 * here), else the active data key. Call inside the transaction that writes.
 */
export async function caseKeysOf(
  trx: Transaction<DatabaseSchema> | Kysely<DatabaseSchema>,
  keyring: KeySource,
  caseId: string,
  scope: CaseKeyScope = "content",
): Promise<KeySource> {
  if (!(keyring instanceof Keyring)) return keyring;
  const id = caseKeyId(caseId, scope);
  if (!isCaseKeyId(id)) return keyring;
  await keyring.ensure([id], trx);
  return keyring.forCase(id);
}

/** Loads the keys of what was just read (envelopes' key ids), through `trx` when inside one. */
export async function ensureKeys(
  keyring: KeySource,
  envelopes: Iterable<string | Buffer | null>,
  trx?: Transaction<DatabaseSchema> | Kysely<DatabaseSchema>,
): Promise<void> {
  if (!(keyring instanceof Keyring)) return;
  const ids = new Set<string>();
  for (const envelope of envelopes) if (envelope !== null) ids.add(keyIdOf(envelope));
  await keyring.ensure(ids, trx);
}

/** What an event's payload reads as once its case's key is erased: the event stays, its words go. */
export const ERASED_PAYLOAD = { erased: true } as const;

/**
 * An event's payload, decrypted; ERASED_PAYLOAD when the case's key was destroyed (after
 * `ensureKeys`). Any other failure (tampering, a missing key) still throws.
 */
export function openEventPayload(keyring: KeySource, envelope: string, where: string): Json {
  if (keyring instanceof Keyring && keyring.erased(keyIdOf(envelope))) return ERASED_PAYLOAD;
  return JSON.parse(decryptText(keyring, envelope, where)) as Json;
}
