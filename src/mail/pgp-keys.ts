import * as openpgp from "openpgp";

/**
 * OpenPGP keys of programs (ours: sign and decrypt) and of reporters (theirs: encrypt to, verify).
 * Every way a key can be unusable becomes a PgpKeyError whose message can be shown as is to the
 * person who pasted or imported the key. Messages never contain key material.
 */

export type PgpKeyErrorCode =
  | "unreadable"
  | "not-one-key"
  | "private-key-given"
  | "public-key-given"
  | "passphrase-protected"
  | "wrong-passphrase"
  | "expired"
  | "revoked"
  | "invalid"
  | "cannot-encrypt"
  | "cannot-sign"
  | "bad-user-id";

export class PgpKeyError extends Error {
  constructor(
    readonly code: PgpKeyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "PgpKeyError";
  }
}

export interface ProgramKey {
  /** Unencrypted: the caller encrypts it at rest. */
  armoredPrivateKey: string;
  armoredPublicKey: string;
  fingerprint: string;
}

// A loose check: the address only has to be something mail clients will match against, and
// openpgp's own user ID parser rejects what it cannot represent.
// The domain needs a dot, not first or last; the class before the first dot excludes "." so the
// match stays linear (scripts/check-regexes.ts).
const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;][^\s@<>()",;.]*\.[^\s@<>()",;]+$/;

/**
 * A new program key: Ed25519 primary key (certify + sign) and a Curve25519 (X25519) encryption
 * subkey, one user ID per address.
 *
 * Why `type: "ecc", curve: "curve25519Legacy"` and not openpgp's `type: "curve25519"`: the latter
 * makes RFC 9580 Ed25519/X25519 keys (algorithm ids 27/25), which GnuPG (the LibrePGP side) cannot
 * use. Reporters must be able to encrypt to this key with whatever they have, so we use the same
 * curves in the v4 encoding every OpenPGP implementation understands.
 */
export async function generateProgramKey(options: { name: string; emails: string[] }): Promise<ProgramKey> {
  if (options.emails.length === 0) {
    throw new PgpKeyError("bad-user-id", "a program key needs at least one email address");
  }
  const userIDs = options.emails.map((raw) => {
    const email = raw.trim();
    if (!EMAIL.test(email)) throw new PgpKeyError("bad-user-id", `"${raw}" is not an email address`);
    return { name: options.name.trim(), email };
  });
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: "ecc",
    curve: "curve25519Legacy",
    userIDs,
    format: "object",
  });
  return {
    armoredPrivateKey: privateKey.armor(),
    armoredPublicKey: publicKey.armor(),
    fingerprint: fingerprintOf(publicKey),
  };
}

/**
 * Validates a private key an administrator imports as the program key and returns it unencrypted.
 * A passphrase-protected key needs its passphrase; the key must be able to sign and decrypt now.
 */
export async function importProgramKey(armoredPrivate: string, passphrase?: string): Promise<ProgramKey> {
  const read = await readOneKey(armoredPrivate);
  if (!read.isPrivate()) {
    throw new PgpKeyError(
      "public-key-given",
      "this is a public key; the program key must be the private key",
    );
  }
  let key = read;
  if (!key.isDecrypted()) {
    if (passphrase === undefined || passphrase === "") {
      throw new PgpKeyError(
        "passphrase-protected",
        "the private key is protected by a passphrase; give the passphrase to import it",
      );
    }
    try {
      key = await openpgp.decryptKey({ privateKey: key, passphrase });
    } catch {
      throw new PgpKeyError("wrong-passphrase", "the passphrase does not unlock this private key");
    }
  }
  await assertUsable(key);
  await assertCanEncrypt(key);
  await assertCanSign(key);
  return {
    armoredPrivateKey: key.armor(),
    armoredPublicKey: key.toPublic().armor(),
    fingerprint: fingerprintOf(key),
  };
}

/**
 * Reads the stored program key (or any unencrypted private key). Not checked for expiry: an expired
 * program key must still decrypt what was sent to it before it expired.
 */
export async function readPrivateKey(armored: string): Promise<openpgp.PrivateKey> {
  const key = await readOneKey(armored);
  if (!key.isPrivate()) {
    throw new PgpKeyError("public-key-given", "this is a public key; a private key is needed here");
  }
  if (!key.isDecrypted()) {
    throw new PgpKeyError("passphrase-protected", "the private key is protected by a passphrase");
  }
  return key;
}

/**
 * Reads one public key someone gave us (a reporter's key, typically) and checks that mail can be
 * encrypted to it today: not expired, not revoked, with an encryption subkey.
 */
export async function readPublicKey(armored: string): Promise<openpgp.PublicKey> {
  const key = await readOneKey(armored);
  return checkPublic(key);
}

/** Like readPublicKey, for text holding several public keys (a keyring export). Every key must pass. */
export async function readPublicKeys(armored: string): Promise<openpgp.PublicKey[]> {
  const keys = await readAllKeys(armored);
  const checked: openpgp.PublicKey[] = [];
  for (const key of keys) checked.push(await checkPublic(key));
  return checked;
}

/** The armored public key of an unencrypted armored private key. */
export async function publicKeyOf(privateArmored: string): Promise<string> {
  const key = await readPrivateKey(privateArmored);
  return key.toPublic().armor();
}

/**
 * Lower-cased email addresses of the key's user IDs, in key order, without duplicates. Only user IDs
 * with a valid self-signature count: anyone can append an unsigned user ID packet to a key.
 */
export async function keyEmails(key: openpgp.Key): Promise<string[]> {
  const emails: string[] = [];
  for (const user of key.users) {
    const email = user.userID?.email.trim().toLowerCase();
    if (!email || emails.includes(email)) continue;
    try {
      await user.verify();
    } catch {
      continue; // revoked, unsigned or badly signed user ID
    }
    emails.push(email);
  }
  return emails;
}

/** Upper-case hex fingerprint of the primary key (40 digits for v4 keys), as GnuPG shows it. */
export function fingerprintOf(key: openpgp.Key): string {
  return key.getFingerprint().toUpperCase();
}

/** Throws a PgpKeyError unless mail can be encrypted to this key now. */
export async function assertCanEncrypt(key: openpgp.Key): Promise<void> {
  await assertUsable(key);
  try {
    await key.getEncryptionKey();
  } catch {
    throw new PgpKeyError(
      "cannot-encrypt",
      `the key ${fingerprintOf(key)} has no valid encryption subkey (expired, revoked or missing)`,
    );
  }
}

/** Throws a PgpKeyError unless this private key can make signatures now. */
export async function assertCanSign(key: openpgp.PrivateKey): Promise<void> {
  await assertUsable(key);
  try {
    const signingKey = await key.getSigningKey();
    if (!signingKey.isDecrypted()) throw new Error("locked");
  } catch {
    throw new PgpKeyError(
      "cannot-sign",
      `the key ${fingerprintOf(key)} has no usable signing key (expired, revoked, locked or missing)`,
    );
  }
}

async function checkPublic(key: openpgp.Key): Promise<openpgp.PublicKey> {
  // Catch the classic mistake of pasting the whole keypair: storing it would leak the secret.
  if (key.isPrivate()) {
    throw new PgpKeyError("private-key-given", "this is a private key; give the public key");
  }
  await assertCanEncrypt(key);
  return key;
}

/** Throws unless the primary key is neither revoked nor expired and its self-signatures hold. */
async function assertUsable(key: openpgp.Key): Promise<void> {
  const fingerprint = fingerprintOf(key);
  if (await key.isRevoked().catch(() => false)) {
    throw new PgpKeyError("revoked", `the key ${fingerprint} has been revoked`);
  }
  const expires = await key.getExpirationTime().catch(() => null);
  if (expires instanceof Date && expires.getTime() <= Date.now()) {
    throw new PgpKeyError(
      "expired",
      `the key ${fingerprint} has expired (${expires.toISOString().slice(0, 10)})`,
    );
  }
  try {
    await key.verifyPrimaryKey();
  } catch {
    throw new PgpKeyError("invalid", `the key ${fingerprint} has no valid self-signature`);
  }
}

async function readOneKey(armored: string): Promise<openpgp.Key> {
  const keys = await readAllKeys(armored);
  if (keys.length !== 1) {
    throw new PgpKeyError("not-one-key", `the text holds ${keys.length} keys; give exactly one`);
  }
  return keys[0]!;
}

async function readAllKeys(armored: string): Promise<openpgp.Key[]> {
  let keys: openpgp.Key[];
  try {
    keys = await openpgp.readKeys({ armoredKeys: armored });
  } catch {
    if (/-----BEGIN PGP (MESSAGE|SIGNATURE|SIGNED MESSAGE)-----/.test(armored)) {
      throw new PgpKeyError("unreadable", "this is an OpenPGP message or signature, not a key");
    }
    throw new PgpKeyError("unreadable", "not an OpenPGP key (expected an armored PGP PUBLIC KEY BLOCK)");
  }
  if (keys.length === 0) throw new PgpKeyError("unreadable", "no OpenPGP key found in the text");
  return keys;
}
