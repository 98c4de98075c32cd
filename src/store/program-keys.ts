import { decryptText, encryptText, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { aad } from "./aad.js";
import type { Store } from "./database.js";
import type { ProgramKeysTable } from "./schema.js";

/**
 * The programs' own OpenPGP key pairs (`program_keys`). The private key is encrypted at rest
 * like report content (AAD `program-key:<fingerprint>`); the public key is stored in clear, it
 * is published. A program has at most one active key (the newest not retired): it signs mail
 * and is published at /p/<program>/openpgp.asc and through WKD. Retired keys are kept to
 * decrypt mail that was encrypted to them.
 */

export interface NewProgramKey {
  program: string;
  /** Unencrypted armored private key (as generateProgramKey / importProgramKey return it). */
  armoredPrivateKey: string;
  armoredPublicKey: string;
  /** Upper-case hex fingerprint of the primary key. */
  fingerprint: string;
}

/** A stored key pair with its private key decrypted (armored, not passphrase-protected). */
export interface ProgramKeyPair {
  fingerprint: string;
  /** Armored public key. */
  publicKey: string;
  /** Armored private key, decrypted: never log, print or send it. */
  privateKey: string;
  createdAt: Date;
  retiredAt: Date | null;
}

/** What `embargo keys pgp list` shows: no key material. */
export interface ProgramKeyInfo {
  program: string;
  fingerprint: string;
  createdAt: Date;
  retiredAt: Date | null;
}

/** The key is already stored (under this program or another): a fingerprint is stored once. */
export class ProgramKeyExistsError extends Error {
  readonly code = "embargo.programKey.exists";
  constructor(
    readonly fingerprint: string,
    readonly program: string,
  ) {
    super(`the key ${fingerprint} is already stored for the program ${program}`);
    this.name = "ProgramKeyExistsError";
  }
}

const FINGERPRINT = /^[0-9A-F]{40}(?:[0-9A-F]{24})?$/;

/**
 * Stores a new key pair for `key.program` as its active key and retires the program's previous
 * keys (`retired_at = at`), in one transaction. Throws ProgramKeyExistsError for a fingerprint
 * already stored (for any program), RangeError for a malformed fingerprint.
 */
export async function saveProgramKey(
  store: Store,
  keyring: Keyring,
  key: NewProgramKey,
  at: Date,
): Promise<void> {
  if (!FINGERPRINT.test(key.fingerprint)) {
    throw new RangeError("a program key fingerprint is 40 (or 64) upper-case hex digits");
  }
  const when = at.toISOString();
  await store.transaction(async (trx) => {
    const existing = await trx
      .selectFrom("program_keys")
      .select("program")
      .where("fingerprint", "=", key.fingerprint)
      .executeTakeFirst();
    if (existing !== undefined) throw new ProgramKeyExistsError(key.fingerprint, existing.program);
    await trx
      .updateTable("program_keys")
      .set({ retired_at: when })
      .where("program", "=", key.program)
      .where("retired_at", "is", null)
      .execute();
    await trx
      .insertInto("program_keys")
      .values({
        fingerprint: key.fingerprint,
        program: key.program,
        public_key: key.armoredPublicKey,
        private_key_ct: encryptText(keyring, key.armoredPrivateKey, aad.programKey(key.fingerprint)),
        created_at: when,
        retired_at: null,
      })
      .execute();
  });
}

/** The program's active key pair (newest unretired), private key decrypted; undefined if none. */
export async function activeProgramKey(
  store: Store,
  keyring: Keyring,
  program: string,
): Promise<ProgramKeyPair | undefined> {
  const row = await store.db
    .selectFrom("program_keys")
    .selectAll()
    .where("program", "=", program)
    .where("retired_at", "is", null)
    .orderBy("created_at", "desc")
    .orderBy("fingerprint")
    .limit(1)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const [pair] = await decryptRows(keyring, [row]);
  return pair;
}

/**
 * Every key pair of the program, retired ones included, newest first (the active key first when
 * there is one): the keys to try on mail encrypted to the program.
 */
export async function programDecryptionKeys(
  store: Store,
  keyring: Keyring,
  program: string,
): Promise<ProgramKeyPair[]> {
  const rows = await store.db
    .selectFrom("program_keys")
    .selectAll()
    .where("program", "=", program)
    .orderBy("created_at", "desc")
    .orderBy("fingerprint")
    .execute();
  // Unretired before retired, so two keys created in the same instant still put the active one first.
  rows.sort((a, b) => Number(a.retired_at !== null) - Number(b.retired_at !== null));
  return decryptRows(keyring, rows);
}

/** The armored public key of the program's active key, without decrypting anything. */
export async function publishedPublicKey(store: Store, program: string): Promise<string | undefined> {
  const row = await store.db
    .selectFrom("program_keys")
    .select("public_key")
    .where("program", "=", program)
    .where("retired_at", "is", null)
    .orderBy("created_at", "desc")
    .orderBy("fingerprint")
    .limit(1)
    .executeTakeFirst();
  return row?.public_key;
}

/** Every stored key of every program (or of one), by program, newest first. No key material. */
export async function listProgramKeys(store: Store, program?: string): Promise<ProgramKeyInfo[]> {
  const rows = await store.db
    .selectFrom("program_keys")
    .select(["program", "fingerprint", "created_at", "retired_at"])
    .$if(program !== undefined, (query) => query.where("program", "=", program!))
    .orderBy("program")
    .orderBy("created_at", "desc")
    .orderBy("fingerprint")
    .execute();
  return rows.map((row) => ({
    program: row.program,
    fingerprint: row.fingerprint,
    createdAt: new Date(row.created_at),
    retiredAt: row.retired_at === null ? null : new Date(row.retired_at),
  }));
}

async function decryptRows(keyring: Keyring, rows: ProgramKeysTable[]): Promise<ProgramKeyPair[]> {
  // Keys written under a data key another instance added since this keyring was loaded.
  await keyring.ensure(rows.map((row) => keyIdOf(row.private_key_ct)));
  return rows.map((row) => ({
    fingerprint: row.fingerprint,
    publicKey: row.public_key,
    privateKey: decryptText(keyring, row.private_key_ct, aad.programKey(row.fingerprint)),
    createdAt: new Date(row.created_at),
    retiredAt: row.retired_at === null ? null : new Date(row.retired_at),
  }));
}
