import { createHash } from "node:crypto";
import * as openpgp from "openpgp";
import { PgpKeyError, readPublicKey } from "./pgp-keys.js";

/**
 * Web Key Directory, direct method (draft-koch-openpgp-webkey-service §3.1): mail clients fetch
 * the key for local@domain from https://domain/.well-known/openpgpkey/hu/<hash>?l=<local>, where
 * <hash> is the z-base-32 encoded SHA-1 of the lower-cased local part.
 */

export interface WkdLocation {
  /** Lower-cased domain. */
  domain: string;
  hash: string;
  /** As given (case kept): the `l` query parameter carries the original local part. */
  localPart: string;
  /** Path and query of the key on `domain`. */
  path: string;
  /** Where clients look for the key (direct method). */
  url: string;
}

const ZBASE32_ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769";

/** z-base-32 of SHA-1 of the local part with ASCII letters lower-cased (non-ASCII is left as is). */
export function wkdHash(localPart: string): string {
  const lowered = localPart.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return zBase32(createHash("sha1").update(lowered, "utf8").digest());
}

export function wkdPath(email: string): WkdLocation {
  const at = email.lastIndexOf("@");
  const localPart = email.slice(0, at);
  const domain = email.slice(at + 1).toLowerCase();
  if (at <= 0 || domain === "" || /[\s<>/?#]/.test(email)) {
    throw new RangeError(`"${email}" is not a bare email address (local@domain)`);
  }
  const hash = wkdHash(localPart);
  const path = `/.well-known/openpgpkey/hu/${hash}?l=${encodeURIComponent(localPart)}`;
  return { domain, hash, localPart, path, url: `https://${domain}${path}` };
}

/**
 * The binary (unarmored) public key to serve for `email`, keeping only the user IDs of that
 * address, as the draft recommends: the directory of one address should not publish the others.
 * Throws a PgpKeyError for a private key (never publish one) or a key without that address.
 */
export async function binaryKeyFor(armoredPublic: string, email: string): Promise<Uint8Array> {
  const key = await readPublicKey(armoredPublic);
  const wanted = email.trim().toLowerCase();
  // A copy, so the caller's parsed key (if any) is not changed.
  const copy = await openpgp.readKey({ binaryKey: key.write() });
  copy.users = copy.users.filter((user) => user.userID?.email.toLowerCase() === wanted);
  if (copy.users.length === 0) {
    throw new PgpKeyError("bad-user-id", `the key has no user ID for ${wanted}; clients would reject it`);
  }
  return copy.toPublic().write();
}

function zBase32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ZBASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1; // keep only the bits not yet emitted
  }
  if (bits > 0) out += ZBASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}
