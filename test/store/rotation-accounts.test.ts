import { afterEach, describe, expect, it } from "vitest";
import { totpAad } from "../../src/auth/user-totp.js";
import { createUser } from "../../src/auth/users.js";
import { rotateDataKey } from "../../src/commands/rotate-keys.js";
import { decryptText, encryptText, keyIdOf } from "../../src/crypto/envelope.js";
import { databases, type TestStore } from "../support/databases.js";
import { openReadyStore } from "../support/reports.js";

/** Key rotation reaches the accounts' ciphertext too: TOTP secrets move to the new data key. */
describe.each(databases)("rotating account secrets on $name", (database) => {
  let store: TestStore | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it("re-encrypts a TOTP secret under the new key and it still decrypts", async () => {
    const ready = await openReadyStore(database);
    store = ready.store;
    const { userId } = await createUser(ready.store, {
      email: "totp@example.org",
      memberships: [{ program: "*", role: "viewer" }],
      actor: "test",
      now: new Date(),
    });
    const sealed = encryptText(ready.keyring, "JBSWY3DPEHPK3PXP", totpAad(userId));
    await ready.store.db
      .updateTable("users")
      .set({ totp_secret_ct: sealed })
      .where("id", "=", userId)
      .execute();

    const { keyId } = await rotateDataKey(ready.store, ready.masterKey);
    expect(keyId).not.toBe(keyIdOf(sealed));
    const row = await ready.store.db
      .selectFrom("users")
      .select("totp_secret_ct")
      .where("id", "=", userId)
      .executeTakeFirstOrThrow();
    expect(keyIdOf(row.totp_secret_ct!)).toBe(keyId);
    await ready.keyring.refresh();
    expect(decryptText(ready.keyring, row.totp_secret_ct!, totpAad(userId))).toBe("JBSWY3DPEHPK3PXP");
  });
});
