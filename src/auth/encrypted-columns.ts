import { decryptText, encryptText, type KeySource, keyIdOf } from "../crypto/envelope.js";
import type { EncryptedTable } from "../store/encrypted-columns.js";
import { setupTotpAad, totpAad } from "./users.js";

/**
 * The encrypted columns of the accounts migration, in the shape key rotation uses
 * (src/store/encrypted-columns.ts); src/crypto/rotate.ts rotates them with the store's.
 */
function reseal(keyring: KeySource, value: string, where: string): string | undefined {
  if (keyIdOf(value) === keyring.active.id) return undefined;
  return encryptText(keyring, decryptText(keyring, value, where), where);
}

const users: EncryptedTable = {
  table: "users",
  columns: ["totp_secret_ct"],
  batchSize: 200,
  async reencryptBatch(trx, keyring, after, limit, lockRows) {
    const rows = await trx
      .selectFrom("users")
      .select(["id", "totp_secret_ct"])
      .where("id", ">", after?.id ?? "")
      .orderBy("id")
      .limit(limit)
      .$if(lockRows, (query) => query.forUpdate())
      .execute();
    let reencrypted = 0;
    for (const row of rows) {
      if (row.totp_secret_ct === null) continue;
      const sealed = reseal(keyring, row.totp_secret_ct, totpAad(row.id));
      if (sealed === undefined) continue;
      await trx.updateTable("users").set({ totp_secret_ct: sealed }).where("id", "=", row.id).execute();
      reencrypted += 1;
    }
    const last = rows.length < limit ? undefined : rows.at(-1);
    return { last: last === undefined ? undefined : { id: last.id, seq: 0 }, reencrypted };
  },
};

const setupTokens: EncryptedTable = {
  table: "setup_tokens",
  columns: ["totp_secret_ct"],
  batchSize: 200,
  async reencryptBatch(trx, keyring, after, limit, lockRows) {
    const rows = await trx
      .selectFrom("setup_tokens")
      .select(["token_hash", "totp_secret_ct"])
      .where("token_hash", ">", after?.id ?? "")
      .orderBy("token_hash")
      .limit(limit)
      .$if(lockRows, (query) => query.forUpdate())
      .execute();
    let reencrypted = 0;
    for (const row of rows) {
      if (row.totp_secret_ct === null) continue;
      const sealed = reseal(keyring, row.totp_secret_ct, setupTotpAad(row.token_hash));
      if (sealed === undefined) continue;
      await trx
        .updateTable("setup_tokens")
        .set({ totp_secret_ct: sealed })
        .where("token_hash", "=", row.token_hash)
        .execute();
      reencrypted += 1;
    }
    const last = rows.length < limit ? undefined : rows.at(-1);
    return { last: last === undefined ? undefined : { id: last.token_hash, seq: 0 }, reencrypted };
  },
};

export const AUTH_ENCRYPTED_TABLES: readonly EncryptedTable[] = [users, setupTokens];
