import { createHash } from "node:crypto";
import { type Kysely, sql } from "kysely";
import type { Store } from "../database.js";
import type { DatabaseSchema } from "../schema.js";
import { BACKUP_FORMAT, type BackupHeader, encodeValue, MASTER_KEY_NOTE } from "./format.js";
import { countRows, describeTables, MIGRATION_TABLE, type TableInfo } from "./tables.js";

/** Rows per query; a page of a table with blobs (attachments, mail) holds whole files. */
const PAGE_ROWS = 500;
const BINARY_PAGE_ROWS = 16;

export interface SnapshotSummary {
  header: BackupHeader;
  rows: number;
}

/**
 * Writes every table's rows, as backup lines (format.ts), from one consistent snapshot of the
 * store taken while the server goes on taking reports: a report acknowledged before the snapshot
 * began is in it, whole (its case, events and attachments), and one that came later is not at all.
 * `onProgress` hears the rows written of all the snapshot's rows.
 */
export async function writeSnapshot(
  store: Store,
  write: (line: string) => Promise<void>,
  now: Date,
  onProgress?: (done: number, total: number) => void,
): Promise<SnapshotSummary> {
  return inSnapshot(store, async (db) => {
    const migration = await migrationLevel(db);
    const tables = await describeTables(db, store.dialect);
    const counts = await countRows(db, tables);
    const header: BackupHeader = {
      embargoBackup: BACKUP_FORMAT,
      createdAt: now.toISOString(),
      dialect: store.dialect,
      migration,
      tables: tables.map((table) => ({
        name: table.name,
        columns: table.columns,
        rows: counts.get(table.name) ?? 0,
      })),
      masterKey: MASTER_KEY_NOTE,
    };
    const hash = createHash("sha256");
    const emit = (value: unknown): Promise<void> => {
      const line = `${JSON.stringify(value)}\n`;
      hash.update(line);
      return write(line);
    };
    await emit(header);
    const all = header.tables.reduce((sum, table) => sum + table.rows, 0);
    onProgress?.(0, all);
    let total = 0;
    for (const table of tables) {
      await emit({ table: table.name });
      let rows = 0;
      for await (const page of pages(db, table)) {
        for (const row of page) {
          await emit(table.columns.map((column) => encodeValue(row[column], table.name, column)));
          rows += 1;
        }
        onProgress?.(total + rows, all);
      }
      // Cannot differ inside one snapshot; checked so that a broken snapshot never passes as one.
      if (rows !== counts.get(table.name)) throw new Error(`table ${table.name} changed during the backup`);
      total += rows;
    }
    await write(`${JSON.stringify({ end: true, rows: total, sha256: hash.digest("hex") })}\n`);
    return { header, rows: total };
  });
}

/**
 * PostgreSQL: one REPEATABLE READ, READ ONLY transaction sees one snapshot throughout. SQLite: a
 * deferred transaction on the WAL database reads the snapshot of its first read while the server
 * (another connection) goes on writing; SQLite's backup API would instead restart its copy at
 * every write and might never finish under load. The store's own transactions begin IMMEDIATE
 * (sqlite-dialect.ts): they would take the write lock and hold every writer for the whole backup.
 */
export async function inSnapshot<T>(
  store: Store,
  fn: (db: Kysely<DatabaseSchema>) => Promise<T>,
): Promise<T> {
  if (store.dialect === "postgres") {
    return store.db.transaction().setIsolationLevel("repeatable read").setAccessMode("read only").execute(fn);
  }
  return store.db.connection().execute(async (connection) => {
    await sql`begin`.execute(connection);
    try {
      return await fn(connection);
    } finally {
      await sql`rollback`.execute(connection);
    }
  });
}

export async function migrationLevel(db: Kysely<DatabaseSchema>): Promise<string> {
  let name: string | undefined;
  try {
    const result = await sql<{ name: string }>`
      select name from ${sql.table(MIGRATION_TABLE)} order by name desc limit 1`.execute(db);
    name = result.rows[0]?.name;
  } catch {
    name = undefined; // no such table: never migrated
  }
  if (name === undefined) throw new Error("this database holds no Embargo data (no migration has run on it)");
  return name;
}

/** A table's rows in pages, by primary key: each query starts after the last key of the one before. */
export async function* pages(
  db: Kysely<DatabaseSchema>,
  table: TableInfo,
): AsyncGenerator<Record<string, unknown>[]> {
  // Every Embargo table has one: the key is what pages through a table in a stable order.
  if (table.primaryKey.length === 0) throw new Error(`table ${table.name} has no primary key`);
  const limit = table.binary ? BINARY_PAGE_ROWS : PAGE_ROWS;
  const columns = sql.join(table.columns.map((column) => sql.ref(column)));
  const key = sql.join(table.primaryKey.map((column) => sql.ref(column)));
  let after: unknown[] | undefined;
  for (;;) {
    const where = after === undefined ? sql`` : sql`where (${key}) > (${sql.join(after)})`;
    const result = await sql<Record<string, unknown>>`
      select ${columns} from ${sql.table(table.name)} ${where} order by ${key} limit ${limit}`.execute(db);
    if (result.rows.length > 0) yield result.rows;
    if (result.rows.length < limit) return;
    const last = result.rows.at(-1)!;
    after = table.primaryKey.map((column) => last[column]);
  }
}
