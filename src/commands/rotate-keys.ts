import { sql } from "kysely";
import { AUTH_ENCRYPTED_TABLES } from "../auth/encrypted-columns.js";
import { addDataKey, loadKeyring } from "../store/data-keys.js";
import type { Store } from "../store/database.js";
import { type Cursor, ENCRYPTED_TABLES } from "../store/encrypted-columns.js";

/** Every table with ciphertext: the case store's and the accounts'. */
export const ROTATED_TABLES = [...ENCRYPTED_TABLES, ...AUTH_ENCRYPTED_TABLES];

export interface RotateOptions {
  /** Rows per transaction instead of each table's default (tests use tiny batches). */
  batchSize?: number;
  now?: () => Date;
  /** Hears the rows gone through of all the encrypted tables' rows (counted at the start). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * `embargo keys rotate`: adds a data key, re-encrypts every ciphertext of every encrypted column
 * under it (in batches, one transaction each, so a large database neither holds one huge
 * transaction nor blocks intake for long), then retires the older keys. Retired keys stay in
 * the keyring: a running instance that wrote under an old key during the rotation leaves data
 * that still decrypts, and the next rotation re-encrypts it. Interrupted, it can simply be run
 * again. Needs the master key, which wraps the new data key. `reencrypted` counts ciphertexts.
 */
export async function rotateDataKey(
  store: Store,
  masterKey: Buffer,
  options: RotateOptions = {},
): Promise<{ keyId: string; reencrypted: number }> {
  const now = options.now ?? (() => new Date());
  await addDataKey(store, masterKey, now());
  // The newest key is active; if another rotation added a newer one meanwhile, re-encrypt to that.
  const keyring = await loadKeyring(store, masterKey, now);
  const keyId = keyring.active.id;
  const lockRows = store.dialect === "postgres";
  const { onProgress } = options;
  const total = onProgress === undefined ? 0 : await countRows(store);
  onProgress?.(0, total);
  let rows = 0;
  let reencrypted = 0;
  for (const table of ROTATED_TABLES) {
    let after: Cursor | undefined;
    do {
      const batch = await store.transaction((trx) =>
        table.reencryptBatch(trx, keyring, after, options.batchSize ?? table.batchSize, lockRows),
      );
      reencrypted += batch.reencrypted;
      rows += batch.rows;
      onProgress?.(rows, total);
      after = batch.last;
    } while (after !== undefined);
  }
  await store.db
    .updateTable("encryption_keys")
    .set({ retired_at: now().toISOString() })
    .where("id", "!=", keyId)
    .where("retired_at", "is", null)
    .execute();
  return { keyId, reencrypted };
}

/** The rows of every rotated table: what a progress report counts towards. */
async function countRows(store: Store): Promise<number> {
  let total = 0;
  for (const table of ROTATED_TABLES) {
    const { rows } = await sql<{ n: number | string }>`
      select count(*) as n from ${sql.table(table.table)}`.execute(store.db);
    // PostgreSQL's count is a bigint, which pg hands over as a string.
    total += Number(rows[0]?.n ?? 0);
  }
  return total;
}
