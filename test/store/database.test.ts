import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { createScratchPostgresDatabase, databases, POSTGRES_TEST_URL } from "../support/databases.js";

describe("openDatabase", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "embargo-db-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("opens a relative sqlite: path, creating its folder and a private file, with durable settings", async () => {
    // Relative to the working directory (no chdir: test workers may not allow it).
    const store = await openDatabase(`sqlite:${path.relative(process.cwd(), root)}/data/nested/embargo.db`);
    try {
      expect(store.dialect).toBe("sqlite");
      const file = path.join(root, "data/nested/embargo.db");
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const pragma = async (name: string) =>
        Object.values(
          (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(store.db)).rows[0] ?? {},
        )[0];
      expect(await pragma("journal_mode")).toBe("wal");
      expect(await pragma("synchronous")).toBe(2); // FULL
      expect(await pragma("foreign_keys")).toBe(1);
      expect(await pragma("busy_timeout")).toBe(10_000);
      expect(
        await store.transaction(async (trx) => (await sql<{ v: number }>`select 1 as v`.execute(trx)).rows),
      ).toEqual([{ v: 1 }]);
    } finally {
      await store.close();
    }
  });

  it("opens sqlite::memory: as a working in-memory database, not a file named :memory:", async () => {
    const store = await openDatabase("sqlite::memory:");
    try {
      expect(store.dialect).toBe("sqlite");
      // A written row reads back, inside and after a transaction.
      await sql`create table probe (v text not null)`.execute(store.db);
      await store.transaction(async (trx) => {
        await sql`insert into probe (v) values (${"kept"})`.execute(trx);
      });
      expect((await sql<{ v: string }>`select v from probe`.execute(store.db)).rows).toEqual([{ v: "kept" }]);
      const journal = await sql.raw<{ journal_mode: string }>("pragma journal_mode").execute(store.db);
      expect(journal.rows).toEqual([{ journal_mode: "memory" }]);
    } finally {
      await store.close();
    }
    await expect(stat(path.resolve(":memory:"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("rejects other URLs without echoing them", async () => {
    await expect(openDatabase("mysql://user:secret@host/db")).rejects.toThrow(
      'unsupported database URL "mysql:…": use sqlite:<path> or postgres://…',
    );
    await expect(
      openDatabase("postgres://postgres@127.0.0.1:5432/test", { schema: "Bad;Name" }),
    ).rejects.toThrow(/invalid PostgreSQL schema name/);
  });
});

describe.runIf(databases.some((database) => database.name === "postgres"))("a PostgreSQL store", () => {
  it("outlives an idle pooled connection that the server ends, and says so", async () => {
    const scratch = await createScratchPostgresDatabase();
    const failures: string[] = [];
    const store = await openDatabase(scratch.url, { onIdleError: (error) => failures.push(error.message) });
    try {
      const pid = async () =>
        (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db)).rows[0]?.pid;
      const before = await pid();
      // An administrator (or a restart) ends the idle connection: pg emits "error" on the pool.
      // Without a listener Node throws it, and the server process ends.
      const admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
      await admin.connect();
      try {
        await admin.query("select pg_terminate_backend($1)", [before]);
      } finally {
        await admin.end();
      }
      await vi.waitFor(() => expect(failures).toHaveLength(1));
      expect(failures[0]).toMatch(/terminat/i);
      // The next query gets a fresh connection.
      const after = await pid();
      expect(after).not.toBe(before);
    } finally {
      await store.close();
      await scratch.drop();
    }
  });

  it("runs no parallel query on any of its connections, the first one's first query included", async () => {
    const scratch = await createScratchPostgresDatabase();
    // The URL's own options (a schema, say) must not take the setting away.
    const url = new URL(scratch.url);
    url.searchParams.set("options", "-c search_path=public");
    const store = await openDatabase(url.toString(), { poolSize: 3 });
    try {
      const settings = await Promise.all(
        Array.from({ length: 3 }, async () =>
          store.transaction(async (trx) => {
            const row = (
              await sql<{
                workers: string;
              }>`select current_setting('max_parallel_workers_per_gather') as workers`.execute(trx)
            ).rows[0];
            // Hold the connection a moment, so the three use three connections.
            await sql`select pg_sleep(0.05)`.execute(trx);
            return row?.workers;
          }),
        ),
      );
      expect(settings).toEqual(["0", "0", "0"]);
    } finally {
      await store.close();
      await scratch.drop();
    }
  });
});
