import { sql, type Transaction } from "kysely";
import { type CaseKeyScope, caseKeyId } from "../crypto/case-key-ids.js";
import { decryptText, encryptText, type KeySource, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { aad } from "./aad.js";
import { ensureKeys, newCaseKey } from "./case-keys.js";
import { payloadDigest } from "./chain.js";
import type { DialectName } from "./database.js";
import type { CasesTable, DatabaseSchema } from "./schema.js";
import { SEARCH_INDEX_VERSION } from "./search-index.js";

/**
 * Erasing what a case holds (issue 17), by destroying its keys (crypto-shredding):
 * - `content`: the report, the conversation, the files, and the contact details;
 * - `contact`: only the reporter's contact details (address, OpenPGP key) and their raw mail;
 * - `files`: only the attachments (deleted: they have no key of their own).
 *
 * Before a key goes, everything of the case still under a data key (a case taken before per-case
 * keys) is re-encrypted under the case's key, so destroying it leaves nothing readable. Every
 * event keeps the digest of its plaintext (`payload_digest`), so `audit verify` still checks the
 * chain. The report is replaced by a placeholder under the data key, so lists and counts keep
 * working; what it said is gone. Runs inside the caller's transaction, on the locked case.
 */

export type ErasureScope = "content" | "contact" | "files";

/** The report of an erased case, as lists and pages read it. */
export const ERASED_REPORT = { title: "Erased", fields: {}, credit: { mode: "anonymous" } } as const;

type Trx = Transaction<DatabaseSchema>;

export interface ErasureOutcome {
  /** Keys destroyed (ids, never key material). */
  keys: string[];
  /** Rows deleted, by table. */
  deleted: Record<string, number>;
}

export async function eraseCaseData(
  trx: Trx,
  dialect: DialectName,
  keyring: Keyring,
  row: CasesTable,
  scope: ErasureScope,
  at: Date,
): Promise<{ outcome: ErasureOutcome; set: Partial<CasesTable> }> {
  if (dialect !== "sqlite") return erase(trx, keyring, row, scope, at);
  // Deleted and overwritten rows are zeroed in the file, not left in free pages. A setting of the
  // connection: on for the erasure only, as it costs every other write a little.
  await sql`pragma secure_delete = on`.execute(trx);
  try {
    return await erase(trx, keyring, row, scope, at);
  } finally {
    await sql`pragma secure_delete = off`.execute(trx);
  }
}

async function erase(
  trx: Trx,
  keyring: Keyring,
  row: CasesTable,
  scope: ErasureScope,
  at: Date,
): Promise<{ outcome: ErasureOutcome; set: Partial<CasesTable> }> {
  const deleted: Record<string, number> = {};
  const remove = async (table: "attachments" | "inbound_mail" | "outbox" | "case_title_terms") => {
    const result = await trx.deleteFrom(table).where("case_id", "=", row.id).executeTakeFirst();
    deleted[table] = Number(result.numDeletedRows);
  };
  const when = at.toISOString();
  if (scope === "files") {
    await remove("attachments");
    return { outcome: { keys: [], deleted }, set: { files_erased_at: when } };
  }
  // Contact details: the address and key, and the raw mail they came in (and the mail sent to them).
  const keys = [await destroyKey(trx, keyring, row.id, "contact", at)];
  await remove("inbound_mail");
  await remove("outbox");
  // The first erasure's time stays: a content erasure after a contact erasure does not move it.
  const set: Partial<CasesTable> = { contact_ct: null, contact_erased_at: row.contact_erased_at ?? when };
  if (scope === "contact") return { outcome: { keys, deleted }, set };

  const content = await contentKey(trx, keyring, row.id, at);
  await keepDigestsAndSeal(trx, keyring, content, row.id);
  await remove("attachments");
  await remove("case_title_terms");
  keys.push(await destroyKey(trx, keyring, row.id, "content", at));
  return {
    outcome: { keys, deleted },
    set: {
      ...set,
      report_ct: encryptText(keyring, JSON.stringify(ERASED_REPORT), aad.report(row.id)),
      erased_at: when,
      files_erased_at: row.files_erased_at ?? when,
      // Nothing left to index; the case is no longer pending for the indexer.
      search_index_version: SEARCH_INDEX_VERSION,
    },
  };
}

/**
 * Stores each event's plaintext digest, then moves any payload still under a data key under the
 * case's own key, which is destroyed next.
 */
async function keepDigestsAndSeal(trx: Trx, keyring: Keyring, content: KeySource, caseId: string) {
  const events = await trx
    .selectFrom("case_events")
    .select(["seq", "payload_ct", "payload_digest"])
    .where("case_id", "=", caseId)
    .orderBy("seq")
    .execute();
  await ensureKeys(
    keyring,
    events.map((event) => event.payload_ct),
    trx,
  );
  for (const event of events) {
    if (event.payload_digest != null) continue;
    const where = aad.event(caseId, event.seq);
    const plaintext = decryptText(keyring, event.payload_ct, where);
    const own = keyIdOf(event.payload_ct) === content.active.id;
    await trx
      .updateTable("case_events")
      .set({
        payload_digest: payloadDigest(JSON.parse(plaintext)),
        ...(own ? {} : { payload_ct: encryptText(content, plaintext, where) }),
      })
      .where("case_id", "=", caseId)
      .where("seq", "=", event.seq)
      .execute();
  }
}

/** The case's content key, made now for a case taken before per-case keys. */
async function contentKey(trx: Trx, keyring: Keyring, caseId: string, at: Date): Promise<KeySource> {
  const id = caseKeyId(caseId, "content");
  await keyring.ensure([id], trx);
  if (keyring.forCase(id) === keyring) {
    await trx
      .insertInto("case_keys")
      .values(newCaseKey(keyring, caseId, "content", at))
      .execute();
  }
  return keyring.forCase(id);
}

/** Destroys one of the case's keys (recording it destroyed when the case never had it). */
async function destroyKey(
  trx: Trx,
  keyring: Keyring,
  caseId: string,
  scope: CaseKeyScope,
  at: Date,
): Promise<string> {
  const id = caseKeyId(caseId, scope);
  await trx
    .insertInto("case_keys")
    .values({
      key_id: id,
      case_id: caseId,
      key_ct: null,
      created_at: at.toISOString(),
      destroyed_at: at.toISOString(),
    })
    .onConflict((conflict) =>
      conflict.column("key_id").doUpdateSet({ key_ct: null, destroyed_at: at.toISOString() }),
    )
    .execute();
  keyring.rememberCaseKey(id, "erased");
  return id;
}
