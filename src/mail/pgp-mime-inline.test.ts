import { beforeAll, describe, expect, it } from "vitest";
import { crlf, expectKind, makeParties, type Pair } from "../../test/support/pgp-mime-fixtures.js";
import { decryptAndVerify, encryptAndSign, signCleartext, verifyCleartext } from "./pgp-message.js";
import { detectPgp } from "./pgp-mime.js";

let program: Pair;
let reporter: Pair;

beforeAll(async () => {
  ({ program, reporter } = await makeParties());
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
