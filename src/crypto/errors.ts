/**
 * Errors of the encryption layer. Messages are written for operators: they never contain key
 * material or plaintext, and never expose node:crypto internals ("Unsupported state or unable to
 * authenticate data").
 */
export class CryptoError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "CryptoError";
  }
}

/** A ciphertext failed authentication: tampered, truncated, or bound to another row (AAD). */
export class DecryptionError extends CryptoError {
  constructor(message: string) {
    super("embargo.crypto.decryptionFailed", message);
    this.name = "DecryptionError";
  }
}

/** The master key cannot unwrap the data keys stored in the database. */
export class MasterKeyMismatchError extends CryptoError {
  constructor(keyId: string) {
    super(
      "embargo.crypto.masterKeyMismatch",
      `EMBARGO_SECRET_KEY does not match the key that encrypted this database (data key ${keyId} ` +
        "cannot be unwrapped). Start with the master key this database was created with: the same " +
        "EMBARGO_SECRET_KEY, or the same master.key file in EMBARGO_DATA_DIR.",
    );
    this.name = "MasterKeyMismatchError";
  }
}

/** Invalid or unsafe master key configuration (EMBARGO_SECRET_KEY or the key file). */
export class MasterKeyError extends CryptoError {
  constructor(message: string) {
    super("embargo.crypto.masterKey", message);
    this.name = "MasterKeyError";
  }
}
