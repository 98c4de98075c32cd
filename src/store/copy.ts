import { type Kysely, sql, type Transaction } from "kysely";
import { type AuditResult, verifyAuditChains } from "./audit.js";
import { checkMasterKey } from "./backup/backup.js";
import { type ColumnValue, decodeValue, encodeValue } from "./backup/format.js";
import { resetSequences, TableInserter } from "./backup/insert.js";
import { inSnapshot, migrationLevel, pages } from "./backup/snapshot.js";
import { countRows, describeTables, type TableInfo } from "./backup/tables.js";
import { loadKeyring } from "./data-keys.js";
import type { Store } from "./database.js";
import { migrateTo } from "./migrate.js";
import { MIGRATIONS } from "./migrations/index.js";
import type { DatabaseSchema } from "./schema.js";

/**
 * `embargo store copy`: a whole installation from one database into another, empty one (SQLite to
 * PostgreSQL, the way from one machine to several). The same pieces as a backup and a restore
 * (backup/), without the file in between: the source read table by table, in pages, in one
 * snapshot; the target brought to the source's migration level and filled in one transaction,
 * referenced tables first and self-references set once their table is in (TableInserter), so
 * memory stays flat however big the installation. The transaction commits only once every
 * table's count matches the source's and every case's audit chain verifies under the master key;
 * anything else leaves the target without a row.
 */

export interface CopyResult {
  /** The source's (and now the target's) last migration. */
  migration: string;
  /** Rows per table, in the order copied; each equal on both sides. */
  tables: { name: string; rows: number }[];
  /** What the audit check found in the target. */
  cases: number;
  events: number;
}

/** What a copy's stages report as they go: rows copied, then cases verified. */
export interface CopyProgress {
  onCopied?: (done: number, total: number) => void;
  onVerified?: (done: number, total: number) => void;
}

/** A copy that could not start (target in use, source unknown): nothing was written. */
export class CopyRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CopyRefusedError";
  }
}

/** The target, once filled, does not hold what the source does: nothing was committed. */
export class CopyMismatchError extends Error {
  constructor(message: string) {
    super(`${message}; nothing was copied (the target holds no rows)`);
    this.name = "CopyMismatchError";
  }
}

export async function copyStore(
  source: Store,
  target: Store,
  masterKey: Buffer,
  progress: CopyProgress = {},
): Promise<CopyResult> {
  // A wrong master key fails here, before the target is touched.
  await checkMasterKey(source, masterKey);
  await refuseUnlessEmpty(target);
  return inSnapshot(source, async (db) => {
    const migration = await migrationLevel(db);
    if (!Object.hasOwn(MIGRATIONS, migration)) {
      throw new CopyRefusedError(
        `the source database comes from a newer Embargo (its schema is at migration ${migration}, ` +
          "which this version does not know): copy it with that version or a later one",
      );
    }
    const tables = await describeTables(db, source.dialect);
    const counts = await countRows(db, tables);
    await migrateTo(target, migration);
    const targets = matchSchema(tables, await describeTables(target.db, target.dialect), migration);
    return target.transaction(async (trx) => {
      await copyTables(db, trx, tables, targets, counts, progress.onCopied);
      if (target.dialect === "postgres") {
        await resetSequences(trx);
        // Statistics of the new rows (ANALYZE sees the transaction's own), for the planner of the
        // audit check's thousands of queries below and of the installation's first hours.
        for (const table of tables) await sql`analyze ${sql.table(table.name)}`.execute(trx);
      }
      const audit = await verifyTarget({ ...target, db: trx }, masterKey, counts, progress.onVerified);
      // Counted after the audit check too, so that nothing it might have written goes unseen.
      const copied = await countRows(trx, tables);
      for (const table of tables) {
        const [expected, found] = [counts.get(table.name) ?? 0, copied.get(table.name) ?? 0];
        if (expected !== found) {
          throw new CopyMismatchError(
            `table ${table.name} holds ${found} rows in the target, ${expected} in the source`,
          );
        }
      }
      return {
        migration,
        tables: tables.map((table) => ({ name: table.name, rows: counts.get(table.name) ?? 0 })),
        cases: audit.cases,
        events: audit.events,
      };
    });
  });
}

/** Every source table into the target, page by page; `onCopied` hears rows done of all. */
async function copyTables(
  db: Kysely<DatabaseSchema>,
  trx: Transaction<DatabaseSchema>,
  tables: readonly TableInfo[],
  targets: ReadonlyMap<string, TableInfo>,
  counts: ReadonlyMap<string, number>,
  onCopied?: (done: number, total: number) => void,
): Promise<void> {
  const total = [...counts.values()].reduce((sum, rows) => sum + rows, 0);
  onCopied?.(0, total);
  let done = 0;
  for (const table of tables) {
    const rows = counts.get(table.name) ?? 0;
    const inserter = new TableInserter(
      trx,
      { name: table.name, columns: table.columns, rows },
      targets.get(table.name)!,
    );
    for await (const page of pages(db, table)) {
      for (const row of page) {
        await inserter.add(table.columns.map((column) => driverValue(row[column], table.name, column)));
      }
      done += page.length;
      onCopied?.(done, total);
    }
    await inserter.finish();
  }
}

/**
 * A value as one driver gave it, as the other takes it: bytes stay bytes (Buffer for both pg and
 * better-sqlite3); everything else is held to what a backup holds (text, a finite or safe integer
 * number, null), so a value neither engine should have stops the copy rather than changing.
 */
function driverValue(value: unknown, table: string, column: string): ColumnValue {
  if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value);
  return decodeValue(encodeValue(value, table, column));
}

/** The chains of the copied cases, read back from the target under the master key. */
async function verifyTarget(
  target: Store,
  masterKey: Buffer,
  counts: ReadonlyMap<string, number>,
  onVerified?: (done: number, total: number) => void,
): Promise<{ cases: number; events: number }> {
  // loadKeyring would make a first data key in a database without one: an installation that
  // never took a report has none, and nothing to verify.
  const result: AuditResult =
    counts.get("encryption_keys") === 0 && counts.get("cases") === 0
      ? { ok: true, cases: 0, events: 0 }
      : await verifyAuditChains(target, await loadKeyring(target, masterKey), onVerified);
  if (!result.ok) {
    throw new CopyMismatchError(
      `the copy's audit trail does not verify (case ${result.caseId}, event #${result.seq}: ${result.reason})`,
    );
  }
  return result;
}

/** Any row in any table (cases first) means the target is in use: a copy never mixes. */
async function refuseUnlessEmpty(target: Store): Promise<void> {
  const names = (await describeTables(target.db, target.dialect)).map((table) => table.name);
  names.sort((a, b) => Number(b === "cases") - Number(a === "cases"));
  for (const name of names) {
    const found = await sql`select 1 as one from ${sql.table(name)} limit 1`.execute(target.db);
    if (found.rows.length > 0) {
      throw new CopyRefusedError(
        `the target database is not empty (its ${name} table holds rows): copy only into a new, ` +
          "empty database or schema, so that nothing in it is overwritten or mixed; nothing was changed",
      );
    }
  }
}

/** The target's tables, now at the source's level, must be the source's. */
function matchSchema(
  tables: readonly TableInfo[],
  found: readonly TableInfo[],
  migration: string,
): Map<string, TableInfo> {
  const targets = new Map(found.map((table) => [table.name, table]));
  for (const table of tables) {
    const target = targets.get(table.name);
    const missing = table.columns.filter((column) => !target?.columns.includes(column));
    if (target === undefined || missing.length > 0) {
      throw new CopyRefusedError(
        `the source's table ${table.name} does not match Embargo's schema at ${migration}` +
          (target === undefined ? "" : ` (no column ${missing.join(", ")})`),
      );
    }
  }
  const extra = found.filter((table) => !tables.some((source) => source.name === table.name));
  if (extra.length > 0) {
    throw new CopyRefusedError(
      `the target database holds tables the source does not (${extra.map((table) => table.name).join(", ")}): ` +
        "copy into a new, empty database or schema",
    );
  }
  return targets;
}
