import { createHash, randomBytes } from "node:crypto";

/** RFC 4648 base32, lower case: URL-safe, case-insensitive to read aloud, no look-alike 0/1/8. */
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/**
 * A random id: 16 base32 characters = 80 random bits. Case ids appear in staff URLs and logs;
 * they are not the reporter's secret (that is the token) but must not be guessable or reveal
 * how many cases exist, so no counters.
 */
export function randomId(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let id = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      id += BASE32[(value >>> bits) & 31];
    }
  }
  return id;
}

/** The reporter's capability token: 256 random bits, base64url (43 characters). */
export function newReporterToken(): string {
  return randomBytes(32).toString("base64url");
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
