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

/** Seconds fit 7 base32 characters (35 bits) until the year 3058. */
const TIME_CHARACTERS = 7;

/**
 * A random id that sorts by the second it was made: 7 base32 characters of the Unix time in
 * seconds, then 9 of randomId's (45 random bits), 16 in all like randomId. For the rows written
 * at every report (cases, the outbox, received mail): b-trees keyed by a random id take each new
 * row on a random page, so a commit of a dozen reports wrote a page per report in every such
 * index (the case's own, its keys', events', timer's and outbox's); ids made in the same second
 * sit together at the end, and those pages are shared (about 18 → 8 pages written per report in
 * a commit of 12: `npm run bench -- commit-pages`). It tells the second a case was taken in,
 * which its page shows anyway; guessing one still takes 2^45 tries per second.
 */
export function sortableId(at: Date): string {
  const seconds = Math.max(0, Math.floor(at.getTime() / 1000));
  let time = "";
  for (let index = TIME_CHARACTERS - 1; index >= 0; index -= 1) {
    time += BASE32[Math.floor(seconds / 32 ** index) % 32];
  }
  return time + randomId().slice(TIME_CHARACTERS);
}

/** The reporter's capability token: 256 random bits, base64url (43 characters). */
export function newReporterToken(): string {
  return randomBytes(32).toString("base64url");
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
