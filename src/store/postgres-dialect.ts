import {
  type ColumnMetadata,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  DEFAULT_MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_TABLE,
  type Kysely,
  PostgresDialect,
  PostgresIntrospector,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from "kysely";

/**
 * Kysely's PostgreSQL introspector lists the tables of every schema in the database, calling
 * catalog functions (has_schema_privilege, pg_get_serial_sequence, col_description) on each
 * relation it meets. Its Migrator uses that list to see whether its own bookkeeping tables
 * exist, so when any other session drops a schema during that query (parallel test processes
 * dropping their schema; an operator dropping an unrelated schema while Embargo starts) the
 * functions meet a vanished schema or relation and the migration fails: `schema "…" does not
 * exist`, `could not open relation with OID …`. A store works in one schema, so this
 * introspector lists that schema's tables only and never touches anyone else's.
 */
class WorkSchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<object>;

  constructor(db: Kysely<object>) {
    this.#db = db;
  }

  /** Kysely's own: a plain read of pg_namespace, with no function applied to other schemas. */
  getSchemas(): Promise<SchemaMetadata[]> {
    return new PostgresIntrospector(this.#db).getSchemas();
  }

  /**
   * The tables and views of the connection's current schema: the store's schema, which
   * openDatabase reads the same way (`select current_schema()`) and the Migrator is given as
   * `migrationTableSchema`. Same columns, order and metadata as Kysely's query, plus the schema
   * filter (planned onto the pg_namespace scan, so other schemas' rows are dropped before any
   * function runs); has_schema_privilege is left out as it would be called per schema: the store
   * needs USAGE on its own schema anyway.
   */
  async getTables(
    options: DatabaseMetadataOptions = { withInternalKyselyTables: false },
  ): Promise<TableMetadata[]> {
    const skipKyselyTables = options.withInternalKyselyTables
      ? sql``
      : sql`and c.relname not in (${DEFAULT_MIGRATION_TABLE}, ${DEFAULT_MIGRATION_LOCK_TABLE})`;
    const { rows } = await sql<CatalogColumn>`
      select a.attname as column, a.attnotnull as not_null, a.atthasdef as has_default,
        c.relname as table, c.relkind as table_type, ns.nspname as schema,
        typ.typname as type, dtns.nspname as type_schema,
        col_description(a.attrelid, a.attnum) as column_description,
        pg_get_serial_sequence(quote_ident(ns.nspname) || '.' || quote_ident(c.relname), a.attname)
          as auto_incrementing
      from pg_catalog.pg_attribute as a
        join pg_catalog.pg_class as c on a.attrelid = c.oid
        join pg_catalog.pg_namespace as ns on c.relnamespace = ns.oid
        join pg_catalog.pg_type as typ on a.atttypid = typ.oid
        join pg_catalog.pg_namespace as dtns on typ.typnamespace = dtns.oid
      where ns.nspname = current_schema()
        and c.relkind in ('r', 'v', 'p')
        and a.attnum >= 0
        and not a.attisdropped
        ${skipKyselyTables}
      order by c.relname, a.attnum
    `.execute(this.#db);
    return tablesOf(rows);
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}

interface CatalogColumn {
  column: string;
  not_null: boolean;
  has_default: boolean;
  table: string;
  table_type: string;
  schema: string;
  type: string;
  type_schema: string;
  column_description: string | null;
  auto_incrementing: string | null;
}

/** Groups the column rows (ordered by table) into tables, as Kysely's introspector does. */
function tablesOf(rows: CatalogColumn[]): TableMetadata[] {
  const tables = new Map<string, { table: TableMetadata; columns: ColumnMetadata[] }>();
  for (const row of rows) {
    let entry = tables.get(row.table);
    if (entry === undefined) {
      const columns: ColumnMetadata[] = [];
      const table = { name: row.table, isView: row.table_type === "v", schema: row.schema, columns };
      entry = { table, columns };
      tables.set(row.table, entry);
    }
    entry.columns.push({
      name: row.column,
      dataType: row.type,
      dataTypeSchema: row.type_schema,
      isAutoIncrementing: row.auto_incrementing !== null,
      isNullable: !row.not_null,
      hasDefaultValue: row.has_default,
      ...(row.column_description === null ? {} : { comment: row.column_description }),
    });
  }
  return [...tables.values()].map((entry) => entry.table);
}

/** Kysely's PostgreSQL dialect, introspecting only the store's schema (see above). */
export class WorkSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<object>): DatabaseIntrospector {
    return new WorkSchemaIntrospector(db);
  }
}
