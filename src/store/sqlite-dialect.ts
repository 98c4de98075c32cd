import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";

/**
 * Kysely's SQLite dialect assumes one process owns the file. Embargo's server and its CLI
 * (`embargo migrate`, `embargo keys rotate`) can run side by side, so two changes:
 *
 * 1. Transactions start with `BEGIN IMMEDIATE`, not a deferred `BEGIN`. A deferred transaction
 *    takes the write lock at its first write; if another process holds it, SQLite fails at once
 *    with SQLITE_BUSY instead of honouring busy_timeout (waiting could deadlock). IMMEDIATE
 *    takes the lock up front, where busy_timeout applies, so writers queue instead of failing.
 * 2. Migrations run in a transaction. SQLite's DDL is transactional, but Kysely's adapter says
 *    otherwise and its migration lock is a no-op, so two processes migrating at once both ran
 *    the same migration ("table already exists"). In an IMMEDIATE transaction the second waits,
 *    then finds the work done; a failing migration also leaves no half-made schema.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
