/**
 * Row types of the database, as Kysely sees them. Column conventions, the same on SQLite and
 * PostgreSQL:
 * - Timestamps are ISO-8601 UTC text from `Date.prototype.toISOString()` (`2026-11-25T09:30:00.000Z`):
 *   fixed width, so text order is time order and indexes on them sort the inbox; readable in a
 *   SQL shell; and no driver turns them into numbers or strings differently (pg returns `bigint`
 *   as a string, SQLite has no timestamp type).
 * - Columns ending in `_ct`, and `attachments.data`, hold ciphertext (src/crypto/envelope.ts);
 *   src/store/encrypted-columns.ts lists them all for key rotation.
 * - Counts and sequence numbers are 32-bit integers.
 */
export interface EncryptionKeysTable {
  /** `k1`, `k2`, …: the number orders keys; see src/crypto/keyring.ts. */
  id: string;
  /** The data key, wrapped with the master key (text envelope, AAD `dek:<id>`). */
  wrapped_key: string;
  created_at: string;
  retired_at: string | null;
}

export interface CasesTable {
  id: string;
  program: string;
  state: string;
  source: string;
  asset_id: string | null;
  received_at: string;
  acknowledge_by: string | null;
  updated_at: string;
  /** sha-256 (hex) of the reporter's capability token; the token itself is never stored. */
  reporter_token_hash: string;
  /** Encrypted JSON: title, template field answers, credit choice. */
  report_ct: string;
  /** Encrypted JSON: reporter email and OpenPGP key; null when the reporter left none. */
  contact_ct: string | null;
  event_count: number;
  last_event_hash: string;
}

export interface CaseEventsTable {
  case_id: string;
  seq: number;
  type: string;
  actor: string;
  at: string;
  /** Encrypted canonical JSON of the event payload. */
  payload_ct: string;
  prev_hash: string;
  hash: string;
}

export interface AttachmentsTable {
  id: string;
  case_id: string;
  /** The event that added the attachment (case_events.seq of the same case). */
  event_seq: number;
  /** Encrypted JSON: sanitised file name and content type. */
  meta_ct: string;
  /** Plaintext size in bytes. */
  size: number;
  /** Encrypted bytes (binary envelope). */
  data: Buffer;
  created_at: string;
  uploaded_by: string;
}

export interface DatabaseSchema {
  encryption_keys: EncryptionKeysTable;
  cases: CasesTable;
  case_events: CaseEventsTable;
  attachments: AttachmentsTable;
}
