import { openText } from "../../crypto/envelope.js";
import { DecryptionError, MasterKeyMismatchError } from "../../crypto/errors.js";
import type { Store } from "../database.js";
import { writeBackupFile } from "./file.js";
import { type SnapshotSummary, writeSnapshot } from "./snapshot.js";

/**
 * `embargo backup FILE`: a consistent snapshot of the store (snapshot.ts), encrypted under a key
 * derived from the master key, written to a private temporary file and renamed to FILE once
 * complete. The master key itself is not in it. `onProgress` hears the rows written of all.
 */
export async function backupStore(
  store: Store,
  masterKey: Buffer,
  file: string,
  options: { now?: Date; onProgress?: (done: number, total: number) => void } = {},
): Promise<SnapshotSummary> {
  await checkMasterKey(store, masterKey);
  const now = options.now ?? new Date();
  return writeBackupFile(file, masterKey, (write) => writeSnapshot(store, write, now, options.onProgress));
}

/**
 * The backup is encrypted with the master key given and its data keys are wrapped with the one
 * the database was made with: they must be the same key, or the restored data could not be read.
 */
export async function checkMasterKey(store: Store, masterKey: Buffer): Promise<void> {
  const keys = await store.db.selectFrom("encryption_keys").select(["id", "wrapped_key"]).execute();
  for (const key of keys) {
    try {
      openText(masterKey, key.wrapped_key, `dek:${key.id}`);
    } catch (error) {
      if (error instanceof DecryptionError) throw new MasterKeyMismatchError(key.id);
      throw error;
    }
  }
}
