/**
 * A PGP/MIME encrypted message (RFC 3156 §4) around any armored OpenPGP data, built by hand so
 * tests and benchmarks can wrap what a sender would never make: a compression bomb, armour lines
 * behind a few compressed kilobytes. (Real mail is built by src/mail/pgp-mime.ts.)
 */
export const PGP_MIME_ENCRYPTED_TYPE =
  'multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b"';

/** The body that goes with PGP_MIME_ENCRYPTED_TYPE: the version part, then the armored data. */
export function pgpMimeEncryptedBody(armored: string): string {
  return [
    "--b",
    "Content-Type: application/pgp-encrypted",
    "",
    "Version: 1",
    "",
    "--b",
    'Content-Type: application/octet-stream; name="encrypted.asc"',
    "",
    armored.trim().replace(/\r?\n/g, "\r\n"),
    "--b--",
    "",
  ].join("\r\n");
}
