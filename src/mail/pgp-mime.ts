import MimeNode from "nodemailer/lib/mime-node";
import * as openpgp from "openpgp";
import { encryptAndSign, signDetached } from "./pgp-message.js";
import { decodeText, headerValue, type MimeEntity, parseMimeEntity, toCrlf } from "./raw-mime.js";

/**
 * PGP/MIME (RFC 3156): building encrypted and signed mail, and recognising PGP in received mail,
 * whether PGP/MIME or inline ("-----BEGIN PGP MESSAGE-----" in the text body).
 */

export interface MimeAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface OuterHeaders {
  from: string;
  to: string | string[];
  /** Visible in transit even for encrypted mail: keep case details out of it. */
  subject: string;
  /** With angle brackets, e.g. from messageIdFor(). */
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  /** Extra header fields such as Auto-Submitted or Reply-To. */
  headers?: Record<string, string>;
  date?: Date;
}

export type PgpDetection =
  | { kind: "pgp-mime-encrypted"; armored: string }
  /**
   * signedPart: the exact bytes of the first part, the canonical CRLF form the signature covers.
   * whole: the multipart/signed is the message itself, not a part inside unsigned content.
   */
  | { kind: "pgp-mime-signed"; signedPart: Buffer; armoredSignature: string; whole: boolean }
  | { kind: "inline-encrypted"; armored: string }
  | { kind: "inline-signed"; cleartext: string }
  | { kind: "none" };

/** Thrown for arguments that would produce broken or unsafe mail. */
export class PgpMimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PgpMimeError";
  }
}

// Set by the builders themselves; letting `headers` override them would break the structure.
const RESERVED_HEADERS = new Set([
  "content-type",
  "content-transfer-encoding",
  "content-disposition",
  "mime-version",
  "from",
  "to",
  "subject",
  "message-id",
  "in-reply-to",
  "references",
  "date",
]);

// RFC 3156 §5: "pgp-" and the hash's OpenPGP textual name, lower-cased.
const MICALG = new Map<openpgp.enums.hash, string>([
  [openpgp.enums.hash.sha256, "pgp-sha256"],
  [openpgp.enums.hash.sha384, "pgp-sha384"],
  [openpgp.enums.hash.sha512, "pgp-sha512"],
  [openpgp.enums.hash.sha224, "pgp-sha224"],
  [openpgp.enums.hash.sha3_256, "pgp-sha3-256"],
  [openpgp.enums.hash.sha3_512, "pgp-sha3-512"],
]);

const ENCRYPTED_PART_FILENAME = "encrypted.asc";
const SIGNATURE_FILENAME = "OpenPGP_signature.asc";

/**
 * The MIME entity that gets signed and/or encrypted: text/plain alone, or multipart/mixed with the
 * text first and the attachments after. Everything is 7-bit (quoted-printable text, base64
 * attachments) in CRLF form, as RFC 3156 §3 requires of signed data, so no relay can alter it.
 * With `protectedSubject` the entity carries the real subject as a protected header
 * (draft-autocrypt-lamps-protected-headers), which Thunderbird shows instead of the outer one.
 */
export async function buildInnerMime(options: {
  text: string;
  attachments?: MimeAttachment[];
  protectedSubject?: string;
}): Promise<Buffer> {
  const attachments = options.attachments ?? [];
  const protectedParam = options.protectedSubject === undefined ? "" : '; protected-headers="v1"';
  // The holder is never built: a node that is not the root gets no Date, Message-ID or MIME-Version.
  const holder = new MimeNode("multipart/mixed");
  const root =
    attachments.length === 0
      ? holder.createChild(`text/plain; charset=utf-8${protectedParam}`)
      : holder.createChild(`multipart/mixed${protectedParam}`);
  if (options.protectedSubject !== undefined) root.setHeader("Subject", options.protectedSubject);
  const textNode = attachments.length === 0 ? root : root.createChild("text/plain; charset=utf-8");
  textNode.setHeader("Content-Transfer-Encoding", "quoted-printable");
  textNode.setContent(options.text.replace(/\r\n|\r|\n/g, "\r\n"));
  for (const attachment of attachments) {
    const node = root.createChild(attachment.contentType, { filename: attachment.filename });
    node.setHeader("Content-Transfer-Encoding", "base64");
    node.setContent(attachment.content);
  }
  const built = toCrlf(await root.build());
  // Some relays and mailbox formats rewrite "From " at a line start to ">From ", breaking the
  // signature. Only quoted-printable text can hold such a line here, so =46 (an F) is safe.
  return Buffer.from(built.toString("latin1").replace(/(^|\r\n)From /g, "$1=46rom "), "latin1");
}

/**
 * multipart/encrypted (RFC 3156 §4): the inner entity signed and encrypted in one OpenPGP message
 * (§6.2), so the signature is only visible to the recipients.
 */
export async function buildEncryptedMime(
  options: OuterHeaders & {
    innerMime: Buffer | string;
    encryptTo: openpgp.PublicKey[];
    signWith: openpgp.PrivateKey;
  },
): Promise<Buffer> {
  checkExtraHeaders(options.headers);
  const armored = await encryptAndSign({
    data: toBuffer(options.innerMime),
    encryptTo: options.encryptTo,
    signWith: options.signWith,
  });
  const root = outerNode('multipart/encrypted; protocol="application/pgp-encrypted"', options);
  const version = root.createChild("application/pgp-encrypted");
  version.setHeader({
    "Content-Description": "PGP/MIME version identification",
    "Content-Transfer-Encoding": "7bit",
  });
  version.setContent("Version: 1\r\n");
  const encrypted = root.createChild(`application/octet-stream; name="${ENCRYPTED_PART_FILENAME}"`);
  encrypted.setHeader({
    "Content-Description": "OpenPGP encrypted message",
    "Content-Disposition": `inline; filename="${ENCRYPTED_PART_FILENAME}"`,
    "Content-Transfer-Encoding": "7bit",
  });
  encrypted.setContent(armored.replace(/\r?\n/g, "\r\n"));
  return toCrlf(await root.build());
}

/**
 * multipart/signed (RFC 3156 §5), for recipients without a key. The signature covers exactly the
 * canonical (CRLF) bytes of the first part, and micalg names the hash the signature really used.
 */
export async function buildSignedMime(
  options: OuterHeaders & { innerMime: Buffer | string; signWith: openpgp.PrivateKey },
): Promise<Buffer> {
  checkExtraHeaders(options.headers);
  const signed = toCrlf(toBuffer(options.innerMime));
  if (signed.some((byte) => byte > 0x7f)) {
    // 8-bit data may be re-encoded by a relay, which breaks the signature (RFC 3156 §3).
    throw new PgpMimeError("the signed part must be 7-bit: build it with buildInnerMime");
  }
  const armoredSignature = await signDetached(signed, options.signWith);
  const micalg = await micalgOf(armoredSignature);
  const root = outerNode(`multipart/signed; micalg=${micalg}; protocol="application/pgp-signature"`, options);
  // A raw child is emitted byte for byte, and the builder adds the CRLF before each delimiter.
  root.createChild(false).setRaw(signed);
  const signature = root.createChild(`application/pgp-signature; name="${SIGNATURE_FILENAME}"`);
  signature.setHeader({
    "Content-Description": "OpenPGP digital signature",
    "Content-Disposition": `attachment; filename="${SIGNATURE_FILENAME}"`,
    "Content-Transfer-Encoding": "7bit",
  });
  signature.setContent(armoredSignature.replace(/\r?\n/g, "\r\n"));
  return toCrlf(await root.build());
}

/**
 * Finds PGP in a received message (or in a decrypted inner entity). PGP/MIME structures are found
 * anywhere in the tree (a mailing list may wrap them in multipart/mixed); only the parts they
 * cover are trusted by the caller. Otherwise the first text/plain body is searched for an inline
 * block. Never throws: unrecognisable input is "none".
 *
 * What to do with each kind:
 *   pgp-mime-encrypted → decryptAndVerify(armored); its data is a MIME entity: detectPgp it again
 *     (RFC 3156 §6.1 senders put a multipart/signed inside), then parseInboundMail it. Its Subject,
 *     if any, is the protected (real) subject.
 *   pgp-mime-signed → verifyDetached(signedPart, armoredSignature); parseInboundMail(signedPart)
 *     for the content, so nothing outside the signature is taken as signed.
 *   inline-encrypted → decryptAndVerify(armored); inline-signed → verifyCleartext(cleartext).
 */
export function detectPgp(raw: Buffer): PgpDetection {
  const root = parseMimeEntity(raw);
  const pgpMime = findPgpMime(root, root);
  if (pgpMime) return pgpMime;
  const textPart = findTextPart(root);
  if (!textPart) return { kind: "none" };
  const text = decodeText(textPart);
  const message = armorBlock(text, "MESSAGE", "MESSAGE");
  const signedMessage = armorBlock(text, "SIGNED MESSAGE", "SIGNATURE");
  if (message && (!signedMessage || message.index < signedMessage.index)) {
    return { kind: "inline-encrypted", armored: message.block };
  }
  if (signedMessage) return { kind: "inline-signed", cleartext: signedMessage.block };
  return { kind: "none" };
}

function findPgpMime(entity: MimeEntity, root: MimeEntity): PgpDetection | null {
  const protocol = entity.params.protocol?.trim().toLowerCase();
  const [first, second] = entity.parts;
  if (entity.contentType === "multipart/encrypted" && protocol === "application/pgp-encrypted" && second) {
    const text = decodeText(second);
    return {
      kind: "pgp-mime-encrypted",
      armored: armorBlock(text, "MESSAGE", "MESSAGE")?.block ?? text.trim(),
    };
  }
  if (
    entity.contentType === "multipart/signed" &&
    protocol === "application/pgp-signature" &&
    first &&
    second
  ) {
    const text = decodeText(second);
    return {
      kind: "pgp-mime-signed",
      // Bytes as received; bare LFs (a message stored with Unix line ends) are put back to CRLF,
      // the canonical form the sender signed.
      signedPart: toCrlf(first.raw),
      armoredSignature: armorBlock(text, "SIGNATURE", "SIGNATURE")?.block ?? text.trim(),
      whole: entity === root,
    };
  }
  for (const part of entity.parts) {
    const found = findPgpMime(part, root);
    if (found) return found;
  }
  return null;
}

function findTextPart(entity: MimeEntity): MimeEntity | null {
  if (entity.parts.length === 0) {
    const disposition = headerValue(entity.headers, "content-disposition")?.toLowerCase() ?? "";
    return entity.contentType === "text/plain" && !disposition.startsWith("attachment") ? entity : null;
  }
  for (const part of entity.parts) {
    const found = findTextPart(part);
    if (found) return found;
  }
  return null;
}

/**
 * An armored block starting at a line start (so "> "-quoted blocks in replies do not count): the
 * first "-----BEGIN PGP <begin>-----" line up to the first line after it that starts with
 * "-----END PGP <end>-----". Line ends are those of a /m regex: LF, CR, U+2028 and U+2029.
 *
 * Scanned with indexOf, not a lazy regex: a regex retries from every BEGIN line and scans to the
 * end of the text from each, quadratic in the number of BEGIN lines (a 400 kB body of them held
 * the event loop for 10 s). Only the first valid BEGIN line matters: an END line that closes a
 * later BEGIN closes the first one too.
 */
export function armorBlock(
  text: string,
  begin: string,
  end: string,
): { block: string; index: number } | null {
  const beginLine = `-----BEGIN PGP ${begin}-----`;
  const endLine = `-----END PGP ${end}-----`;
  let index = -1;
  for (let at = text.indexOf(beginLine); at !== -1; at = text.indexOf(beginLine, at + 1)) {
    const after = at + beginLine.length; // a CR there is a line end itself
    if (startsLine(text, at) && (after === text.length || isLineEnd(text, after))) {
      index = at;
      break;
    }
  }
  if (index === -1) return null;
  for (
    let at = text.indexOf(endLine, index + beginLine.length);
    at !== -1;
    at = text.indexOf(endLine, at + 1)
  ) {
    if (startsLine(text, at)) return { block: text.slice(index, at + endLine.length), index };
  }
  return null;
}

/** Whether a line starts at `index`, by the rules of ^ in a /m regex. */
function startsLine(text: string, index: number): boolean {
  return index === 0 || isLineEnd(text, index - 1);
}

function isLineEnd(text: string, index: number): boolean {
  const char = text[index];
  return char === "\n" || char === "\r" || char === "\u2028" || char === "\u2029";
}

function outerNode(contentType: string, options: OuterHeaders): MimeNode {
  const root = new MimeNode(contentType);
  root.setHeader({
    From: options.from,
    To: Array.isArray(options.to) ? options.to.join(", ") : options.to,
    Subject: options.subject,
    "Message-ID": options.messageId,
  });
  if (options.inReplyTo) root.setHeader("In-Reply-To", options.inReplyTo);
  if (options.references && options.references.length > 0)
    root.setHeader("References", options.references.join(" "));
  root.setHeader("Date", options.date ?? new Date());
  for (const [key, value] of Object.entries(options.headers ?? {})) root.setHeader(key, value);
  return root;
}

function checkExtraHeaders(headers: Record<string, string> | undefined): void {
  for (const key of Object.keys(headers ?? {})) {
    if (RESERVED_HEADERS.has(key.toLowerCase())) {
      throw new PgpMimeError(`the ${key} header is set by the builder and cannot be given in headers`);
    }
  }
}

async function micalgOf(armoredSignature: string): Promise<string> {
  const signature = await openpgp.readSignature({ armoredSignature });
  const hash = signature.packets[0]?.hashAlgorithm;
  const micalg = hash === null || hash === undefined ? undefined : MICALG.get(hash);
  if (!micalg) throw new PgpMimeError("the signature uses a hash algorithm without an RFC 3156 micalg name");
  return micalg;
}

function toBuffer(data: Buffer | string): Buffer {
  return typeof data === "string" ? Buffer.from(data, "utf8") : data;
}
