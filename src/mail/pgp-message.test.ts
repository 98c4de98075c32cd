import * as openpgp from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { fingerprintOf, PgpKeyError } from "./pgp-keys.js";
import {
  decryptAndVerify,
  encryptAndSign,
  PgpDecryptError,
  signCleartext,
  signDetached,
  verifyCleartext,
  verifyDetached,
} from "./pgp-message.js";

interface Pair {
  privateKey: openpgp.PrivateKey;
  publicKey: openpgp.PublicKey;
}

let program: Pair;
let reporter: Pair;
let stranger: Pair;

async function makePair(email: string): Promise<Pair> {
  const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ email }], format: "object" });
  return { privateKey, publicKey };
}

beforeAll(async () => {
  [program, reporter, stranger] = await Promise.all([
    makePair("security@acme.example"),
    makePair("rep@example.net"),
    makePair("mallory@example.net"),
  ]);
});

async function decryptError(promise: Promise<unknown>): Promise<PgpDecryptError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PgpDecryptError);
  return error as PgpDecryptError;
}

describe("encryptAndSign / decryptAndVerify", () => {
  it("round-trips text with a valid signature", async () => {
    const armored = await encryptAndSign({
      data: "Hello\nthe bug is in login.php\n",
      encryptTo: [program.publicKey],
      signWith: reporter.privateKey,
    });
    expect(armored).toMatch(/^-----BEGIN PGP MESSAGE-----/);
    const opened = await decryptAndVerify({
      armored,
      maxBytes: 10_000_000,
      decryptWith: [program.privateKey],
      verifyWith: [reporter.publicKey],
    });
    expect(opened.text).toBe("Hello\nthe bug is in login.php\n");
    expect(opened.encrypted).toBe(true);
    expect(opened.signature).toEqual({
      status: "valid",
      signerKeyId: reporter.privateKey.getKeyID().toHex().toUpperCase(),
      signerFingerprint: fingerprintOf(reporter.publicKey),
    });
  });

  it("keeps bytes exact", async () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    const data = Buffer.concat([Buffer.from("a\r\nb\n"), bytes]);
    const armored = await encryptAndSign({
      data,
      encryptTo: [program.publicKey, reporter.publicKey],
      signWith: program.privateKey,
    });
    for (const pair of [program, reporter]) {
      const opened = await decryptAndVerify({
        armored,
        maxBytes: 10_000_000,
        decryptWith: [pair.privateKey],
        verifyWith: [program.publicKey],
      });
      expect(Buffer.from(opened.data).equals(data)).toBe(true);
      expect(opened.signature.status).toBe("valid");
    }
  });

  it("reports a signer we have no key for as unknown-key", async () => {
    const armored = await encryptAndSign({
      data: "x",
      encryptTo: [program.publicKey],
      signWith: stranger.privateKey,
    });
    const opened = await decryptAndVerify({
      armored,
      maxBytes: 10_000_000,
      decryptWith: [program.privateKey],
      verifyWith: [reporter.publicKey],
    });
    expect(opened.signature).toEqual({
      status: "unknown-key",
      signerKeyId: stranger.privateKey.getKeyID().toHex().toUpperCase(),
    });
  });

  it("reports an unsigned message as unsigned", async () => {
    const armored = await openpgp.encrypt({
      message: await openpgp.createMessage({ text: "anonymous tip" }),
      encryptionKeys: program.publicKey,
    });
    const opened = await decryptAndVerify({
      armored,
      maxBytes: 10_000_000,
      decryptWith: [program.privateKey],
      verifyWith: [],
    });
    expect(opened.signature).toEqual({ status: "unsigned" });
    expect(opened.text).toBe("anonymous tip");
  });

  it("says no-matching-key for a message encrypted to someone else, naming the key", async () => {
    const armored = await encryptAndSign({
      data: "x",
      encryptTo: [stranger.publicKey],
      signWith: reporter.privateKey,
    });
    const error = await decryptError(
      decryptAndVerify({
        armored,
        maxBytes: 10_000_000,
        decryptWith: [program.privateKey],
        verifyWith: [reporter.publicKey],
      }),
    );
    expect(error.code).toBe("no-matching-key");
    const strangerSubkey = stranger.publicKey.subkeys[0]!.getKeyID().toHex().toUpperCase();
    expect(error.message).toContain(strangerSubkey);
  });

  it("handles hidden recipients: ours decrypts, someone else's is no-matching-key", async () => {
    const toUs = await openpgp.encrypt({
      message: await openpgp.createMessage({ text: "hidden" }),
      encryptionKeys: program.publicKey,
      wildcard: true,
    });
    const opened = await decryptAndVerify({
      armored: toUs,
      maxBytes: 10_000_000,
      decryptWith: [program.privateKey],
      verifyWith: [],
    });
    expect(opened.text).toBe("hidden");
    const toThem = await openpgp.encrypt({
      message: await openpgp.createMessage({ text: "hidden" }),
      encryptionKeys: stranger.publicKey,
      wildcard: true,
    });
    const error = await decryptError(
      decryptAndVerify({
        armored: toThem,
        maxBytes: 10_000_000,
        decryptWith: [program.privateKey],
        verifyWith: [],
      }),
    );
    expect(error.code).toBe("no-matching-key");
  });

  it("says no-matching-key for a passphrase-encrypted message", async () => {
    const armored = await openpgp.encrypt({
      message: await openpgp.createMessage({ text: "x" }),
      passwords: "hunter2",
    });
    const error = await decryptError(
      decryptAndVerify({ armored, maxBytes: 10_000_000, decryptWith: [program.privateKey], verifyWith: [] }),
    );
    expect(error.code).toBe("no-matching-key");
    expect(error.message).toContain("passphrase");
  });

  it("says malformed for text that is not a message", async () => {
    const error = await decryptError(
      decryptAndVerify({
        armored: "not pgp at all",
        maxBytes: 10_000_000,
        decryptWith: [program.privateKey],
        verifyWith: [],
      }),
    );
    expect(error.code).toBe("malformed");
  });

  it("says decrypt-failed for a modified ciphertext", async () => {
    const armored = await encryptAndSign({
      data: "x".repeat(200),
      encryptTo: [program.publicKey],
      signWith: reporter.privateKey,
    });
    // Change one base64 digit in the middle of the body: inside the encrypted data packet.
    const lines = armored.split("\n");
    const middle = Math.floor(lines.length / 2);
    const line = lines[middle]!;
    lines[middle] = line.slice(0, 10) + (line[10] === "A" ? "B" : "A") + line.slice(11);
    const tampered = lines.join("\n");
    const error = await decryptError(
      decryptAndVerify({
        armored: tampered,
        maxBytes: 10_000_000,
        decryptWith: [program.privateKey],
        verifyWith: [reporter.publicKey],
      }),
    );
    expect(error.code).toBe("decrypt-failed");
  });

  it("opens a signed-only armored message and says it was not encrypted", async () => {
    const armored = await openpgp.sign({
      message: await openpgp.createMessage({ text: "signed, not secret" }),
      signingKeys: reporter.privateKey,
    });
    const opened = await decryptAndVerify({
      armored,
      maxBytes: 10_000_000,
      decryptWith: [program.privateKey],
      verifyWith: [reporter.publicKey],
    });
    expect(opened).toMatchObject({
      encrypted: false,
      text: "signed, not secret",
      signature: { status: "valid" },
    });
  });

  it("refuses to encrypt to an expired key, naming it", async () => {
    const old = await openpgp.generateKey({
      userIDs: [{ email: "old@example.net" }],
      date: new Date(Date.now() - 10 * 86_400_000),
      keyExpirationTime: 86_400,
      format: "object",
    });
    const error = await encryptAndSign({
      data: "x",
      encryptTo: [old.publicKey],
      signWith: program.privateKey,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PgpKeyError);
    expect((error as PgpKeyError).message).toContain(fingerprintOf(old.publicKey));
  });
});

describe("signDetached / verifyDetached", () => {
  const data = Buffer.from("Content-Type: text/plain\r\n\r\nexact bytes  \r\n");

  it("verifies exactly the signed bytes", async () => {
    const armoredSignature = await signDetached(data, program.privateKey);
    expect(armoredSignature).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
    const check = await verifyDetached({ data, armoredSignature, verifyWith: [program.publicKey] });
    expect(check.status).toBe("valid");
    expect(check.signerFingerprint).toBe(fingerprintOf(program.publicKey));
  });

  it("says invalid when one byte changes, including line ends", async () => {
    const armoredSignature = await signDetached(data, program.privateKey);
    const lf = Buffer.from(data.toString("latin1").replace(/\r\n/g, "\n"), "latin1");
    const changed = Buffer.from(data);
    changed[30] = 0x58;
    for (const other of [lf, changed]) {
      const check = await verifyDetached({ data: other, armoredSignature, verifyWith: [program.publicKey] });
      expect(check.status).toBe("invalid");
    }
  });

  it("says unknown-key for a signer we lack and invalid for an unreadable signature", async () => {
    const armoredSignature = await signDetached(data, stranger.privateKey);
    expect((await verifyDetached({ data, armoredSignature, verifyWith: [program.publicKey] })).status).toBe(
      "unknown-key",
    );
    const garbage = await verifyDetached({ data, armoredSignature: "nope", verifyWith: [program.publicKey] });
    expect(garbage.status).toBe("invalid");
  });

  it("signs a string as its UTF-8 bytes", async () => {
    const armoredSignature = await signDetached("café\r\n", program.privateKey);
    const check = await verifyDetached({
      data: Buffer.from("café\r\n", "utf8"),
      armoredSignature,
      verifyWith: [program.publicKey],
    });
    expect(check.status).toBe("valid");
  });
});

describe("signCleartext / verifyCleartext", () => {
  it("round-trips and detects a changed text", async () => {
    const cleartext = await signCleartext("We received your report.\n- Acme PSIRT\n", program.privateKey);
    expect(cleartext).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----/);
    const ok = await verifyCleartext({ cleartext, verifyWith: [program.publicKey] });
    expect(ok.text).toBe("We received your report.\n- Acme PSIRT\n");
    expect(ok.signature.status).toBe("valid");
    const tampered = cleartext.replace("received", "rejected");
    const bad = await verifyCleartext({ cleartext: tampered, verifyWith: [program.publicKey] });
    expect(bad.signature.status).toBe("invalid");
  });

  it("says malformed for text that is not a signed message", async () => {
    const error = await decryptError(verifyCleartext({ cleartext: "hello", verifyWith: [] }));
    expect(error.code).toBe("malformed");
  });
});
