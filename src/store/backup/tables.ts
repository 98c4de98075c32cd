import { type Kysely, sql } from "kysely";
import type { DialectName } from "../database.js";
import type { DatabaseSchema } from "../schema.js";

/**
 * Embargo's tables as the database itself describes them, so a backup holds every table the
 * migrations made (one added tomorrow too) without a list to keep up to date. Kysely's own
 * bookkeeping (kysely_migration, kysely_migration_lock) is left out: a backup records the
 * migration level instead, and a restore runs the migrations up to it.
 */
export interface TableInfo {
  name: string;
  /** In the table's own order. */
  columns: string[];
  primaryKey: string[];
  /** Columns holding bytes (SQLite BLOB, PostgreSQL bytea): read in smaller pages. */
  binary: boolean;
  /** The tables this one's foreign keys point to (itself included, e.g. cases.duplicate_of). */
  references: string[];
  /** Columns referencing the table itself: a restore fills them in once all its rows are in. */
  selfReferencing: string[];
}

export const MIGRATION_TABLE = "kysely_migration";
const BOOKKEEPING = /^kysely_/;

interface ColumnRow {
  table: string;
  column: string;
  type: string;
  pk: number;
}
interface ForeignKeyRow {
  table: string;
  column: string;
  target: string;
}

/** Every Embargo table, referenced tables before the tables referencing them. */
export async function describeTables(db: Kysely<DatabaseSchema>, dialect: DialectName): Promise<TableInfo[]> {
  const [columns, foreignKeys] = dialect === "sqlite" ? await sqliteCatalog(db) : await postgresCatalog(db);
  const tables = new Map<string, TableInfo>();
  for (const row of columns) {
    if (BOOKKEEPING.test(row.table)) continue;
    let table = tables.get(row.table);
    if (table === undefined) {
      table = {
        name: row.table,
        columns: [],
        primaryKey: [],
        binary: false,
        references: [],
        selfReferencing: [],
      };
      tables.set(row.table, table);
    }
    table.columns.push(row.column);
    if (row.pk > 0) table.primaryKey[row.pk - 1] = row.column;
    if (/^(blob|bytea)$/i.test(row.type)) table.binary = true;
  }
  for (const key of foreignKeys) {
    const table = tables.get(key.table);
    if (table === undefined) continue;
    if (!table.references.includes(key.target)) table.references.push(key.target);
    if (key.target === key.table && !table.selfReferencing.includes(key.column))
      table.selfReferencing.push(key.column);
  }
  return dependencyOrder([...tables.values()]);
}

/** Sorted so each table follows those it references (by name among equals, for stable files). */
export function dependencyOrder(tables: readonly TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((table) => [table.name, table]));
  const ordered: TableInfo[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const visit = (table: TableInfo): void => {
    if (placed.has(table.name)) return;
    if (visiting.has(table.name)) throw new Error(`tables reference each other in a cycle (${table.name})`);
    visiting.add(table.name);
    for (const name of [...table.references].sort()) {
      const target = byName.get(name);
      if (target !== undefined && name !== table.name) visit(target);
    }
    visiting.delete(table.name);
    placed.add(table.name);
    ordered.push(table);
  };
  for (const table of [...tables].sort((a, b) => a.name.localeCompare(b.name))) visit(table);
  return ordered;
}

async function sqliteCatalog(db: Kysely<DatabaseSchema>): Promise<[ColumnRow[], ForeignKeyRow[]]> {
  const columns = await sql<ColumnRow>`
    select m.name as "table", c.name as "column", c.type as type, c.pk as pk
    from sqlite_master m join pragma_table_info(m.name) c
    where m.type = 'table' and m.name not like 'sqlite_%'
    order by m.name, c.cid`.execute(db);
  const foreignKeys = await sql<ForeignKeyRow>`
    select m.name as "table", f."from" as "column", f."table" as target
    from sqlite_master m join pragma_foreign_key_list(m.name) f
    where m.type = 'table' and m.name not like 'sqlite_%'`.execute(db);
  return [columns.rows, foreignKeys.rows];
}

/** The store's schema only (the connection's current schema), as the store itself works. */
async function postgresCatalog(db: Kysely<DatabaseSchema>): Promise<[ColumnRow[], ForeignKeyRow[]]> {
  const columns = await sql<ColumnRow>`
    select cl.relname as "table", a.attname as "column", format_type(a.atttypid, a.atttypmod) as type,
      coalesce(array_position(pk.conkey, a.attnum), 0)::int as pk
    from pg_class cl
    join pg_namespace n on n.oid = cl.relnamespace
    join pg_attribute a on a.attrelid = cl.oid and a.attnum > 0 and not a.attisdropped
    left join pg_constraint pk on pk.conrelid = cl.oid and pk.contype = 'p'
    where n.nspname = current_schema() and cl.relkind = 'r'
    order by cl.relname, a.attnum`.execute(db);
  const foreignKeys = await sql<ForeignKeyRow>`
    select cl.relname as "table", a.attname as "column", target.relname as target
    from pg_constraint con
    join pg_class cl on cl.oid = con.conrelid
    join pg_namespace n on n.oid = cl.relnamespace
    join pg_class target on target.oid = con.confrelid
    join pg_attribute a on a.attrelid = con.conrelid and a.attnum = any (con.conkey)
    where n.nspname = current_schema() and con.contype = 'f'`.execute(db);
  return [columns.rows, foreignKeys.rows];
}

/** Each table's row count. */
export async function countRows(
  db: Kysely<DatabaseSchema>,
  tables: readonly TableInfo[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const table of tables) {
    const result = await sql<{
      n: number | string;
    }>`select count(*) as n from ${sql.table(table.name)}`.execute(db);
    // PostgreSQL's count is a bigint, which pg hands over as a string.
    counts.set(table.name, Number(result.rows[0]?.n ?? 0));
  }
  return counts;
}
