import type { KeySource } from "./envelope.js";
import { CryptoError } from "./errors.js";

/**
 * Envelope encryption. Data is encrypted with data keys (DEKs, 32 random bytes); each DEK is
 * stored in `encryption_keys`, wrapped with the master key (AAD `dek:<id>`). Rotating a DEK
 * re-encrypts the data; changing the master key would only re-wrap the DEKs.
 *
 * Key ids are `k1`, `k2`, …: short (every envelope carries one), ordered, and a primary key, so
 * two instances creating "the next key" at once collide on the id instead of both succeeding;
 * the loser reloads and uses the winner's key.
 *
 * This module holds the keys; src/store/data-keys.ts reads them from the database (loadKeyring)
 * and adds new ones, so crypto stays below the store.
 */
export interface DataKey {
  readonly id: string;
  readonly key: Buffer;
  readonly createdAt: Date;
  readonly retiredAt: Date | null;
}

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
