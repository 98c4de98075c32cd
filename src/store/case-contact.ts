import type { Transaction } from "kysely";
import { decryptText, encryptText, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { aad } from "./aad.js";
import { caseKeysOf } from "./case-keys.js";
import { contactSchema } from "./cases.js";
import type { Store } from "./database.js";
import { caseReceivedPayload } from "./events.js";
import { newReporterToken, sha256Hex } from "./ids.js";
import type { DatabaseSchema } from "./schema.js";

/** The reporter's contact (email, OpenPGP key), decrypted; undefined when they left none. */
export async function contactOfCase(
  store: Store,
  keyring: Keyring,
  caseId: string,
): Promise<{ email?: string; openpgpKey?: string } | undefined> {
  const row = await store.db
    .selectFrom("cases")
    .select("contact_ct")
    .where("id", "=", caseId)
    .executeTakeFirst();
  if (row?.contact_ct == null) return undefined;
  await keyring.ensure([keyIdOf(row.contact_ct)]);
  return contactSchema.parse(JSON.parse(decryptText(keyring, row.contact_ct, aad.contact(caseId))));
}

/**
 * Keeps the reporter's OpenPGP key on the case (answers are encrypted to it from now on), in the
 * caller's transaction.
 */
export async function keepReporterKey(
  trx: Transaction<DatabaseSchema>,
  keyring: Keyring,
  caseId: string,
  armoredKey: string,
): Promise<void> {
  const row = await trx.selectFrom("cases").select("contact_ct").where("id", "=", caseId).executeTakeFirst();
  if (row === undefined) return;
  let contact = {};
  if (row.contact_ct !== null) {
    await keyring.ensure([keyIdOf(row.contact_ct)], trx);
    contact = contactSchema.parse(JSON.parse(decryptText(keyring, row.contact_ct, aad.contact(caseId))));
  }
  const sealed = encryptText(
    await caseKeysOf(trx, keyring, caseId, "contact"),
    JSON.stringify({ ...contact, openpgpKey: armoredKey }),
    aad.contact(caseId),
  );
  await trx.updateTable("cases").set({ contact_ct: sealed }).where("id", "=", caseId).execute();
}

/** Whether the case was opened by mail that arrived encrypted (its case.received event says so). */
export async function openedByEncryptedMail(
  trx: Transaction<DatabaseSchema>,
  keyring: Keyring,
  caseId: string,
): Promise<boolean> {
  const first = await trx
    .selectFrom("case_events")
    .select("payload_ct")
    .where("case_id", "=", caseId)
    .where("seq", "=", 1)
    .executeTakeFirst();
  if (first === undefined) return false;
  await keyring.ensure([keyIdOf(first.payload_ct)], trx);
  const payload = caseReceivedPayload.parse(
    JSON.parse(decryptText(keyring, first.payload_ct, aad.event(caseId, 1))),
  );
  return payload.mail?.encrypted === true;
}

/** A new private link for the case: the old one stops working. Returns the token. */
export async function renewReporterToken(trx: Transaction<DatabaseSchema>, caseId: string): Promise<string> {
  const token = newReporterToken();
  await trx
    .updateTable("cases")
    .set({ reporter_token_hash: sha256Hex(token) })
    .where("id", "=", caseId)
    .execute();
  return token;
}
