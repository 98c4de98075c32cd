import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrate } from "../../src/store/migrate.js";
import { databases, type TestStore } from "../support/databases.js";

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
});
