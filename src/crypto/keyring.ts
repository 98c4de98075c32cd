import { type CaseKeyState, isCaseKeyId } from "./case-key-ids.js";
import { type KeySource, keyIdOf, openText } from "./envelope.js";
import { CryptoError } from "./errors.js";

/** A case key as stored: wrapped by a data key, or null once erased; none at all for old cases. */
export interface StoredCaseKey {
  id: string;
  wrapped: string | null;
}

/** What a case key's wrapping is bound to. */
export const caseKeyAad = (id: string) => `case-key:${id}`;

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

/**
 * How many cases' keys stay in memory (some 300 bytes each with their ids and load times); the
 * oldest go first. A busy team works on far fewer cases at once; a key not kept is read again
 * (one indexed query and an unwrap). At 50,000 the full cache held about 15 MB of the heap.
 */
const CASE_KEYS_KEPT = 10_000;
/**
 * How long a loaded case key is trusted before `ensure` reads it again: another instance may have
 * erased the case meanwhile, and this one must stop reading it within this bound.
 */
const CASE_KEY_TTL_MS = 60_000;

/**
 * Where the loaders read from: opaque here (the store's open transaction, so a load inside one
 * does not wait for the connection that transaction holds); undefined: the database itself.
 */
export type Via = object;

export class Keyring implements KeySource {
  #keys = new Map<string, DataKey>();
  #active!: DataKey;
  /** Per-case keys (`c-…`, `p-…`) loaded so far: the key, or why there is none. */
  #caseKeys = new Map<string, CaseKeyState>();
  /** When each case key was loaded or made (Date.now()). */
  #caseKeyLoadedAt = new Map<string, number>();

  /**
   * `reload` fetches the data keys again (set by loadKeyring); without it the keyring is fixed.
   * `loadCaseKeys` fetches per-case keys by id (src/store/case-keys.ts).
   */
  constructor(
    keys: readonly DataKey[],
    private readonly reload?: (via?: Via) => Promise<readonly DataKey[]>,
    private readonly loadCaseKeys?: (ids: readonly string[], via?: Via) => Promise<StoredCaseKey[]>,
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

  /**
   * Any key, retired ones included (old data stays readable until it is re-encrypted), or a
   * case's own key once `ensure` has loaded it.
   */
  get(id: string): Buffer {
    if (isCaseKeyId(id)) return this.#caseKey(id);
    const key = this.#keys.get(id);
    if (key === undefined) {
      throw new CryptoError("embargo.crypto.unknownKey", `data key ${id} is not in this database's keyring`);
    }
    return key.key;
  }

  #caseKey(id: string): Buffer {
    const state = this.#caseKeys.get(id);
    if (state === undefined || state === "absent") {
      throw new CryptoError("embargo.crypto.caseKeyNotLoaded", `case key ${id} was not loaded before use`);
    }
    if (state === "erased") throw new CryptoError("embargo.crypto.erased", "this data was erased");
    return state;
  }

  /**
   * The keys a case's data is written with: its own key (`c-…` for its content, `p-…` for the
   * reporter's contact details) when it has one that `ensure` loaded or that was just made, else
   * the active data key (a case taken before per-case keys, or one whose key is erased).
   */
  forCase(keyId: string): KeySource {
    const state = this.#caseKeys.get(keyId);
    if (!Buffer.isBuffer(state)) return this;
    return { active: { id: keyId, key: state }, get: (id) => this.get(id) };
  }

  /** Remembers a case key made here (src/store/case-keys.ts), so its case needs no lookup. */
  rememberCaseKey(id: string, key: Buffer | "erased"): void {
    this.#caseKeys.delete(id);
    this.#caseKeys.set(id, key);
    this.#caseKeyLoadedAt.set(id, Date.now());
    this.#trimCaseKeys();
  }

  /** Whether `id` is a case key known to be erased (loaded by `ensure`). */
  erased(id: string): boolean {
    return this.#caseKeys.get(id) === "erased";
  }

  /** Forgets what is known of a case key (a change that was rolled back): the next use reloads it. */
  forgetCaseKey(id: string): void {
    this.#caseKeys.delete(id);
    this.#caseKeyLoadedAt.delete(id);
  }

  #trimCaseKeys(): void {
    // Map keeps insertion order: the first keys are the ones loaded longest ago.
    for (const id of this.#caseKeys.keys()) {
      if (this.#caseKeys.size <= CASE_KEYS_KEPT) return;
      this.#caseKeys.delete(id);
      this.#caseKeyLoadedAt.delete(id);
    }
  }

  has(id: string): boolean {
    return this.#keys.has(id);
  }

  ids(): string[] {
    return [...this.#keys.keys()];
  }

  /** Reloads from the database: picks up keys another instance added (after `keys rotate`). */
  async refresh(via?: Via): Promise<void> {
    if (this.reload !== undefined) this.#replace(await this.reload(via));
  }

  /**
   * Loads what `ids` need: case keys not loaded yet, and the data keys again when one is unknown
   * (data written under a key added elsewhere). Call it before decrypting rows just read.
   */
  async ensure(ids: Iterable<string>, via?: Via): Promise<void> {
    const caseKeys = new Set<string>();
    let unknownDataKey = false;
    for (const id of ids) {
      if (isCaseKeyId(id)) {
        const loadedAt = this.#caseKeyLoadedAt.get(id);
        if (loadedAt === undefined || Date.now() - loadedAt > CASE_KEY_TTL_MS) caseKeys.add(id);
      } else if (!this.#keys.has(id)) unknownDataKey = true;
    }
    if (caseKeys.size > 0 && this.loadCaseKeys !== undefined) {
      const stored = await this.loadCaseKeys([...caseKeys], via);
      // Case keys are wrapped by data keys, which may be new too.
      if (stored.some((row) => row.wrapped !== null && !this.#keys.has(keyIdOf(row.wrapped)))) {
        unknownDataKey = true;
      }
      if (unknownDataKey) await this.refresh(via);
      unknownDataKey = false;
      const found = new Map(stored.map((row) => [row.id, row.wrapped]));
      for (const id of caseKeys) {
        const wrapped = found.get(id);
        // Re-inserted: the map's order is the order of loading, which trimming relies on.
        this.#caseKeys.delete(id);
        this.#caseKeys.set(id, this.#unwrap(id, wrapped));
        this.#caseKeyLoadedAt.set(id, Date.now());
      }
      this.#trimCaseKeys();
    }
    if (unknownDataKey) await this.refresh(via);
  }

  #unwrap(id: string, wrapped: string | null | undefined): CaseKeyState {
    if (wrapped === undefined) return "absent";
    if (wrapped === null) return "erased";
    return ownedCopy(
      Buffer.from(openText(this.get(keyIdOf(wrapped)), wrapped, caseKeyAad(id)).toString("utf8"), "base64"),
    );
  }
}

/**
 * A key to keep: its own 32 bytes, the decoded one wiped. Small Buffers (`Buffer.from` of a
 * string, among others) are slices of Node's shared 8 KiB pool, and a kept slice keeps its whole
 * slab alive: a cache of such keys held about 8 KiB each, not 32 bytes (issue 17's soak grew by
 * tens of MB of array buffers as the cache filled). `Buffer.alloc` never uses the pool.
 */
function ownedCopy(decoded: Buffer): Buffer {
  const key = Buffer.alloc(decoded.length);
  decoded.copy(key);
  decoded.fill(0);
  return key;
}
