import { type EncryptedTable, textColumnTable } from "../store/encrypted-columns.js";
import { setupTotpAad, totpAad } from "./user-totp.js";

/**
 * The encrypted columns of the accounts migration, in the shape key rotation uses
 * (src/store/encrypted-columns.ts); src/crypto/rotate.ts rotates them with the store's.
 */
export const AUTH_ENCRYPTED_TABLES: readonly EncryptedTable[] = [
  textColumnTable({ table: "users", key: "id", column: "totp_secret_ct", batchSize: 200, aadOf: totpAad }),
  textColumnTable({
    table: "setup_tokens",
    key: "token_hash",
    column: "totp_secret_ct",
    batchSize: 200,
    aadOf: setupTotpAad,
  }),
];
