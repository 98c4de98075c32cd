import { createHmac } from "node:crypto";

/**
 * Per-case reply addresses (security+<token>@acme.example, "subaddressing") and stable
 * Message-IDs. The token is what routes a reply to its case, so it cannot be guessed: a keyed
 * HMAC of the case id (src/mail/reply-token.ts). Whoever knows it can add mail to the case.
 */

export const REPLY_TOKEN_LENGTH = 24; // hex from the HMAC: 96 bits; [a-z0-9] accepted
const TOKEN = new RegExp(`^[a-z0-9]{${REPLY_TOKEN_LENGTH}}$`);
const MAX_LOCAL_PART = 64; // RFC 5321 §4.5.3.1.1
const ADDRESS = /^([^\s@<>"(),;:]+)@([a-z0-9.-]+\.[a-z0-9-]+)$/i;
const DOMAIN = /^[a-z0-9.-]+$/i;

/** security@acme.example + token → security+<token>@acme.example */
export function replyAddress(programAddress: string, caseReplyToken: string): string {
  const match = ADDRESS.exec(programAddress.trim());
  if (!match) throw new RangeError(`"${programAddress}" is not a bare email address (local@domain)`);
  if (!TOKEN.test(caseReplyToken)) {
    throw new RangeError(`a reply token is ${REPLY_TOKEN_LENGTH} characters of a-z and 0-9`);
  }
  const local = `${match[1]}+${caseReplyToken}`;
  if (local.length > MAX_LOCAL_PART) {
    throw new RangeError(`the local part of "${programAddress}" is too long to add a reply token`);
  }
  return `${local}@${match[2]!.toLowerCase()}`;
}

/**
 * The inverse of replyAddress, case-insensitively (some relays change case). Accepts "<addr>".
 * The base may itself contain "+": the token is always the fixed-length tail.
 */
export function parseReplyAddress(address: string): { base: string; token: string } | null {
  const bare = address
    .trim()
    .replace(/^<(.*)>$/, "$1")
    .toLowerCase();
  const match = ADDRESS.exec(bare);
  if (!match) return null;
  const local = match[1]!;
  const plus = local.length - REPLY_TOKEN_LENGTH - 1;
  if (plus < 1 || local[plus] !== "+") return null;
  const token = local.slice(plus + 1);
  if (!TOKEN.test(token)) return null;
  return { base: `${local.slice(0, plus)}@${match[2]}`, token };
}

/**
 * A Message-ID derived from an idempotency key: a message re-sent after a crash carries the same
 * Message-ID, so recipients' clients and our own threading see one message, not two. Keyed with
 * the mail key (src/mail/reply-token.ts): a reply that names one of our Message-IDs joins its
 * case, so they must not be computable from a case id, which staff links and chat rooms show.
 */
export function messageIdFor(mailKey: Buffer, key: string, domain: string): string {
  if (!DOMAIN.test(domain)) throw new RangeError(`"${domain}" is not a domain name`);
  const digest = createHmac("sha256", mailKey).update(`message-id:${key}`, "utf8").digest("hex").slice(0, 32);
  return `<${digest}@${domain.toLowerCase()}>`;
}
