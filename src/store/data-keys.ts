import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { openText, sealText } from "../crypto/envelope.js";
import { CryptoError, DecryptionError, MasterKeyMismatchError } from "../crypto/errors.js";
import { type DataKey, Keyring, keyNumber, type Via } from "../crypto/keyring.js";
import { caseKeyLoader } from "./case-keys.js";
import type { Store } from "./database.js";
import type { DatabaseSchema } from "./schema.js";

/**
 * The data keys in the database (`encryption_keys`): each DEK wrapped with the master key (AAD
 * `dek:<id>`). The keyring itself (src/crypto/keyring.ts) knows nothing of tables; this module
 * reads and adds the keys it holds.
 */

const MASTER_KEY_ID = "master";
const CREATE_ATTEMPTS = 5;

async function readKeys(db: Kysely<DatabaseSchema>, masterKey: Buffer): Promise<DataKey[]> {
  const rows = await db.selectFrom("encryption_keys").selectAll().execute();
  return rows.map((row) => {
    let key: Buffer;
    try {
      key = openText(masterKey, row.wrapped_key, `dek:${row.id}`);
    } catch (error) {
      // A GCM failure here means the master key is not the one that wrapped this key.
      if (error instanceof DecryptionError) throw new MasterKeyMismatchError(row.id);
      throw error;
    }
    return {
      id: row.id,
      key,
      createdAt: new Date(row.created_at),
      retiredAt: row.retired_at === null ? null : new Date(row.retired_at),
    };
  });
}

/** Inserts a new wrapped key under `id`; false when that id is taken (another instance won). */
async function insertKey(store: Store, masterKey: Buffer, id: string, now: Date): Promise<boolean> {
  const result = await store.db
    .insertInto("encryption_keys")
    .values({
      id,
      wrapped_key: sealText(masterKey, MASTER_KEY_ID, randomBytes(32), `dek:${id}`),
      created_at: now.toISOString(),
      retired_at: null,
    })
    .onConflict((conflict) => conflict.column("id").doNothing())
    .executeTakeFirst();
  return result.numInsertedOrUpdatedRows === 1n;
}

/**
 * Adds a new data key, which becomes the active one. Retries with the next id when another
 * instance took this one at the same moment. Returns its id.
 */
export async function addDataKey(store: Store, masterKey: Buffer, now: Date = new Date()): Promise<string> {
  for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt += 1) {
    const rows = await store.db.selectFrom("encryption_keys").select("id").execute();
    const id = `k${Math.max(0, ...rows.map((row) => keyNumber(row.id))) + 1}`;
    if (await insertKey(store, masterKey, id, now)) return id;
  }
  throw new CryptoError(
    "embargo.crypto.keyRace",
    "could not add a data key: other instances kept adding keys",
  );
}

/**
 * Loads the keyring, creating the first data key in an empty database. Fails with
 * MasterKeyMismatchError when the master key cannot unwrap the stored keys.
 */
export async function loadKeyring(
  store: Store,
  masterKey: Buffer,
  now: () => Date = () => new Date(),
): Promise<Keyring> {
  for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt += 1) {
    const keys = await readKeys(store.db, masterKey);
    if (keys.some((key) => key.retiredAt === null)) {
      // `via` is the open transaction when a load happens inside one (see Keyring's Via).
      const on = (via?: Via) => (via as Kysely<DatabaseSchema> | undefined) ?? store.db;
      return new Keyring(
        keys,
        (via) => readKeys(on(via), masterKey),
        (ids, via) => caseKeyLoader(on(via))(ids),
      );
    }
    if (keys.length === 0) {
      // First start. Instances starting together all try to insert `k1`; one insert wins, the
      // others conflict, and every instance reads that one key on the next round.
      await insertKey(store, masterKey, "k1", now());
    } else {
      await addDataKey(store, masterKey, now()); // every key retired: should not happen, recover
    }
  }
  throw new CryptoError("embargo.crypto.keyRace", "could not load or create a data key");
}
