import {
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
  NO_MIGRATIONS,
} from "kysely";
import type { Store } from "./database.js";
import { MIGRATIONS } from "./migrations/index.js";

/** Hands Kysely the in-code migrations, each bound to the store's dialect. */
class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly store: Store) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const dialect = this.store.dialect;
    return Object.fromEntries(
      Object.entries(MIGRATIONS).map(([name, module]) => [
        name,
        { up: (db) => module.up(db, dialect), down: (db) => module.down(db, dialect) } satisfies Migration,
      ]),
    );
  }
}

function migrator(store: Store): Migrator {
  return new Migrator({
    db: store.db,
    provider: new InCodeMigrationProvider(store),
    // Kysely looks for its bookkeeping table in every schema unless told which one: with several
    // Embargo schemas in one PostgreSQL database (tests, or search_path in the URL) it would find
    // another schema's table and skip creating its own. So always name the store's schema.
    // (It checks for that table through db.introspection, which on PostgreSQL the store limits to
    // its own schema, so that a schema dropped meanwhile by someone else cannot fail us: see
    // postgres-dialect.ts.)
    ...(store.schema === undefined ? {} : { migrationTableSchema: store.schema }),
  });
}

/** Names of the migrations that ran; throws (naming the migration) when one fails. */
function check({ error, results = [] }: MigrationResultSet): string[] {
  const failed = results.find((result) => result.status === "Error");
  if (error !== undefined) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed?.migrationName ?? "(setup)"} failed: ${message}`, { cause: error });
  }
  return results.filter((result) => result.status === "Success").map((result) => result.migrationName);
}

/** Brings the schema up to date (safe to run from several instances at once: Kysely locks). */
export async function migrate(store: Store): Promise<string[]> {
  return check(await migrator(store).migrateToLatest());
}

/** Migrates up (or down) to `name`: a restore brings an empty database to its backup's level first. */
export async function migrateTo(store: Store, name: string): Promise<string[]> {
  return check(await migrator(store).migrateTo(name));
}

/** Undoes the latest migration; returns its name, or nothing when none was applied. */
export async function migrateDown(store: Store): Promise<string | undefined> {
  return check(await migrator(store).migrateDown())[0];
}

/** Undoes every migration (tests; the CLI only offers one step at a time). */
export async function migrateDownAll(store: Store): Promise<string[]> {
  return check(await migrator(store).migrateTo(NO_MIGRATIONS));
}
