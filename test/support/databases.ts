import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { openDatabase, type Store } from "../../src/store/database.js";

/**
 * The databases every store test runs against. SQLite: a file in a fresh temporary folder (a
 * file, not :memory:, so tests can read what reaches the disk). PostgreSQL: a fresh random
 * schema per store in EMBARGO_TEST_DATABASE_URL, dropped on close. When PostgreSQL cannot be
 * reached, CI fails the run; elsewhere its tests are left out with a warning.
 */
export interface TestDatabase {
  name: "sqlite" | "postgres";
  open(): Promise<TestStore>;
}

/** A store plus what tests need to look underneath it. */
export type TestStore = Store & {
  /** The SQLite file, or the PostgreSQL schema. */
  location: string;
  /** A second, independent store on the same database (another app instance). */
  reopen(): Promise<Store>;
};

export const POSTGRES_TEST_URL =
  process.env.EMBARGO_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const sqlite: TestDatabase = {
  name: "sqlite",
  async open() {
    const dir = await mkdtemp(path.join(tmpdir(), "embargo-store-"));
    const file = path.join(dir, "embargo.db");
    const store = await openDatabase(`sqlite:${file}`);
    return {
      ...store,
      location: file,
      reopen: () => openDatabase(`sqlite:${file}`),
      close: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: TestDatabase = {
  name: "postgres",
  async open() {
    const schema = `embargo_test_${randomBytes(6).toString("hex")}`;
    const store = await openDatabase(POSTGRES_TEST_URL, { schema, poolSize: 4 });
    return {
      ...store,
      location: schema,
      reopen: () => openDatabase(POSTGRES_TEST_URL, { schema, poolSize: 4 }),
      close: async () => {
        await store.close();
        await withClient((client) =>
          client.query(`drop schema if exists ${client.escapeIdentifier(schema)} cascade`),
        );
      },
    };
  },
};

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function postgresReachable(): Promise<boolean> {
  try {
    await withClient((client) => client.query("select 1"));
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI === "true") {
      throw new Error(
        `PostgreSQL at ${POSTGRES_TEST_URL} is unreachable (${reason}); CI runs every store test on it`,
      );
    }
    console.warn(
      `PostgreSQL at ${POSTGRES_TEST_URL} is unreachable (${reason}): its store tests are skipped`,
    );
    return false;
  }
}

export const databases: TestDatabase[] = (await postgresReachable()) ? [sqlite, postgres] : [sqlite];

/**
 * A fresh, empty PostgreSQL database for a test that runs Embargo as a separate process (which
 * takes only a URL); dropped by the returned function.
 */
export async function createScratchPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `embargo_scratch_${randomBytes(6).toString("hex")}`;
  await withClient((client) => client.query(`create database ${client.escapeIdentifier(name)}`));
  const url = new URL(POSTGRES_TEST_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withClient((client) =>
        client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`),
      ).then(() => undefined),
  };
}
