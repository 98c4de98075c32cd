import { performance } from "node:perf_hooks";
import { type Kysely, sql } from "kysely";
import type { Store } from "../src/store/database.js";
import type { DatabaseSchema } from "../src/store/schema.js";

/**
 * The PostgreSQL bulk load of bench/inbox.ts (issue 17): 1,000,000 cases inserted row batch by
 * row batch, with every secondary index maintained on every insert, took far too long on a 2-core
 * machine. Here the seeded tables' secondary indexes are dropped, the rows go in as a few large
 * `insert … select from unnest(<one array per column>)` statements (one bound parameter per
 * column, whatever the row count; pg has no COPY without another dependency), and the indexes are
 * then built again from their saved definitions, each in one sort. Primary keys, unique indexes,
 * foreign keys and checks stay in place throughout, so the data is checked as it goes in. The
 * schema must end up as the migrations define it: the index definitions are compared before and
 * after, and the load fails if they differ.
 */

/** The tables the inbox bench fills. */
export const SEEDED_TABLES = ["cases", "case_title_terms", "case_tags"] as const;
type SeededTable = (typeof SEEDED_TABLES)[number];

/** A batch of rows per table; every row of a table has the same keys, its columns. */
export type SeedRows = { [T in SeededTable]: readonly object[] };

interface IndexDefinition {
  name: string;
  table: string;
  definition: string;
}

type Db = Kysely<DatabaseSchema>;

/** Every index of the seeded tables in `schema`, sorted by name, with its exact definition. */
async function indexDefinitions(db: Db, schema: string): Promise<IndexDefinition[]> {
  const { rows } = await sql<IndexDefinition>`
    select indexname as name, tablename as table, indexdef as definition from pg_indexes
    where schemaname = ${schema} and tablename in (${sql.join([...SEEDED_TABLES])})
    order by indexname`.execute(db);
  return rows;
}

/**
 * The indexes that can go for the load: not unique (so no primary key, unique constraint or
 * unique index) and backing no constraint (an exclusion constraint would).
 */
async function droppableIndexes(db: Db, schema: string): Promise<IndexDefinition[]> {
  const { rows } = await sql<IndexDefinition>`
    select i.indexname as name, i.tablename as table, i.indexdef as definition
    from pg_indexes i
    join pg_class c on c.relname = i.indexname
    join pg_namespace n on n.oid = c.relnamespace and n.nspname = i.schemaname
    join pg_index x on x.indexrelid = c.oid
    where i.schemaname = ${schema} and i.tablename in (${sql.join([...SEEDED_TABLES])})
      and not x.indisunique
      and not exists (select 1 from pg_constraint k where k.conindid = c.oid)
    order by i.indexname`.execute(db);
  return rows;
}

/** The column types an unnest array may be cast to (the seeded tables use only these). */
const ARRAY_TYPES = new Set(["text", "integer", "bigint", "double precision", "boolean"]);

/** Each column of `table` with its type, as the `::type[]` casts of the unnest need them. */
async function columnTypes(db: Db, schema: string, table: SeededTable): Promise<Map<string, string>> {
  const { rows } = await sql<{ column: string; type: string }>`
    select a.attname as column, format_type(a.atttypid, a.atttypmod) as type
    from pg_attribute a join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schema} and c.relname = ${table} and a.attnum > 0 and not a.attisdropped`.execute(db);
  return new Map(rows.map((row) => [row.column, row.type]));
}

/** One statement for any number of rows: `insert into t (a, b) select * from unnest($1::text[], $2::integer[])`. */
async function insertUnnest(
  db: Db,
  table: SeededTable,
  types: Map<string, string>,
  rows: readonly object[],
): Promise<void> {
  const first = rows[0];
  if (first === undefined) return;
  const columns = Object.keys(first);
  const arrays = columns.map((column) => {
    const type = types.get(column);
    if (type === undefined) throw new Error(`seeding ${table}: no column "${column}" in the schema`);
    if (!ARRAY_TYPES.has(type)) throw new Error(`seeding ${table}.${column}: unexpected type ${type}`);
    const values = rows.map((row) => {
      const value = (row as Readonly<Record<string, unknown>>)[column];
      return value === undefined ? null : value;
    });
    return sql`${values}::${sql.raw(type)}[]`;
  });
  await sql`insert into ${sql.table(table)} (${sql.join(columns.map((column) => sql.id(column)))})
    select * from unnest(${sql.join(arrays)})`.execute(db);
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

/**
 * Loads `total` cases made by `generate` (at most `batch` per call) into the store's schema with
 * the seeded tables' secondary indexes dropped, then builds those indexes again. Prints the
 * seeding and index times apart. Each batch is generated while the previous one is inserted.
 */
export async function seedPostgres(
  store: Store,
  total: number,
  batch: number,
  generate: (count: number) => SeedRows,
): Promise<void> {
  const schema = store.schema;
  if (store.dialect !== "postgres" || schema === undefined) {
    throw new Error("seedPostgres: a PostgreSQL store");
  }
  // One pinned connection: the session settings below must hold for every statement of the load.
  await store.db.connection().execute(async (db) => {
    const before = await indexDefinitions(db, schema);
    const dropped = await droppableIndexes(db, schema);
    const types = new Map<SeededTable, Map<string, string>>();
    for (const table of SEEDED_TABLES) types.set(table, await columnTypes(db, schema, table));
    const typesOf = (table: SeededTable) => types.get(table) ?? new Map<string, string>();

    // Setup data, not what is measured: losing the last commits in a crash would not matter.
    await sql`set synchronous_commit = off`.execute(db);
    for (const index of dropped) await sql`drop index ${sql.id(schema, index.name)}`.execute(db);
    console.log(
      `  dropped ${dropped.length} secondary indexes for the load: ${dropped.map((i) => i.name).join(", ")}`,
    );

    let loadError: unknown;
    // Time spent making the rows in this process (the rest of the seeding waits for PostgreSQL).
    let generating = 0;
    const started = performance.now();
    try {
      let pending: Promise<void> | undefined;
      for (let done = 0; done < total; ) {
        const making = performance.now();
        const rows = generate(Math.min(batch, total - done));
        generating += performance.now() - making;
        if (rows.cases.length === 0) throw new Error("seeding: the generator made no cases");
        done += rows.cases.length;
        await pending;
        // Not awaited: the next batch is generated (CPU in this process) while PostgreSQL inserts.
        pending = (async () => {
          for (const table of SEEDED_TABLES) await insertUnnest(db, table, typesOf(table), rows[table]);
        })();
        // Its error, if any, surfaces at the next `await pending`; until then it is not unhandled.
        pending.catch(() => undefined);
        process.stdout.write(`\r  inserted ${done} cases`);
      }
      await pending;
      const elapsed = (performance.now() - started) / 1000;
      const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
      process.stdout.write(
        `\r  seeding: inserted ${total} cases in ${elapsed.toFixed(1)} s (${Math.round(total / elapsed)}/s; bench RSS ${rss} MB)\n`,
      );
      console.log(
        `    of which generating the rows (encrypting, hashing) ${(generating / 1000).toFixed(1)} s`,
      );
    } catch (error) {
      loadError = error;
    }

    // The indexes come back even when the load failed, so a kept schema is never left without them.
    // A larger sort memory for the builds (session only; the server default is 64 MB).
    const indexing = performance.now();
    await sql`set maintenance_work_mem = '512MB'`.execute(db);
    for (const index of dropped) {
      const one = performance.now();
      await sql.raw(index.definition).execute(db);
      console.log(`    ${index.name} in ${seconds(one)} s`);
    }
    await sql`reset maintenance_work_mem`.execute(db);
    await sql`reset synchronous_commit`.execute(db);
    console.log(`  indexes: rebuilt ${dropped.length} in ${seconds(indexing)} s`);

    const after = await indexDefinitions(db, schema);
    const describe = (list: readonly IndexDefinition[]) => list.map((index) => index.definition).join("\n");
    if (describe(before) !== describe(after)) {
      throw new Error(
        `seeding left the indexes of ${SEEDED_TABLES.join(", ")} different from the migrations':\n` +
          `before:\n${describe(before)}\nafter:\n${describe(after)}`,
      );
    }
    console.log(`  index definitions checked: the same ${after.length} as before the load`);
    if (loadError !== undefined) throw loadError;
  });
}
