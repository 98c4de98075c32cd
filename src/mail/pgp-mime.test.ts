import { simpleParser } from "mailparser";
import * as openpgp from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { expectKind, makeParties, outer, type Pair } from "../../test/support/pgp-mime-fixtures.js";
import { fingerprintOf } from "./pgp-keys.js";
import { decryptAndVerify, PgpDecryptError, verifyDetached } from "./pgp-message.js";
import { buildEncryptedMime, buildInnerMime, buildSignedMime, detectPgp, PgpMimeError } from "./pgp-mime.js";

// Mail as Thunderbird sends it is in pgp-mime-thunderbird.test.ts, inline PGP in pgp-mime-inline.test.ts.

let program: Pair;
let reporter: Pair;
let stranger: Pair;

beforeAll(async () => {
  ({ program, reporter, stranger } = await makeParties());
});

describe("buildInnerMime", () => {
  it("makes a 7-bit CRLF text/plain entity, escaping From at line starts", async () => {
    const inner = await buildInnerMime({ text: "Hello café\nFrom: us\nFrom the team\n   \n" });
    const text = inner.toString("latin1");
    expect(text).toMatch(
      /^Content-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n/,
    );
    expect(text).not.toMatch(/(^|[^\r])\n/);
    expect(inner.every((byte) => byte < 0x80)).toBe(true);
    expect(text).toContain("\r\n=46rom the team");
    expect(text).not.toContain("Date:");
    expect(text).not.toContain("Message-ID:");
    const parsed = await simpleParser(inner);
    expect(parsed.text).toBe("Hello café\nFrom: us\nFrom the team\n   \n");
  });

  it("makes multipart/mixed with attachments and a protected subject", async () => {
    const poc = Buffer.from([0, 1, 2, 255, 10, 13]);
    const inner = await buildInnerMime({
      text: "See attached.",
      attachments: [{ filename: "poc.bin", contentType: "application/octet-stream", content: poc }],
      protectedSubject: "RCE in login",
    });
    expect(inner.toString()).toMatch(/^Content-Type: multipart\/mixed; protected-headers="?v1"?;/);
    const parsed = await simpleParser(inner);
    expect(parsed.subject).toBe("RCE in login");
    expect(parsed.text?.trim()).toBe("See attached.");
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]!.filename).toBe("poc.bin");
    expect(Buffer.from(parsed.attachments[0]!.content).equals(poc)).toBe(true);
  });
});

describe("buildSignedMime + detectPgp", () => {
  it("round-trips: the detected signed part is exactly what was signed, and verifies", async () => {
    const inner = await buildInnerMime({ text: "Thanks, we are on it.\n" });
    const raw = await buildSignedMime({ ...outer, innerMime: inner, signWith: program.privateKey });
    const text = raw.toString("latin1");
    expect(text).toMatch(
      /Content-Type: multipart\/signed; micalg=pgp-sha\d+;\r\n protocol="application\/pgp-signature"/,
    );
    expect(text).toContain("Message-ID: <0123abcd@acme.example>");
    expect(text).toContain("In-Reply-To: <first@example.net>");
    expect(text).toContain("Auto-Submitted: auto-replied");
    const signed = expectKind(detectPgp(raw), "pgp-mime-signed");
    expect(signed.signedPart.equals(inner)).toBe(true);
    const check = await verifyDetached({
      data: signed.signedPart,
      armoredSignature: signed.armoredSignature,
      verifyWith: [program.publicKey],
    });
    expect(check).toMatchObject({ status: "valid", signerFingerprint: fingerprintOf(program.publicKey) });
  });

  it("declares the hash the signature really used as micalg", async () => {
    const raw = await buildSignedMime({
      ...outer,
      innerMime: await buildInnerMime({ text: "x" }),
      signWith: program.privateKey,
    });
    const signed = expectKind(detectPgp(raw), "pgp-mime-signed");
    const signature = await openpgp.readSignature({ armoredSignature: signed.armoredSignature });
    const hash = openpgp.enums.read(openpgp.enums.hash, signature.packets[0]!.hashAlgorithm!);
    expect(raw.toString()).toContain(`micalg=pgp-${hash};`);
  });

  it("says invalid when the signed part was altered in transit", async () => {
    const raw = await buildSignedMime({
      ...outer,
      innerMime: await buildInnerMime({ text: "Bounty: 500 EUR\n" }),
      signWith: program.privateKey,
    });
    const tampered = Buffer.from(raw.toString("latin1").replace("Bounty: 500", "Bounty: 900"), "latin1");
    const signed = expectKind(detectPgp(tampered), "pgp-mime-signed");
    const check = await verifyDetached({
      data: signed.signedPart,
      armoredSignature: signed.armoredSignature,
      verifyWith: [program.publicKey],
    });
    expect(check.status).toBe("invalid");
  });

  it("says unknown-key for a message signed by a key we do not have", async () => {
    const raw = await buildSignedMime({
      ...outer,
      innerMime: await buildInnerMime({ text: "Totally the PSIRT" }),
      signWith: stranger.privateKey,
    });
    const signed = expectKind(detectPgp(raw), "pgp-mime-signed");
    const check = await verifyDetached({
      data: signed.signedPart,
      armoredSignature: signed.armoredSignature,
      verifyWith: [program.publicKey, reporter.publicKey],
    });
    expect(check.status).toBe("unknown-key");
  });

  it("refuses 8-bit signed parts and headers that would break the structure", async () => {
    await expect(
      buildSignedMime({
        ...outer,
        innerMime: "Content-Type: text/plain\r\n\r\ncafé",
        signWith: program.privateKey,
      }),
    ).rejects.toBeInstanceOf(PgpMimeError);
    await expect(
      buildSignedMime({
        ...outer,
        headers: { "content-type": "text/html" },
        innerMime: await buildInnerMime({ text: "x" }),
        signWith: program.privateKey,
      }),
    ).rejects.toThrow(/content-type header/);
  });
});

describe("buildEncryptedMime + detectPgp", () => {
  it("round-trips build → detect → decrypt → verify → parse", async () => {
    const inner = await buildInnerMime({
      text: "Your report ACME-1 is confirmed.",
      attachments: [{ filename: "advisory.txt", contentType: "text/plain", content: Buffer.from("draft\n") }],
    });
    const raw = await buildEncryptedMime({
      ...outer,
      innerMime: inner,
      encryptTo: [reporter.publicKey],
      signWith: program.privateKey,
    });
    const text = raw.toString("latin1");
    expect(text).toMatch(/Content-Type: multipart\/encrypted;\s+protocol="application\/pgp-encrypted"/);
    expect(text).toContain("Content-Type: application/pgp-encrypted");
    expect(text).toMatch(/\r\n\r\nVersion: 1\r\n/);
    expect(text).not.toContain("confirmed");
    const encrypted = expectKind(detectPgp(raw), "pgp-mime-encrypted");
    expect(encrypted.armored).toMatch(/^-----BEGIN PGP MESSAGE-----\r?\n[\s\S]+-----END PGP MESSAGE-----$/);
    const opened = await decryptAndVerify({
      armored: encrypted.armored,
      maxBytes: 10_000_000,
      decryptWith: [reporter.privateKey],
      verifyWith: [program.publicKey],
    });
    expect(Buffer.from(opened.data).equals(inner)).toBe(true);
    expect(opened.signature.status).toBe("valid");
    const parsed = await simpleParser(Buffer.from(opened.data));
    expect(parsed.text?.trim()).toBe("Your report ACME-1 is confirmed.");
    expect(parsed.attachments[0]!.content.toString()).toBe("draft\n");
  });

  it("says no-matching-key when the message was encrypted to another key", async () => {
    const raw = await buildEncryptedMime({
      ...outer,
      innerMime: await buildInnerMime({ text: "x" }),
      encryptTo: [stranger.publicKey],
      signWith: reporter.privateKey,
    });
    const encrypted = expectKind(detectPgp(raw), "pgp-mime-encrypted");
    const error = await decryptAndVerify({
      armored: encrypted.armored,
      maxBytes: 10_000_000,
      decryptWith: [program.privateKey],
      verifyWith: [reporter.publicKey],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PgpDecryptError);
    expect((error as PgpDecryptError).code).toBe("no-matching-key");
  });
});
