import { createHmac, hkdfSync } from "node:crypto";
import { REPLY_TOKEN_LENGTH } from "./addresses.js";

/**
 * A case's reply address token (`security+<token>@…`): an HMAC of the case id under a key derived
 * from the master key, so it can be computed again for every mail to the reporter without being
 * stored, and cannot be guessed without the key. The database keeps only its sha-256, to find
 * the case (table case_reply_addresses). Whoever holds it can add messages to the case as the
 * reporter, like the private link; it is never used to read.
 */
export function deriveMailKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), "embargo:mail-reply-address", 32));
}

export function replyTokenFor(mailKey: Buffer, caseId: string): string {
  return createHmac("sha256", mailKey).update(caseId).digest("hex").slice(0, REPLY_TOKEN_LENGTH);
}
