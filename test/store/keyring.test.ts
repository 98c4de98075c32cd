import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encryptText } from "../../src/crypto/envelope.js";
import { MasterKeyMismatchError } from "../../src/crypto/errors.js";
import { addDataKey, loadKeyring } from "../../src/store/data-keys.js";
import { migrate } from "../../src/store/migrate.js";
import { seedCase } from "../support/case-work.js";
import { databases, type TestStore } from "../support/databases.js";
import { runInstances } from "../support/instances.js";

describe.each(databases)("keyring on $name", (database) => {
  let store: TestStore;
  const masterKey = randomBytes(32);
  beforeEach(async () => {
    store = await database.open();
    await migrate(store);
  });
  afterEach(async () => {
    await store.close();
  });

  it("keeps each loaded case key in 32 bytes of its own, not in a slab of Node's shared Buffer pool", async () => {
    const keyring = await loadKeyring(store, masterKey);
    const { caseId } = await seedCase(store, keyring);
    const fresh = await loadKeyring(store, masterKey);
    const ids = [`c-${caseId}`, `p-${caseId}`];
    await fresh.ensure(ids);
    for (const id of ids) {
      const key = fresh.forCase(id).active.key;
      expect(key).toHaveLength(32);
      // A pooled slice would sit in an 8 KiB ArrayBuffer, all of it kept alive by the cache.
      expect(key.buffer.byteLength).toBe(32);
      expect(key.equals(keyring.forCase(id).active.key)).toBe(true);
    }
  });

  it("creates the first data key, wrapped, and finds it again", async () => {
    const keyring = await loadKeyring(store, masterKey);
    expect(keyring.active.id).toBe("k1");
    const rows = await store.db.selectFrom("encryption_keys").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.wrapped_key).toMatch(/^v1\.master\./);
    expect(rows[0]?.wrapped_key).not.toContain(keyring.active.key.toString("base64"));
    const again = await loadKeyring(store, masterKey);
    expect(again.active.key.equals(keyring.active.key)).toBe(true);
  });

  it("fails with a clear error, not GCM internals, under another master key", async () => {
    await loadKeyring(store, masterKey);
    const error = await loadKeyring(store, randomBytes(32)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MasterKeyMismatchError);
    expect((error as Error).message).toMatch(
      /^EMBARGO_SECRET_KEY does not match the key that encrypted this database/,
    );
    expect((error as Error).message).not.toMatch(/authenticate|Unsupported state/);
  });

  it("makes the newest key active and keeps older ones readable; refreshes for unknown keys", async () => {
    const keyring = await loadKeyring(store, masterKey);
    const old = encryptText(keyring, "old", "aad");
    expect(await addDataKey(store, masterKey)).toBe("k2");
    expect(keyring.active.id).toBe("k1");
    await keyring.ensure(["k1"]);
    expect(keyring.active.id).toBe("k1");
    await keyring.ensure(["k2"]);
    expect(keyring.active.id).toBe("k2");
    expect(keyring.has("k1")).toBe(true);
    expect(keyring.get("k1")).toBeInstanceOf(Buffer);
    expect(old.startsWith("v1.k1.")).toBe(true);
  });

  it("agrees on one first key when several instances start at once", async () => {
    const secretKey = masterKey.toString("base64");
    const outputs = (await runInstances(store, "keyring", 4, { EMBARGO_SECRET_KEY: secretKey })) as {
      active: string;
      ids: string[];
    }[];
    expect(outputs.map((output) => output.active)).toEqual(["k1", "k1", "k1", "k1"]);
    const rows = await store.db.selectFrom("encryption_keys").select("id").execute();
    expect(rows.map((row) => row.id)).toEqual(["k1"]);
  });
});
