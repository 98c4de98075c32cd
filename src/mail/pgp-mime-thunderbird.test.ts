import { simpleParser } from "mailparser";
import * as openpgp from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { crlf, expectKind, makeParties, outer, type Pair } from "../../test/support/pgp-mime-fixtures.js";
import { fingerprintOf } from "./pgp-keys.js";
import { decryptAndVerify, encryptAndSign, signDetached, verifyDetached } from "./pgp-message.js";
import { buildInnerMime, buildSignedMime, detectPgp } from "./pgp-mime.js";

let program: Pair;
let reporter: Pair;

beforeAll(async () => {
  ({ program, reporter } = await makeParties());
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
