import * as openpgp from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import {
  assertCanEncrypt,
  fingerprintOf,
  generateProgramKey,
  importProgramKey,
  keyEmails,
  PgpKeyError,
  type ProgramKey,
  publicKeyOf,
  readPrivateKey,
  readPublicKey,
  readPublicKeys,
} from "./pgp-keys.js";

const DAY_SECONDS = 86_400;

let program: ProgramKey;
let reporter: { privateKey: string; publicKey: string };
let expired: string;
let revoked: string;
let signOnly: string;
let protectedKey: string;

beforeAll(async () => {
  program = await generateProgramKey({
    name: "Acme PSIRT",
    emails: ["Security@Acme.example", "psirt@acme.example"],
  });
  reporter = await openpgp.generateKey({ userIDs: [{ email: "rep@example.net" }] });
  const old = await openpgp.generateKey({
    userIDs: [{ email: "old@example.net" }],
    date: new Date(Date.now() - 10 * DAY_SECONDS * 1000),
    keyExpirationTime: DAY_SECONDS,
  });
  expired = old.publicKey;
  const toRevoke = await openpgp.generateKey({ userIDs: [{ email: "gone@example.net" }], format: "object" });
  revoked = (await openpgp.revokeKey({ key: toRevoke.privateKey })).publicKey;
  signOnly = (await openpgp.generateKey({ userIDs: [{ email: "sig@example.net" }], subkeys: [] })).publicKey;
  protectedKey = (
    await openpgp.generateKey({ userIDs: [{ email: "admin@acme.example" }], passphrase: "correct horse" })
  ).privateKey;
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PgpKeyError);
  return (error as PgpKeyError).code;
}

describe("generateProgramKey", () => {
  it("makes an unencrypted Ed25519 + Curve25519 key with one user ID per address", async () => {
    const key = await readPrivateKey(program.armoredPrivateKey);
    expect(key.isDecrypted()).toBe(true);
    expect(key.getAlgorithmInfo()).toEqual({ algorithm: "eddsaLegacy", curve: "ed25519Legacy" });
    expect(key.subkeys.map((s) => s.getAlgorithmInfo())).toEqual([
      { algorithm: "ecdh", curve: "curve25519Legacy" },
    ]);
    expect(key.getUserIDs()).toEqual([
      "Acme PSIRT <Security@Acme.example>",
      "Acme PSIRT <psirt@acme.example>",
    ]);
    expect(program.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(program.fingerprint).toBe(fingerprintOf(key));
    expect(program.armoredPublicKey).toContain("BEGIN PGP PUBLIC KEY BLOCK");
    expect(fingerprintOf(await readPublicKey(program.armoredPublicKey))).toBe(program.fingerprint);
  });

  it("refuses to make a key without a valid address", async () => {
    expect(await codeOf(generateProgramKey({ name: "x", emails: [] }))).toBe("bad-user-id");
    expect(await codeOf(generateProgramKey({ name: "x", emails: ["Acme <a@b.example>"] }))).toBe(
      "bad-user-id",
    );
  });
});

describe("readPublicKey", () => {
  it("reads a usable public key, even with text around it", async () => {
    const key = await readPublicKey(`Here is my key:\n\n${reporter.publicKey}\nThanks`);
    expect(key.isPrivate()).toBe(false);
  });

  it("rejects a private key with a message saying what to give instead", async () => {
    await expect(readPublicKey(reporter.privateKey)).rejects.toThrow(
      "this is a private key; give the public key",
    );
  });

  it("rejects text that is not a key", async () => {
    await expect(readPublicKey("hello")).rejects.toThrow("not an OpenPGP key");
    const message = await openpgp.encrypt({
      message: await openpgp.createMessage({ text: "x" }),
      encryptionKeys: await openpgp.readKey({ armoredKey: reporter.publicKey }),
    });
    await expect(readPublicKey(message)).rejects.toThrow("not a key");
  });

  it("rejects expired, revoked and sign-only keys", async () => {
    await expect(readPublicKey(expired)).rejects.toThrow(/has expired/);
    expect(await codeOf(readPublicKey(revoked))).toBe("revoked");
    expect(await codeOf(readPublicKey(signOnly))).toBe("cannot-encrypt");
  });

  it("rejects text holding two keys, which readPublicKeys accepts", async () => {
    const a = await openpgp.readKey({ armoredKey: reporter.publicKey });
    const b = await openpgp.readKey({ armoredKey: program.armoredPublicKey });
    const both = openpgp.armor(openpgp.enums.armor.publicKey, new Uint8Array([...a.write(), ...b.write()]));
    expect(await codeOf(readPublicKey(both))).toBe("not-one-key");
    const keys = await readPublicKeys(both);
    expect(keys.map(fingerprintOf)).toEqual([fingerprintOf(a), program.fingerprint]);
  });

  it("readPublicKeys rejects a keyring containing a private key", async () => {
    expect(await codeOf(readPublicKeys(reporter.privateKey))).toBe("private-key-given");
  });
});

describe("readPrivateKey", () => {
  it("rejects public keys and passphrase-protected keys", async () => {
    expect(await codeOf(readPrivateKey(reporter.publicKey))).toBe("public-key-given");
    expect(await codeOf(readPrivateKey(protectedKey))).toBe("passphrase-protected");
  });

  it("publicKeyOf gives the public half", async () => {
    const armored = await publicKeyOf(program.armoredPrivateKey);
    const key = await readPublicKey(armored);
    expect(fingerprintOf(key)).toBe(program.fingerprint);
    expect(armored).not.toContain("PRIVATE");
  });
});

describe("importProgramKey", () => {
  it("accepts an unprotected key as is", async () => {
    const imported = await importProgramKey(program.armoredPrivateKey);
    expect(imported.fingerprint).toBe(program.fingerprint);
  });

  it("needs the passphrase of a protected key and returns the key unlocked", async () => {
    expect(await codeOf(importProgramKey(protectedKey))).toBe("passphrase-protected");
    expect(await codeOf(importProgramKey(protectedKey, "wrong"))).toBe("wrong-passphrase");
    const imported = await importProgramKey(protectedKey, "correct horse");
    const key = await readPrivateKey(imported.armoredPrivateKey);
    expect(key.isDecrypted()).toBe(true);
    expect(imported.armoredPublicKey).toContain("BEGIN PGP PUBLIC KEY BLOCK");
  });

  it("rejects public, expired and encryption-less keys", async () => {
    expect(await codeOf(importProgramKey(reporter.publicKey))).toBe("public-key-given");
    const old = await openpgp.generateKey({
      userIDs: [{ email: "old@acme.example" }],
      date: new Date(Date.now() - 10 * DAY_SECONDS * 1000),
      keyExpirationTime: DAY_SECONDS,
    });
    expect(await codeOf(importProgramKey(old.privateKey))).toBe("expired");
    const noSubkey = await openpgp.generateKey({ userIDs: [{ email: "s@acme.example" }], subkeys: [] });
    expect(await codeOf(importProgramKey(noSubkey.privateKey))).toBe("cannot-encrypt");
  });
});

describe("keyEmails", () => {
  it("lists lower-cased addresses of validly self-signed user IDs", async () => {
    const key = await readPrivateKey(program.armoredPrivateKey);
    expect(await keyEmails(key)).toEqual(["security@acme.example", "psirt@acme.example"]);
    const second = key.users[1]!;
    key.users[1] = await second.revoke(key.keyPacket as openpgp.SecretKeyPacket);
    expect(await keyEmails(key)).toEqual(["security@acme.example"]);
  });
});

describe("assertCanEncrypt", () => {
  it("names the key that cannot be used", async () => {
    const key = await openpgp.readKey({ armoredKey: signOnly });
    await expect(assertCanEncrypt(key)).rejects.toThrow(fingerprintOf(key));
  });
});
