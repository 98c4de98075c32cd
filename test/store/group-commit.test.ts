import { type FileHandle, open } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql, type Transaction } from "kysely";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { migrate } from "../../src/store/migrate.js";
import type { DatabaseSchema } from "../../src/store/schema.js";
import { databases, type TestStore } from "../support/databases.js";

/** node:fs/promises' FileHandle class is not exported: its prototype, from a handle. */
async function fileHandlePrototype(): Promise<FileHandle> {
  const handle = await open(path.join(tmpdir(), "."), "r");
  try {
    return Object.getPrototypeOf(handle) as FileHandle;
  } finally {
    await handle.close();
  }
}
const realDatasync = (await fileHandlePrototype()).datasync;

/**
 * Writes that arrive together share one commit on SQLite; each still succeeds or fails alone,
 * and none is reported done before the commit that makes it durable.
 */
describe.each(databases)("durable writes on $name", (database) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await database.open();
    await migrate(store);
  });
  afterEach(async () => {
    await store.close();
  });

  const key = (id: string) => ({
    id,
    wrapped_key: `w-${id}`,
    created_at: new Date().toISOString(),
    retired_at: null,
  });

  it("commits many concurrent writes, failing only the one that breaks", async () => {
    const writes = Array.from({ length: 40 }, (_, i) =>
      store.durableWrite(async (trx) => {
        await trx
          .insertInto("encryption_keys")
          .values(key(`g${i}`))
          .execute();
        // The 7th write inserts a duplicate primary key: it alone must fail.
        if (i === 7) await trx.insertInto("encryption_keys").values(key("g0")).execute();
        return i;
      }),
    );
    const results = await Promise.allSettled(writes);
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
    expect(results[7]?.status).toBe("rejected");
    const rows = await store.db
      .selectFrom("encryption_keys")
      .select("id")
      .where("id", "like", "g%")
      .execute();
    expect(rows.map((r) => r.id).sort()).toEqual(
      Array.from({ length: 40 }, (_, i) => `g${i}`)
        .filter((id) => id !== "g7")
        .sort(),
    );
  });

  it("resolves a write only after it is visible to a fresh connection", async () => {
    await store.durableWrite((trx) => trx.insertInto("encryption_keys").values(key("seen")).execute());
    const other = await store.reopen();
    try {
      const row = await other.db
        .selectFrom("encryption_keys")
        .select("id")
        .where("id", "=", "seen")
        .executeTakeFirst();
      expect(row?.id).toBe("seen");
    } finally {
      await other.close();
    }
  });

  /**
   * Whether the transaction `trx` belongs to commits with a wait for the disk: SQLite's
   * `synchronous` (2 = FULL, 1 = NORMAL), PostgreSQL's `synchronous_commit`.
   */
  async function waitsForDisk(trx: Transaction<DatabaseSchema>): Promise<boolean> {
    if (store.dialect === "sqlite") {
      const result = await sql<{ synchronous: number }>`pragma synchronous`.execute(trx);
      return result.rows[0]?.synchronous === 2;
    }
    const result = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(trx);
    return result.rows[0]?.synchronous_commit === "on";
  }

  it("commits relaxed writes without the wait for the disk, and only them", async () => {
    // Alone (several at once share one commit on SQLite): no wait.
    const alone = await Promise.all([
      store.relaxedWrite(async (trx) => {
        await trx.insertInto("encryption_keys").values(key("r1")).execute();
        return waitsForDisk(trx);
      }),
      store.relaxedWrite((trx) => waitsForDisk(trx)),
    ]);
    expect(alone).toEqual([false, false]);
    // A durable write is never committed without the wait, whatever shares its commit.
    const mixed = await Promise.all([
      store.relaxedWrite((trx) => waitsForDisk(trx)),
      store.durableWrite((trx) => waitsForDisk(trx)),
    ]);
    // On SQLite the wait is the WAL's fdatasync after the commit (the test below), not FULL.
    if (store.dialect === "postgres") expect(mixed[1]).toBe(true);
    // The setting is back for every other transaction.
    expect(await store.transaction((trx) => waitsForDisk(trx))).toBe(true);
    // And a relaxed write is seen at once by another connection.
    const other = await store.reopen();
    try {
      const row = await other.db
        .selectFrom("encryption_keys")
        .select("id")
        .where("id", "=", "r1")
        .executeTakeFirst();
      expect(row?.id).toBe("r1");
    } finally {
      await other.close();
    }
  });

  it.runIf(database.name === "sqlite")(
    "answers a durable write only after the WAL is synced, off the event loop, and a relaxed one without",
    async () => {
      const datasync = vi.spyOn(await fileHandlePrototype(), "datasync");
      let open: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      datasync.mockImplementation(async function (this: FileHandle) {
        await gate;
        return realDatasync.call(this);
      });
      try {
        let answered = false;
        const write = store
          .durableWrite((trx) => trx.insertInto("encryption_keys").values(key("d1")).execute())
          .then(() => {
            answered = true;
          });
        await vi.waitFor(() => expect(datasync).toHaveBeenCalled());
        // Committed (another connection sees it) but not answered until the log is on disk.
        const other = await store.reopen();
        try {
          expect(
            await other.db
              .selectFrom("encryption_keys")
              .select("id")
              .where("id", "=", "d1")
              .executeTakeFirst(),
          ).toEqual({ id: "d1" });
        } finally {
          await other.close();
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(answered).toBe(false);
        open();
        await write;
        expect(answered).toBe(true);
        // A relaxed write does not wait for a sync.
        datasync.mockClear();
        await store.relaxedWrite((trx) => trx.insertInto("encryption_keys").values(key("r2")).execute());
        expect(datasync).not.toHaveBeenCalled();
      } finally {
        open();
        datasync.mockRestore();
      }
    },
  );

  it.runIf(database.name === "sqlite")("fails a durable write whose WAL sync fails", async () => {
    const datasync = vi
      .spyOn(await fileHandlePrototype(), "datasync")
      .mockRejectedValueOnce(Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" }));
    try {
      await expect(
        store.durableWrite((trx) => trx.insertInto("encryption_keys").values(key("e1")).execute()),
      ).rejects.toThrow("EIO");
      // The next one syncs again and succeeds.
      await store.durableWrite((trx) => trx.insertInto("encryption_keys").values(key("e2")).execute());
      expect(datasync).toHaveBeenCalledTimes(2);
    } finally {
      datasync.mockRestore();
    }
  });

  it("restores the wait for the disk when a relaxed write fails", async () => {
    await expect(
      store.relaxedWrite(async () => {
        throw new Error("broken on purpose");
      }),
    ).rejects.toThrow("broken on purpose");
    expect(await store.transaction((trx) => waitsForDisk(trx))).toBe(true);
  });
});
