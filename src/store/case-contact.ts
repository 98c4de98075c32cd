import { decryptText, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { aad } from "./aad.js";
import { contactSchema } from "./cases.js";
import type { Store } from "./database.js";

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
