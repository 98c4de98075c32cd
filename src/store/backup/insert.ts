import { sql, type Transaction } from "kysely";
import type { DatabaseSchema } from "../schema.js";
import type { BackupTable, ColumnValue } from "./format.js";
import type { TableInfo } from "./tables.js";

/** Parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_PARAMETERS = 30_000;
const MAX_BATCH_ROWS = 200;
/** Bytes of values per statement, so a batch of attachments stays a few megabytes. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

interface DeferredReference {
  key: ColumnValue[];
  column: string;
  value: ColumnValue;
}

/**
 * Inserts one table's rows from a backup, in multi-row statements. Rows arrive in the backup's
 * order, tables after those they reference; a column referencing its own table
 * (cases.duplicate_of) is inserted empty and set once all the table's rows are in, since a case
 * may come before the case it duplicates.
 */
export class TableInserter {
  readonly #columns: string[];
  readonly #selfReferencing: number[];
  readonly #keyIndexes: number[];
  readonly #maxRows: number;
  #rows: ColumnValue[][] = [];
  #bytes = 0;
  #deferred: DeferredReference[] = [];

  constructor(
    private readonly trx: Transaction<DatabaseSchema>,
    private readonly table: BackupTable,
    target: TableInfo,
  ) {
    this.#columns = table.columns;
    this.#selfReferencing = target.selfReferencing.map((column) => table.columns.indexOf(column));
    this.#keyIndexes = target.primaryKey.map((column) => table.columns.indexOf(column));
    if (this.#selfReferencing.includes(-1) || this.#keyIndexes.includes(-1))
      throw new Error(`the backup's table ${table.name} lacks a key column of this schema`);
    this.#maxRows = Math.max(1, Math.min(MAX_BATCH_ROWS, Math.floor(MAX_PARAMETERS / this.#columns.length)));
  }

  async add(values: ColumnValue[]): Promise<void> {
    const row = [...values];
    for (const index of this.#selfReferencing) {
      const value = row[index] ?? null;
      if (value === null) continue;
      this.#deferred.push({
        key: this.#keyIndexes.map((keyIndex) => row[keyIndex] ?? null),
        column: this.#columns[index]!,
        value,
      });
      row[index] = null;
    }
    this.#rows.push(row);
    for (const value of row) this.#bytes += value === null ? 1 : typeof value === "number" ? 8 : value.length;
    if (this.#rows.length >= this.#maxRows || this.#bytes >= MAX_BATCH_BYTES) await this.#flush();
  }

  /** Writes what is left, then the deferred self-references. */
  async finish(): Promise<void> {
    await this.#flush();
    const name = sql.table(this.table.name);
    const keyColumns = this.#keyIndexes.map((index) => this.#columns[index]!);
    for (const { key, column, value } of this.#deferred) {
      const where = sql.join(
        keyColumns.map((keyColumn, i) => sql`${sql.ref(keyColumn)} = ${key[i]}`),
        sql` and `,
      );
      await sql`update ${name} set ${sql.ref(column)} = ${value} where ${where}`.execute(this.trx);
    }
    this.#deferred = [];
  }

  async #flush(): Promise<void> {
    if (this.#rows.length === 0) return;
    const columns = sql.join(this.#columns.map((column) => sql.ref(column)));
    const rows = sql.join(this.#rows.map((row) => sql`(${sql.join(row)})`));
    await sql`insert into ${sql.table(this.table.name)} (${columns}) values ${rows}`.execute(this.trx);
    this.#rows = [];
    this.#bytes = 0;
  }
}

/**
 * PostgreSQL: a column filled by a sequence (serial, identity) would hand out numbers the restored
 * rows already hold, so each sequence moves past its column's largest value. Embargo's own
 * tables have none today (ids are random, counters are rows); this keeps a restore right if one
 * comes.
 */
export async function resetSequences(trx: Transaction<DatabaseSchema>): Promise<void> {
  const result = await sql<{ table: string; column: string; sequence: string }>`
    select cl.relname as "table", a.attname as "column",
      pg_get_serial_sequence(quote_ident(cl.relname), a.attname) as sequence
    from pg_class cl
    join pg_namespace n on n.oid = cl.relnamespace
    join pg_attribute a on a.attrelid = cl.oid and a.attnum > 0 and not a.attisdropped
    where n.nspname = current_schema() and cl.relkind = 'r'
      and pg_get_serial_sequence(quote_ident(cl.relname), a.attname) is not null`.execute(trx);
  for (const row of result.rows) {
    await sql`select setval(${row.sequence}::regclass,
      coalesce((select max(${sql.ref(row.column)}) from ${sql.table(row.table)}), 0) + 1, false)`.execute(
      trx,
    );
  }
}
