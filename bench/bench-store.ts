import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { openDatabase, type Store } from "../src/store/database.js";

/**
 * A database for a benchmark: a temporary SQLite file, or a fresh schema in
 * EMBARGO_BENCH_DATABASE_URL (default: the test database) dropped afterwards. `keep` names a
 * SQLite file (or, with PostgreSQL, a schema) to keep and reuse.
 */
export async function openBenchStore(
  postgres: boolean,
  keep: string | undefined,
): Promise<{ store: Store; dispose(): Promise<void> }> {
  if (!postgres && keep !== undefined) {
    const store = await openDatabase(`sqlite:${keep}`);
    return { store, dispose: () => store.close() };
  }
  if (!postgres) {
    const dir = await mkdtemp(path.join(tmpdir(), "embargo-bench-"));
    const store = await openDatabase(`sqlite:${path.join(dir, "embargo.db")}`);
    return {
      store,
      dispose: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const url =
    process.env.EMBARGO_BENCH_DATABASE_URL ??
    process.env.EMBARGO_TEST_DATABASE_URL ??
    "postgres://postgres@127.0.0.1:5432/test";
  if (keep !== undefined) {
    const store = await openDatabase(url, { schema: keep, poolSize: 4 });
    return { store, dispose: () => store.close() };
  }
  const schema = `embargo_bench_${randomBytes(6).toString("hex")}`;
  const store = await openDatabase(url, { schema, poolSize: 4 });
  return {
    store,
    dispose: async () => {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db);
      await store.close();
    },
  };
}
