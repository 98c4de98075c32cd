import { type AddressObject, type EmailAddress, type ParsedMail, simpleParser } from "mailparser";
import { sanitizeFilename } from "./attachment-filename.js";

/**
 * Turns a received message (or a decrypted PGP/MIME inner entity) into what a report needs: plain
 * text, attachments within limits, threading ids and whether a person or a machine sent it.
 *
 * HTML is never kept: HTML-only mail is reduced to text by mailparser (html-to-text drops
 * <script>, <style> and markup), and that text is what we store and show.
 *
 * Archives (.zip, .tar, .gz, ...) are opaque files like any other attachment: nothing is ever
 * unpacked here, so archive bombs and path traversal inside archives cannot reach us.
 */

export interface InboundLimits {
  maxAttachments: number;
  /** Per attachment, decoded size. */
  maxAttachmentBytes: number;
  /** The raw message as received. */
  maxTotalBytes: number;
}

export interface InboundAttachment {
  /** Sanitised: no directories, no control or bidi characters, at most 200 characters. */
  filename: string;
  /** Lower-cased type/subtype; application/octet-stream when missing or malformed. */
  contentType: string;
  content: Buffer;
}

export interface InboundMail {
  /** With angle brackets, as in the header. */
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  from: { address: string; name: string } | null;
  /** Lower-cased addresses from To and Cc, without duplicates. */
  to: string[];
  subject: string;
  text: string;
  attachments: InboundAttachment[];
  /** RFC 3834: true for auto-replies and bounces, which are kept but never taken in or answered. */
  autoReply: { automatic: boolean; reason?: string };
  /**
   * Why the message came through a mailing list or as bulk mail, or null. A person may well have
   * written it (a program's report address can be a list), so it is taken in, but never answered
   * automatically (RFC 3834 §2): the answer could go to the whole list.
   */
  viaList: string | null;
}

export type InboundMailErrorCode =
  | "too-many-attachments"
  | "attachment-too-large"
  | "too-large"
  | "unparseable";

export class InboundMailError extends Error {
  constructor(
    readonly code: InboundMailErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "InboundMailError";
  }
}

const MAX_REFERENCES = 100; // threading needs the last few; a hostile header can hold thousands
const MESSAGE_ID = /<[^<>\s]+>/g;
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]+/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const CONTROL_CHARACTERS_BUT_TAB_AND_LF = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const BOUNCE_SENDERS = new Set(["mailer-daemon", "postmaster"]);

/**
 * @param envelope The SMTP envelope, when known: `mailFrom: ""` is the null reverse-path of a
 *   bounce (MAIL FROM:<>), which the message itself may not show.
 */
export async function parseInboundMail(
  raw: Buffer,
  limits: InboundLimits,
  envelope?: { mailFrom?: string },
): Promise<InboundMail> {
  if (raw.length > limits.maxTotalBytes) {
    throw new InboundMailError(
      "too-large",
      `the message is ${formatBytes(raw.length)}; at most ${formatBytes(limits.maxTotalBytes)} are accepted`,
    );
  }
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(raw, {
      skipTextToHtml: true,
      skipTextLinks: true,
      skipImageLinks: true,
      keepCidLinks: true,
    });
  } catch {
    throw new InboundMailError("unparseable", "the message could not be read as email (malformed MIME)");
  }
  try {
    return toInboundMail(parsed, limits, envelope);
  } catch (error) {
    if (error instanceof InboundMailError) throw error;
    throw new InboundMailError(
      "unparseable",
      "the message could not be read as email (unexpected structure)",
    );
  }
}

function toInboundMail(
  parsed: ParsedMail,
  limits: InboundLimits,
  envelope?: { mailFrom?: string },
): InboundMail {
  const attachments = checkedAttachments(parsed, limits);
  const from = firstAddress(parsed.from);
  const headers = headerFields(parsed);
  return {
    messageId: messageIds(parsed.messageId)[0] ?? null,
    inReplyTo: messageIds(parsed.inReplyTo)[0] ?? null,
    references: [...new Set(messageIds(parsed.references))].slice(-MAX_REFERENCES),
    from,
    to: recipients(parsed),
    subject: oneLine(parsed.subject ?? ""),
    text: cleanText(parsed.text ?? ""),
    attachments,
    autoReply: detectAutoReply(headers, from, envelope),
    viaList: detectList(headers),
  };
}

function checkedAttachments(parsed: ParsedMail, limits: InboundLimits): InboundAttachment[] {
  const count = parsed.attachments.length;
  // The encrypted body of PGP/MIME (RFC 3156 §4) is the whole message, not an attachment: only
  // the message limit bounds it here, and what it holds is checked once decrypted.
  const encryptedBody = (content: Buffer) =>
    topContentType(parsed) === "multipart/encrypted" &&
    content.subarray(0, 64).toString("latin1").trimStart().startsWith("-----BEGIN PGP MESSAGE-----");
  if (count > limits.maxAttachments) {
    throw new InboundMailError(
      "too-many-attachments",
      `the message has ${count} attachments; at most ${limits.maxAttachments} are accepted`,
    );
  }
  return parsed.attachments.map((attachment, index) => {
    const content: Buffer = Buffer.isBuffer(attachment.content) ? attachment.content : Buffer.alloc(0);
    if (content.length > limits.maxAttachmentBytes && !encryptedBody(content)) {
      throw new InboundMailError(
        "attachment-too-large",
        `attachment ${index + 1} of ${count} is ${formatBytes(content.length)}; ` +
          `at most ${formatBytes(limits.maxAttachmentBytes)} per attachment are accepted`,
      );
    }
    const type = (attachment.contentType ?? "").trim().toLowerCase();
    return {
      filename: sanitizeFilename(attachment.filename),
      contentType: MEDIA_TYPE.test(type) ? type : "application/octet-stream",
      content,
    };
  });
}

function topContentType(parsed: ParsedMail): string {
  const header = parsed.headers.get("content-type");
  const value = typeof header === "object" && header !== null && "value" in header ? header.value : header;
  return typeof value === "string" ? value.trim().toLowerCase() : "";
}

/** RFC 3834 §2 and common practice: the first sign of automatic mail found, as the reason. */
function detectAutoReply(
  headers: Map<string, string[]>,
  from: InboundMail["from"],
  envelope?: { mailFrom?: string },
): InboundMail["autoReply"] {
  const first = (name: string): string | undefined => headers.get(name)?.[0];
  const autoSubmitted = first("auto-submitted")?.split(";")[0]?.trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== "no") return automatic(`Auto-Submitted: ${autoSubmitted}`);
  if (first("precedence")?.trim().toLowerCase() === "junk") return automatic("Precedence: junk");
  for (const name of ["x-autoreply", "x-autorespond"]) {
    if (headers.has(name)) return automatic(`${name} header`);
  }
  // Every notification Embargo sends carries its idempotency key: one coming in is our own mail
  // come back (a forward or a list loop), never a report.
  if (headers.has("x-embargo-idempotency-key"))
    return automatic("our own notification came back (a mail loop)");
  const returnPath = first("return-path")?.trim();
  if (returnPath === "<>" || envelope?.mailFrom?.replace(/^<|>$/g, "").trim() === "") {
    return automatic("empty return path (a bounce)");
  }
  const localPart = from?.address.split("@")[0] ?? "";
  if (BOUNCE_SENDERS.has(localPart)) return automatic(`sent by ${localPart}`);
  if (first("content-type")?.trim().toLowerCase().startsWith("multipart/report")) {
    return automatic("delivery or read report (multipart/report)");
  }
  return { automatic: false };
}

function detectList(headers: Map<string, string[]>): string | null {
  const precedence = headers.get("precedence")?.[0]?.trim().toLowerCase();
  if (precedence === "bulk" || precedence === "list") return `Precedence: ${precedence}`;
  for (const name of ["list-id", "list-unsubscribe", "list-post"]) {
    if (headers.has(name)) return `mailing list (${name} header)`;
  }
  return null;
}

function automatic(reason: string): InboundMail["autoReply"] {
  return { automatic: true, reason };
}

/** Top-level header fields by lower-cased name, values unfolded. */
function headerFields(parsed: ParsedMail): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const { key, line } of parsed.headerLines) {
    const value = line
      .slice(line.indexOf(":") + 1)
      .replace(/\r?\n[ \t]+/g, " ")
      .trim();
    const name = key.toLowerCase();
    // Appended in place: copying the list for each field was quadratic in repeated fields
    // (16,000 "A:" lines, 63 KB, took a second).
    const values = fields.get(name);
    if (values === undefined) fields.set(name, [value]);
    else values.push(value);
  }
  return fields;
}

function messageIds(value: string | string[] | undefined): string[] {
  const text = Array.isArray(value) ? value.join(" ") : (value ?? "");
  return text.match(MESSAGE_ID) ?? [];
}

function firstAddress(from: AddressObject | undefined): InboundMail["from"] {
  const mailbox = flatten(from?.value ?? [])[0];
  if (!mailbox?.address) return null;
  return { address: mailbox.address.trim().toLowerCase(), name: oneLine(mailbox.name ?? "") };
}

function recipients(parsed: ParsedMail): string[] {
  const objects = [parsed.to, parsed.cc].flatMap((field) => (field === undefined ? [] : [field].flat()));
  const addresses = objects
    .flatMap((object) => flatten(object.value))
    .map((mailbox) => mailbox.address?.trim().toLowerCase() ?? "")
    .filter((address) => address !== "");
  return [...new Set(addresses)];
}

/** Mailboxes, with the members of group syntax ("team: a@x, b@y;") taken out of their group. */
function flatten(addresses: EmailAddress[]): EmailAddress[] {
  return addresses.flatMap((entry) => (entry.group ? flatten(entry.group) : [entry]));
}

function oneLine(text: string): string {
  return text.replace(CONTROL_CHARACTERS, " ").replace(/\s+/g, " ").trim();
}

/** Keeps tabs and line breaks; drops other control characters (NUL, terminal escape sequences). */
function cleanText(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(CONTROL_CHARACTERS_BUT_TAB_AND_LF, "");
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}
