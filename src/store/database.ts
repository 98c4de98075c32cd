import { closeSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, sql, type Transaction } from "kysely";
import pg from "pg";
import { type CommitWays, GroupCommit } from "./group-commit.js";
import { WorkSchemaPostgresDialect } from "./postgres-dialect.js";
import type { DatabaseSchema } from "./schema.js";
import { ImmediateSqliteDialect } from "./sqlite-dialect.js";
import { withStatementCache } from "./sqlite-statements.js";
import { type WalSync, walSyncer } from "./wal-sync.js";

export type DialectName = "sqlite" | "postgres";

/** An open database: one Kysely instance, whichever engine is behind it. */
export interface Store {
  readonly db: Kysely<DatabaseSchema>;
  readonly dialect: DialectName;
  /** PostgreSQL: the schema the store works in (given, or the connection's current schema); migrations keep their table there. */
  readonly schema: string | undefined;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (trx: Transaction<DatabaseSchema>) => Promise<T>): Promise<T>;
  /**
   * Like `transaction`, for hot single writes (taking a report): on SQLite, concurrent calls
   * share one commit (src/store/group-commit.ts); it resolves only once the write is durable.
   */
  durableWrite<T>(fn: (trx: Transaction<DatabaseSchema>) => Promise<T>): Promise<T>;
  /**
   * Like `durableWrite`, for writes whose loss in a power cut or an operating-system crash is
   * harmless (never in a process crash: the write has reached the operating system): a limit's
   * count, a delivery's lease or its sent mark, which a lost mark turns into a resend with the
   * same idempotency key. Other transactions see it at once; only the wait for the disk is
   * skipped. SQLite: a group commit holding only such writes commits with `synchronous = NORMAL`
   * (no fsync; the next durable commit or checkpoint syncs it), one holding any durable write
   * commits as usual. PostgreSQL: its transaction commits with `synchronous_commit = off`.
   */
  relaxedWrite<T>(fn: (trx: Transaction<DatabaseSchema>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL only: the schema to work in (created if missing); used to isolate tests. */
  schema?: string;
  /** PostgreSQL only: the most connections the pool opens (default 10). */
  poolSize?: number;
  /** PostgreSQL only: told when an idle pooled connection fails (the pool drops it and goes on). */
  onIdleError?: (error: Error) => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** How long a SQLite writer waits for another process's lock before giving up. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** Opens `sqlite:<path>` (relative to the working directory; `sqlite::memory:`) or `postgres://…`. */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Store> {
  if (url.startsWith("sqlite:")) return openSqlite(url.slice("sqlite:".length));
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return openPostgres(url, options);
  // Only the scheme is echoed: the rest of a URL may hold a password.
  const scheme = url.includes(":") ? `${url.slice(0, url.indexOf(":"))}:` : url.slice(0, 20);
  throw new Error(`unsupported database URL "${scheme}…": use sqlite:<path> or postgres://…`);
}

function openSqlite(file: string): Store {
  const inMemory = file === ":memory:" || file === "";
  if (!inMemory) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
    // Content is encrypted, but metadata (programs, dates, states) is not: create the file private
    // (an empty file is an empty database). SQLite gives -wal and -shm the same permissions.
    closeSync(openSync(file, "a", 0o600));
  }
  const database = new Database(inMemory ? ":memory:" : file);
  database.pragma("journal_mode = WAL");
  // FULL: fsync the WAL at every commit. Under NORMAL a power cut can lose the last commits, and
  // a report we acknowledged to its sender (201, case link shown) must not vanish afterwards.
  database.pragma("synchronous = FULL");
  database.pragma("foreign_keys = ON");
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  const db = new Kysely<DatabaseSchema>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(database) }),
  });
  // An in-memory database has no log to sync (and nothing to lose to a power cut).
  return makeStore(db, "sqlite", undefined, inMemory ? undefined : walSyncer(path.resolve(file)));
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<Store> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name "${schema}" (lower-case letters, digits, _)`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // Set per connection by the server at startup, so every pooled connection uses the schema.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // No parallel query on Embargo's connections. Embargo's queries are short index walks that stop
  // after a page; a parallel plan starts worker processes before its first row, which on a small
  // server costs more than the whole serial walk (the inbox at 1,000,000 cases on 2 cores:
  // 250–335 ms with workers, 22–26 ms without). Sent on connect, ahead of any query on the new
  // connection; not as a connection option, which a URL's own `options` would replace.
  pool.on("connect", (client) => {
    client.query("set max_parallel_workers_per_gather = 0").catch(() => undefined);
  });
  // A pooled connection that sits idle can still fail: PostgreSQL restarted, an administrator
  // ended the backend, a firewall dropped it. pg removes that client from the pool and emits
  // "error" on the pool; with no listener Node would throw it and end the whole server. The next
  // query opens a fresh connection, so there is nothing to do but let it go. The message is
  // about the connection, never about a case.
  pool.on("error", (error: Error) => options.onIdleError?.(error));
  // Introspects (as migrations do) only the store's schema, so that other schemas dropped
  // meanwhile in the same database cannot fail it: see postgres-dialect.ts.
  const db = new Kysely<DatabaseSchema>({ dialect: new WorkSchemaPostgresDialect({ pool }) });
  try {
    if (schema !== undefined) await db.schema.createSchema(schema).ifNotExists().execute();
    // Also checks the connection at start, failing with the driver's message rather than at the
    // first report. The schema is needed by migrations: see migrate.ts.
    const current = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    const workSchema = current.rows[0]?.schema ?? undefined;
    if (workSchema === undefined) throw new Error("PostgreSQL: no schema to work in (check search_path)");
    return makeStore(db, "postgres", workSchema);
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

type Work<T> = (trx: Transaction<DatabaseSchema>) => Promise<T>;

function makeStore(
  db: Kysely<DatabaseSchema>,
  dialect: DialectName,
  schema: string | undefined,
  walSync?: WalSync,
): Store {
  const transaction = <T>(fn: Work<T>) => db.transaction().execute(fn);
  const relaxed = dialect === "sqlite" ? sqliteRelaxedTransaction(db) : postgresRelaxedTransaction(db);
  // SQLite: group commits sync the WAL off the event loop (src/store/wal-sync.ts).
  const ways: CommitWays = {
    durable: transaction,
    relaxed,
    ...(walSync === undefined ? {} : { sync: walSync }),
  };
  const group = dialect === "sqlite" ? new GroupCommit(ways) : undefined;
  return {
    db,
    dialect,
    schema,
    transaction,
    durableWrite: (fn) => (group === undefined ? transaction(fn) : group.run(fn)),
    relaxedWrite: (fn) => (group === undefined ? relaxed(fn) : group.run(fn, { durable: false })),
    close: async () => {
      await db.destroy();
      await walSync?.close();
    },
  };
}

/**
 * A SQLite transaction that commits without an fsync. `synchronous` belongs to the connection,
 * so it is lowered and restored while this holds the one connection: no other transaction can
 * commit in between with the lower setting. NORMAL, not OFF: under OFF a checkpoint would skip
 * its own syncs too and could lose earlier, durable commits.
 */
function sqliteRelaxedTransaction(db: Kysely<DatabaseSchema>) {
  return <T>(fn: Work<T>): Promise<T> =>
    db.connection().execute(async (connection) => {
      await sql`pragma synchronous = NORMAL`.execute(connection);
      try {
        return await connection.transaction().execute(fn);
      } finally {
        await sql`pragma synchronous = FULL`.execute(connection);
      }
    });
}

/** A PostgreSQL transaction whose commit does not wait for its WAL to reach the disk. */
function postgresRelaxedTransaction(db: Kysely<DatabaseSchema>) {
  return <T>(fn: Work<T>): Promise<T> =>
    db.transaction().execute(async (trx) => {
      await sql`set local synchronous_commit = off`.execute(trx);
      return fn(trx);
    });
}
