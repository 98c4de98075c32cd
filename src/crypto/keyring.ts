import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Store } from "../store/database.js";
import type { DatabaseSchema } from "../store/schema.js";
import { type KeySource, openText, sealText } from "./envelope.js";
import { CryptoError, DecryptionError, MasterKeyMismatchError } from "./errors.js";

/**
 * Envelope encryption. Data is encrypted with data keys (DEKs, 32 random bytes); each DEK is
 * stored in `encryption_keys`, wrapped with the master key (AAD `dek:<id>`). Rotating a DEK
 * re-encrypts the data; changing the master key would only re-wrap the DEKs.
 *
 * Key ids are `k1`, `k2`, …: short (every envelope carries one), ordered, and a primary key, so
 * two instances creating "the next key" at once collide on the id instead of both succeeding;
 * the loser reloads and uses the winner's key.
 */
export interface DataKey {
  readonly id: string;
  readonly key: Buffer;
  readonly createdAt: Date;
  readonly retiredAt: Date | null;
}

const MASTER_KEY_ID = "master";
const CREATE_ATTEMPTS = 5;

export function keyNumber(id: string): number {
  const match = /^k([1-9][0-9]{0,8})$/.exec(id);
  if (match?.[1] === undefined)
    throw new CryptoError("embargo.crypto.badKeyId", `unexpected data key id "${id}"`);
  return Number(match[1]);
}

export class Keyring implements KeySource {
  #keys = new Map<string, DataKey>();
  #active!: DataKey;

  /** `reload` fetches the keys again (set by loadKeyring); without it the keyring is fixed. */
  constructor(
    keys: readonly DataKey[],
    private readonly reload?: () => Promise<readonly DataKey[]>,
  ) {
    this.#replace(keys);
  }

  #replace(keys: readonly DataKey[]): void {
    const usable = keys.filter((key) => key.retiredAt === null);
    const active = usable.sort((a, b) => keyNumber(b.id) - keyNumber(a.id))[0];
    if (active === undefined) throw new CryptoError("embargo.crypto.noActiveKey", "no active data key");
    this.#keys = new Map(keys.map((key) => [key.id, key]));
    this.#active = active;
  }

  /** The key new data is encrypted with: the newest key not retired. */
  get active(): { readonly id: string; readonly key: Buffer } {
    return this.#active;
  }

  /** Any key, retired ones included (old data stays readable until it is re-encrypted). */
  get(id: string): Buffer {
    const key = this.#keys.get(id);
    if (key === undefined) {
      throw new CryptoError("embargo.crypto.unknownKey", `data key ${id} is not in this database's keyring`);
    }
    return key.key;
  }

  has(id: string): boolean {
    return this.#keys.has(id);
  }

  ids(): string[] {
    return [...this.#keys.keys()];
  }

  /** Reloads from the database: picks up keys another instance added (after `keys rotate`). */
  async refresh(): Promise<void> {
    if (this.reload !== undefined) this.#replace(await this.reload());
  }

  /** Refreshes when any of `ids` is unknown: data written under a key added elsewhere. */
  async ensure(ids: Iterable<string>): Promise<void> {
    for (const id of ids) {
      if (!this.#keys.has(id)) return this.refresh();
    }
  }
}

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
      return new Keyring(keys, () => readKeys(store.db, masterKey));
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
