import { sql } from "kysely";
import { verifyAuditChains } from "../audit.js";
import { loadKeyring } from "../data-keys.js";
import type { Store } from "../database.js";
import { migrate, migrateTo } from "../migrate.js";
import { MIGRATIONS } from "../migrations/index.js";
import { readBackupFile } from "./file.js";
import type { BackupHeader } from "./format.js";
import { resetSequences, TableInserter } from "./insert.js";
import { type BackupItem, BackupReader } from "./reader.js";
import { describeTables, type TableInfo } from "./tables.js";

export interface RestoreResult {
  header: BackupHeader;
  /** Rows restored per table, in the backup's order. */
  tables: { name: string; rows: number }[];
  /** What the audit check found in the restored database. */
  cases: number;
  events: number;
  /** Migrations newer than the backup, run once its rows were in. */
  upgraded: string[];
}

/** What a restore's stages report as they go: `done` of `total` rows, then cases. */
export interface RestoreProgress {
  /** Rows read and checked, of those the backup's header announces (the pass that writes nothing). */
  onChecked?: (done: number, total: number) => void;
  /** Rows inserted. */
  onInserted?: (done: number, total: number) => void;
  /** Cases whose audit chain verified in the restored database. */
  onVerified?: (done: number, total: number) => void;
}

/** A restore that would overwrite or mix data: nothing was written. */
export class RestoreRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestoreRefusedError";
  }
}

/** Reads the whole backup once, checking every block, line and count; writes nothing. */
export async function verifyBackup(
  file: string,
  masterKey: Buffer,
  onProgress?: (done: number, total: number) => void,
): Promise<BackupHeader> {
  const reader = new BackupReader();
  const count = rowCounter(onProgress);
  await readBackupFile(file, masterKey, async (line) => count(reader.read(line)));
  reader.finish();
  return reader.header!;
}

/** Reports each row of the backup against the total its header announces (the reader holds it to that). */
function rowCounter(
  onProgress: ((done: number, total: number) => void) | undefined,
): (item: BackupItem) => void {
  let total = 0;
  let done = 0;
  return (item) => {
    if (onProgress === undefined) return;
    if (item.kind === "header") {
      total = item.header.tables.reduce((sum, table) => sum + table.rows, 0);
      onProgress(0, total);
    } else if (item.kind === "row") {
      done += 1;
      onProgress(done, total);
    }
  };
}

/**
 * Brings a backup back into an empty database: the whole file is checked first (a damaged file
 * or another master key touches nothing), the schema brought to the backup's migration level,
 * every row inserted in one transaction, which commits only once every case's hash chain
 * verifies under the master key; then the migrations newer than the backup run.
 */
export async function restoreBackup(
  store: Store,
  file: string,
  masterKey: Buffer,
  progress: RestoreProgress = {},
): Promise<RestoreResult> {
  const header = await verifyBackup(file, masterKey, progress.onChecked);
  if (!Object.hasOwn(MIGRATIONS, header.migration)) {
    throw new RestoreRefusedError(
      `this backup comes from a newer Embargo (its schema is at migration ${header.migration}, ` +
        "which this version does not know): restore it with that version or a later one",
    );
  }
  await refuseUnlessEmpty(store);
  await migrateTo(store, header.migration);
  const targets = matchSchema(header, await describeTables(store.db, store.dialect));

  const audit = await store.transaction(async (trx) => {
    const reader = new BackupReader();
    const count = rowCounter(progress.onInserted);
    let inserter: TableInserter | undefined;
    await readBackupFile(file, masterKey, async (line) => {
      const item = reader.read(line);
      count(item);
      if (item.kind === "row") await inserter?.add(item.values);
      else if (item.kind !== "header") await inserter?.finish();
      if (item.kind === "table") inserter = new TableInserter(trx, item.table, targets.get(item.table.name)!);
    });
    reader.finish();
    if (store.dialect === "postgres") await resetSequences(trx);
    const restored: Store = { ...store, db: trx };
    const result = await verifyAuditChains(
      restored,
      await loadKeyring(restored, masterKey),
      progress.onVerified,
    );
    if (!result.ok) {
      throw new Error(
        `the backup's audit trail does not verify (case ${result.caseId}, event #${result.seq}: ` +
          `${result.reason}); nothing was restored`,
      );
    }
    return result;
  });
  const upgraded = await migrate(store);
  return {
    header,
    tables: header.tables.map((table) => ({ name: table.name, rows: table.rows })),
    cases: audit.cases,
    events: audit.events,
    upgraded,
  };
}

/** Any row in any table (cases first) means the database is in use: a restore never mixes. */
async function refuseUnlessEmpty(store: Store): Promise<void> {
  const names = (await describeTables(store.db, store.dialect)).map((table) => table.name);
  names.sort((a, b) => Number(b === "cases") - Number(a === "cases"));
  for (const name of names) {
    const found = await sql`select 1 as one from ${sql.table(name)} limit 1`.execute(store.db);
    if (found.rows.length > 0) {
      throw new RestoreRefusedError(
        `the target database is not empty (its ${name} table holds rows): restore only into a new, ` +
          "empty database, so that nothing in it is overwritten or mixed with the backup",
      );
    }
  }
}

/** The target's tables, now at the backup's level, must be the backup's. */
function matchSchema(header: BackupHeader, tables: readonly TableInfo[]): Map<string, TableInfo> {
  const targets = new Map(tables.map((table) => [table.name, table]));
  for (const table of header.tables) {
    const target = targets.get(table.name);
    const missing = table.columns.filter((column) => !target?.columns.includes(column));
    if (target === undefined || missing.length > 0) {
      throw new RestoreRefusedError(
        `the backup's table ${table.name} does not match Embargo's schema at ${header.migration}` +
          (target === undefined ? "" : ` (no column ${missing.join(", ")})`),
      );
    }
  }
  const extra = tables.filter((table) => !header.tables.some((backup) => backup.name === table.name));
  if (extra.length > 0) {
    throw new RestoreRefusedError(
      `the target database holds tables the backup does not (${extra.map((table) => table.name).join(", ")}): ` +
        "restore into a new, empty database",
    );
  }
  return targets;
}
