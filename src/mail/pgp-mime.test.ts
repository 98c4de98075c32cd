import { simpleParser } from "mailparser";
import * as openpgp from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { fingerprintOf } from "./pgp-keys.js";
import {
  decryptAndVerify,
  encryptAndSign,
  PgpDecryptError,
  signCleartext,
  signDetached,
  verifyCleartext,
  verifyDetached,
} from "./pgp-message.js";
import {
  buildEncryptedMime,
  buildInnerMime,
  buildSignedMime,
  detectPgp,
  type PgpDetection,
  PgpMimeError,
} from "./pgp-mime.js";

interface Pair {
  privateKey: openpgp.PrivateKey;
  publicKey: openpgp.PublicKey;
}

let program: Pair;
let reporter: Pair;
let stranger: Pair;

beforeAll(async () => {
  const make = async (email: string): Promise<Pair> => {
    const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ email }], format: "object" });
    return { privateKey, publicKey };
  };
  [program, reporter, stranger] = await Promise.all([
    make("security@acme.example"),
    make("rep@example.net"),
    make("mallory@example.net"),
  ]);
});

const crlf = (...lines: string[]): string => lines.join("\r\n");

const outer = {
  from: "Acme PSIRT <security@acme.example>",
  to: "Reporter <rep@example.net>",
  subject: "Update on your report",
  messageId: "<0123abcd@acme.example>",
  inReplyTo: "<first@example.net>",
  references: ["<first@example.net>"],
  headers: { "Auto-Submitted": "auto-replied" },
};

function expectKind<K extends PgpDetection["kind"]>(
  detection: PgpDetection,
  kind: K,
): Extract<PgpDetection, { kind: K }> {
  expect(detection.kind).toBe(kind);
  return detection as Extract<PgpDetection, { kind: K }>;
}

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

describe("mail as Thunderbird/Enigmail send it", () => {
  // The inner entity Thunderbird encrypts: multipart/mixed with protected headers, a legacy
  // display part and format=flowed text.
  const thunderbirdInner = crlf(
    'Content-Type: multipart/mixed; boundary="------------Xq3Lh0mT0nQzBbX9uYpX1Ahm";',
    ' protected-headers="v1"',
    "From: Reporter <rep@example.net>",
    "To: security@acme.example",
    "Message-ID: <6f1c0b6e-9d2a-4e1b-8c3f-1234567890ab@example.net>",
    "Subject: SQL injection in /search",
    "",
    "--------------Xq3Lh0mT0nQzBbX9uYpX1Ahm",
    "Content-Type: text/plain; charset=UTF-8; format=flowed",
    "Content-Transfer-Encoding: 7bit",
    "",
    "Hi,",
    "",
    "the q parameter of /search is injectable.",
    "",
    "--------------Xq3Lh0mT0nQzBbX9uYpX1Ahm--",
    "",
  );

  it("decrypts an Enigmail-style multipart/encrypted message", async () => {
    const armored = await encryptAndSign({
      data: Buffer.from(thunderbirdInner),
      encryptTo: [program.publicKey, reporter.publicKey],
      signWith: reporter.privateKey,
    });
    const raw = Buffer.from(
      crlf(
        "Return-Path: <rep@example.net>",
        "Message-ID: <6f1c0b6e-9d2a-4e1b-8c3f-1234567890ab@example.net>",
        "Date: Tue, 4 Jun 2024 10:12:13 +0200",
        "MIME-Version: 1.0",
        "User-Agent: Mozilla Thunderbird",
        "Content-Language: en-US",
        "To: security@acme.example",
        "From: Reporter <rep@example.net>",
        "Subject: ...",
        "Content-Type: multipart/encrypted;",
        ' protocol="application/pgp-encrypted";',
        ' boundary="------------enig0BkYx2Zyq9XbBXq1R7pWZ3ht"',
        "",
        "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)",
        "--------------enig0BkYx2Zyq9XbBXq1R7pWZ3ht",
        "Content-Type: application/pgp-encrypted",
        "Content-Description: PGP/MIME version identification",
        "",
        "Version: 1",
        "",
        "--------------enig0BkYx2Zyq9XbBXq1R7pWZ3ht",
        'Content-Type: application/octet-stream; name="encrypted.asc"',
        "Content-Description: OpenPGP encrypted message",
        'Content-Disposition: inline; filename="encrypted.asc"',
        "",
        armored.trimEnd().replace(/\r?\n/g, "\r\n"),
        "",
        "--------------enig0BkYx2Zyq9XbBXq1R7pWZ3ht--",
        "",
      ),
    );
    const encrypted = expectKind(detectPgp(raw), "pgp-mime-encrypted");
    const opened = await decryptAndVerify({
      armored: encrypted.armored,
      maxBytes: 10_000_000,
      decryptWith: [program.privateKey],
      verifyWith: [reporter.publicKey],
    });
    expect(opened.signature).toMatchObject({
      status: "valid",
      signerFingerprint: fingerprintOf(reporter.publicKey),
    });
    expect(opened.text).toBe(thunderbirdInner.replace(/\r\n/g, "\n"));
    const parsed = await simpleParser(Buffer.from(opened.data));
    expect(parsed.subject).toBe("SQL injection in /search");
    expect(parsed.text).toContain("the q parameter of /search is injectable.");
  });

  // A signed part as Thunderbird writes it: folded headers, format=flowed, trailing blank line.
  const signedPart = crlf(
    'Content-Type: multipart/mixed; boundary="------------vzDKqQ5A0x2X2sCmF5V2aIVZ";',
    ' protected-headers="v1"',
    "Subject: Follow-up",
    "",
    "--------------vzDKqQ5A0x2X2sCmF5V2aIVZ",
    "Content-Type: text/plain; charset=UTF-8; format=flowed",
    "Content-Transfer-Encoding: 7bit",
    "",
    "Any news? ",
    "",
    "--------------vzDKqQ5A0x2X2sCmF5V2aIVZ--",
    "",
  );

  async function thunderbirdSigned(lineEnd: string, mode: "binary" | "text" = "binary"): Promise<Buffer> {
    // GnuPG makes text-mode signatures (type 0x01) with --textmode, binary ones (0x00) without.
    const armoredSignature =
      mode === "binary"
        ? await signDetached(Buffer.from(signedPart), reporter.privateKey)
        : await openpgp.sign({
            message: await openpgp.createMessage({ text: signedPart }),
            signingKeys: reporter.privateKey,
            detached: true,
          });
    const message = crlf(
      "From: Reporter <rep@example.net>",
      "To: security@acme.example",
      "Subject: Follow-up",
      "MIME-Version: 1.0",
      "Content-Type: multipart/signed; micalg=pgp-sha512;",
      ' protocol="application/pgp-signature";',
      ' boundary="------------BoUnDaRy0SiGnEd1"',
      "",
      "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)",
      "--------------BoUnDaRy0SiGnEd1  ", // transport padding is allowed after a delimiter
      signedPart,
      "--------------BoUnDaRy0SiGnEd1",
      'Content-Type: application/pgp-signature; name="OpenPGP_signature.asc"',
      "Content-Description: OpenPGP digital signature",
      'Content-Disposition: attachment; filename="OpenPGP_signature.asc"',
      "",
      armoredSignature.trimEnd().replace(/\r?\n/g, "\r\n"),
      "",
      "--------------BoUnDaRy0SiGnEd1--",
      "",
    );
    return Buffer.from(message.replace(/\r\n/g, lineEnd));
  }

  it("verifies a Thunderbird-style multipart/signed message", async () => {
    const signed = expectKind(detectPgp(await thunderbirdSigned("\r\n")), "pgp-mime-signed");
    expect(signed.signedPart.toString()).toBe(signedPart);
    const check = await verifyDetached({
      data: signed.signedPart,
      armoredSignature: signed.armoredSignature,
      verifyWith: [reporter.publicKey],
    });
    expect(check.status).toBe("valid");
  });

  it("verifies a text-mode signature", async () => {
    const signed = expectKind(detectPgp(await thunderbirdSigned("\r\n", "text")), "pgp-mime-signed");
    const check = await verifyDetached({
      data: signed.signedPart,
      armoredSignature: signed.armoredSignature,
      verifyWith: [reporter.publicKey],
    });
    expect(check.status).toBe("valid");
  });

  it("verifies it when the message was stored with LF line ends", async () => {
    const signed = expectKind(detectPgp(await thunderbirdSigned("\n")), "pgp-mime-signed");
    expect(signed.signedPart.toString()).toBe(signedPart);
    const check = await verifyDetached({
      data: signed.signedPart,
      armoredSignature: signed.armoredSignature,
      verifyWith: [reporter.publicKey],
    });
    expect(check.status).toBe("valid");
  });

  it("finds a signed message a mailing list wrapped with a footer", async () => {
    const signedMessage = (await thunderbirdSigned("\r\n")).toString();
    const [headers, ...rest] = signedMessage.split("\r\n\r\n");
    const contentType = headers!.slice(headers!.indexOf("Content-Type:"));
    const wrapped = crlf(
      "From: Reporter <rep@example.net>",
      "List-Id: <security.lists.example.net>",
      'Content-Type: multipart/mixed; boundary="list"',
      "",
      "--list",
      contentType,
      "",
      rest.join("\r\n\r\n").trimEnd(),
      "--list",
      "Content-Type: text/plain",
      "",
      "To unsubscribe, ...",
      "--list--",
    );
    const signed = expectKind(detectPgp(Buffer.from(wrapped)), "pgp-mime-signed");
    expect(signed.signedPart.toString()).toBe(signedPart);
  });

  it("opens RFC 3156 §6.1 mail: multipart/signed inside multipart/encrypted", async () => {
    const signedMime = await buildSignedMime({
      ...outer,
      innerMime: await buildInnerMime({ text: "nested" }),
      signWith: reporter.privateKey,
    });
    // The encrypted entity is the signed one without the message headers.
    const entity = signedMime.subarray(signedMime.indexOf("Content-Type: multipart/signed"));
    const armored = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: entity }),
      encryptionKeys: program.publicKey,
    });
    const opened = await decryptAndVerify({
      armored,
      maxBytes: 10_000_000,
      decryptWith: [program.privateKey],
      verifyWith: [],
    });
    expect(opened.signature.status).toBe("unsigned");
    const signed = expectKind(detectPgp(Buffer.from(opened.data)), "pgp-mime-signed");
    const check = await verifyDetached({
      data: signed.signedPart,
      armoredSignature: signed.armoredSignature,
      verifyWith: [reporter.publicKey],
    });
    expect(check.status).toBe("valid");
  });
});

describe("detectPgp: inline PGP and plain mail", () => {
  it("finds an inline encrypted block in a quoted-printable text body", async () => {
    const armored = await encryptAndSign({
      data: "inline secret",
      encryptTo: [program.publicKey],
      signWith: reporter.privateKey,
    });
    const qp = armored.replace(/=/g, "=3D").replace(/\n/g, "\r\n");
    const raw = Buffer.from(
      crlf(
        "From: rep@example.net",
        "Content-Type: text/plain; charset=us-ascii",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "Hello, see below.",
        "",
        qp,
        "",
        "-- ",
        "rep",
      ),
    );
    const inline = expectKind(detectPgp(raw), "inline-encrypted");
    const opened = await decryptAndVerify({
      armored: inline.armored,
      maxBytes: 10_000_000,
      decryptWith: [program.privateKey],
      verifyWith: [reporter.publicKey],
    });
    expect(opened.text).toBe("inline secret");
    expect(opened.signature.status).toBe("valid");
  });

  it("finds an inline signed block in the text part of a multipart message", async () => {
    const cleartext = await signCleartext("I found a bug.\n", reporter.privateKey);
    const raw = Buffer.from(
      crlf(
        "From: rep@example.net",
        'Content-Type: multipart/mixed; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain; charset=utf-8",
        "",
        cleartext.replace(/\n/g, "\r\n"),
        "--b",
        "Content-Type: application/octet-stream",
        "Content-Disposition: attachment; filename=x.bin",
        "",
        "xx",
        "--b--",
      ),
    );
    const inline = expectKind(detectPgp(raw), "inline-signed");
    const verified = await verifyCleartext({ cleartext: inline.cleartext, verifyWith: [reporter.publicKey] });
    expect(verified.text.trim()).toBe("I found a bug.");
    expect(verified.signature.status).toBe("valid");
  });

  it("ignores quoted blocks, plain mail and garbage", () => {
    const quoted = crlf(
      "From: a@b.example",
      "",
      "> -----BEGIN PGP MESSAGE-----",
      "> abc",
      "> -----END PGP MESSAGE-----",
    );
    expect(detectPgp(Buffer.from(quoted)).kind).toBe("none");
    expect(detectPgp(Buffer.from(crlf("From: a@b.example", "", "Just text."))).kind).toBe("none");
    const garbage = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 131) % 256));
    expect(detectPgp(garbage).kind).toBe("none");
  });

  it("does not take S/MIME for PGP/MIME", () => {
    const smime = crlf(
      'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="s"',
      "",
      "--s",
      "Content-Type: text/plain",
      "",
      "hello",
      "--s",
      "Content-Type: application/pkcs7-signature",
      "",
      "MIIB",
      "--s--",
    );
    expect(detectPgp(Buffer.from(smime)).kind).toBe("none");
  });
});
