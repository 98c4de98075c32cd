import type { Store } from "./database.js";
import { randomId } from "./ids.js";

/**
 * The backups `embargo backup` made. A backup holds the cases as they were: one made before an
 * erasure still holds what was erased, and restoring it brings that back. `embargo erase` names
 * them, so the operator can delete them or erase again after a restore.
 */

const LISTED = 50;

/**
 * Records a backup just written. False when it could not be recorded: a database whose schema
 * predates the log (an older installation backed up as it is) has no table for it.
 */
export async function recordBackup(store: Store, file: string, at: Date): Promise<boolean> {
  const tables = await store.db.introspection.getTables();
  if (
    !tables.some(
      (table) => table.name === "backup_log" && (store.schema === undefined || table.schema === store.schema),
    )
  )
    return false;
  await store.db
    .insertInto("backup_log")
    .values({ id: randomId(), file, created_at: at.toISOString() })
    .execute();
  return true;
}

/** The most recent backups begun before `at`, newest first. */
export async function backupsBefore(store: Store, at: Date): Promise<{ file: string; createdAt: Date }[]> {
  const rows = await store.db
    .selectFrom("backup_log")
    .select(["file", "created_at"])
    .where("created_at", "<", at.toISOString())
    .orderBy("created_at", "desc")
    .limit(LISTED)
    .execute();
  return rows.map((row) => ({ file: row.file, createdAt: new Date(row.created_at) }));
}
