import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rotateDataKey } from "../../src/commands/rotate-keys.js";
import { DecryptionError } from "../../src/crypto/errors.js";
import { generateProgramKey, type ProgramKey } from "../../src/mail/pgp-keys.js";
import { loadKeyring } from "../../src/store/data-keys.js";
import {
  activeProgramKey,
  listProgramKeys,
  ProgramKeyExistsError,
  programDecryptionKeys,
  publishedPublicKey,
  saveProgramKey,
} from "../../src/store/program-keys.js";
import { databases } from "../support/databases.js";
import { openReadyStore, type ReadyStore } from "../support/reports.js";

let first: ProgramKey;
let second: ProgramKey;
let other: ProgramKey;

beforeAll(async () => {
  [first, second, other] = await Promise.all([
    generateProgramKey({ name: "Acme", emails: ["security@acme.example"] }),
    generateProgramKey({ name: "Acme", emails: ["security@acme.example"] }),
    generateProgramKey({ name: "Other", emails: ["security@other.example"] }),
  ]);
});

const T1 = new Date("2026-11-25T10:00:00.000Z");
const T2 = new Date("2026-11-26T10:00:00.000Z");

describe.each(databases)("program keys on $name", (database) => {
  let ready: ReadyStore;
  beforeEach(async () => {
    ready = await openReadyStore(database);
  });
  afterEach(async () => {
    await ready.store.close();
  });

  it("has nothing for a program without a key", async () => {
    const { store, keyring } = ready;
    expect(await activeProgramKey(store, keyring, "acme")).toBeUndefined();
    expect(await programDecryptionKeys(store, keyring, "acme")).toEqual([]);
    expect(await publishedPublicKey(store, "acme")).toBeUndefined();
    expect(await listProgramKeys(store)).toEqual([]);
  });

  it("stores the private key encrypted, returns it decrypted, and publishes the public key", async () => {
    const { store, keyring } = ready;
    await saveProgramKey(store, keyring, { program: "acme", ...first }, T1);
    const row = await store.db.selectFrom("program_keys").selectAll().executeTakeFirstOrThrow();
    expect(row.private_key_ct).toMatch(/^v1\./);
    // The armour's header, not just "PGP": random base64url ciphertext spells that now and then.
    expect(row.private_key_ct).not.toContain("BEGIN PGP");
    expect(row.public_key).toBe(first.armoredPublicKey);

    expect(await activeProgramKey(store, keyring, "acme")).toEqual({
      fingerprint: first.fingerprint,
      publicKey: first.armoredPublicKey,
      privateKey: first.armoredPrivateKey,
      createdAt: T1,
      retiredAt: null,
    });
    expect(await publishedPublicKey(store, "acme")).toBe(first.armoredPublicKey);
    expect(await activeProgramKey(store, keyring, "other")).toBeUndefined();
  });

  it("retires the previous key on save; every key still decrypts, newest first", async () => {
    const { store, keyring } = ready;
    await saveProgramKey(store, keyring, { program: "acme", ...first }, T1);
    await saveProgramKey(store, keyring, { program: "other", ...other }, T1);
    await saveProgramKey(store, keyring, { program: "acme", ...second }, T2);

    expect((await activeProgramKey(store, keyring, "acme"))?.fingerprint).toBe(second.fingerprint);
    expect(await publishedPublicKey(store, "acme")).toBe(second.armoredPublicKey);
    const all = await programDecryptionKeys(store, keyring, "acme");
    expect(all.map((k) => [k.fingerprint, k.retiredAt])).toEqual([
      [second.fingerprint, null],
      [first.fingerprint, T2],
    ]);
    expect(all.map((k) => k.privateKey)).toEqual([second.armoredPrivateKey, first.armoredPrivateKey]);
    // Another program's key is neither retired nor mixed in.
    expect((await activeProgramKey(store, keyring, "other"))?.fingerprint).toBe(other.fingerprint);
    expect(await listProgramKeys(store)).toEqual([
      { program: "acme", fingerprint: second.fingerprint, createdAt: T2, retiredAt: null },
      { program: "acme", fingerprint: first.fingerprint, createdAt: T1, retiredAt: T2 },
      { program: "other", fingerprint: other.fingerprint, createdAt: T1, retiredAt: null },
    ]);
    expect((await listProgramKeys(store, "other")).map((k) => k.fingerprint)).toEqual([other.fingerprint]);
  });

  it("refuses a key already stored, for any program, and changes nothing", async () => {
    const { store, keyring } = ready;
    await saveProgramKey(store, keyring, { program: "acme", ...first }, T1);
    await expect(saveProgramKey(store, keyring, { program: "other", ...first }, T2)).rejects.toBeInstanceOf(
      ProgramKeyExistsError,
    );
    await expect(saveProgramKey(store, keyring, { program: "acme", ...first }, T2)).rejects.toThrow(
      /already stored for the program acme/,
    );
    expect(await listProgramKeys(store)).toEqual([
      { program: "acme", fingerprint: first.fingerprint, createdAt: T1, retiredAt: null },
    ]);
    await expect(
      saveProgramKey(store, keyring, { program: "acme", ...second, fingerprint: "abc" }, T2),
    ).rejects.toThrow(RangeError);
  });

  it("binds the ciphertext to its fingerprint: moved to another row, it does not decrypt", async () => {
    const { store, keyring } = ready;
    await saveProgramKey(store, keyring, { program: "acme", ...first }, T1);
    await saveProgramKey(store, keyring, { program: "other", ...other }, T1);
    const stolen = await store.db
      .selectFrom("program_keys")
      .select("private_key_ct")
      .where("fingerprint", "=", first.fingerprint)
      .executeTakeFirstOrThrow();
    await store.db
      .updateTable("program_keys")
      .set({ private_key_ct: stolen.private_key_ct })
      .where("fingerprint", "=", other.fingerprint)
      .execute();
    await expect(activeProgramKey(store, keyring, "other")).rejects.toBeInstanceOf(DecryptionError);
  });

  it("survives a data key rotation, read by an instance with an older keyring", async () => {
    const { store, keyring, masterKey } = ready;
    await saveProgramKey(store, keyring, { program: "acme", ...first }, T1);
    const { reencrypted } = await rotateDataKey(store, masterKey);
    expect(reencrypted).toBe(1);
    // `keyring` predates the new data key: it picks it up when it meets it.
    expect((await activeProgramKey(store, keyring, "acme"))?.privateKey).toBe(first.armoredPrivateKey);
    const fresh = await loadKeyring(store, masterKey);
    expect((await programDecryptionKeys(store, fresh, "acme"))[0]?.privateKey).toBe(first.armoredPrivateKey);
  });
});
