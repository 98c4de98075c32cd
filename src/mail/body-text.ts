import { ANSWER_MAX_CHARS } from "../intake/report-schema.js";
import type { NewAttachment } from "../store/attachments.js";

/**
 * Where a mail's text goes on its case. The report field (and a reply's message) holds at most
 * what the web form allows for one answer (src/intake/report-schema.ts: 100,000 characters; a
 * reporter's message on their page, src/web/routes/reporter.ts, the same). A longer text is kept
 * whole as an attachment, `message.txt`, and the field ends with a sentence saying so: nothing
 * is lost, and a 25 MB body is never a 25 MB string in a case's encrypted JSON (issue 14,
 * finding 4: that alone cost some 200 MB of peak memory per message).
 *
 * Pure: UTF-8 bytes in (as the parse worker hands them over), the field's text out. Only the
 * field's share of the bytes is ever decoded.
 */
export const MAIL_TEXT_MAX_CHARS = ANSWER_MAX_CHARS;
export const FULL_TEXT_FILENAME = "message.txt";
export const EMPTY_TEXT = "(empty message)";

export interface FittedText {
  /** For the field: the text, or its beginning and the note; at most `limit` characters. */
  text: string;
  /** The whole text as a file, when it did not fit; null when it did. */
  attachment: NewAttachment | null;
}

const NOTE = `\n\n[This message is longer than this field allows; the whole text is attached as ${FULL_TEXT_FILENAME}.]`;

export function fitMailText(bytes: Buffer, limit = MAIL_TEXT_MAX_CHARS): FittedText {
  // A UTF-16 code unit (what String.length and the form's limit count) takes at most 3 bytes of
  // UTF-8, so this many bytes hold more than `limit` characters when the text has them.
  const enough = limit * 3 + 3;
  const decoder = new TextDecoder("utf-8");
  const head = bytes.length <= enough ? decoder.decode(bytes) : decoder.decode(bytes.subarray(0, enough));
  if (head.length <= limit && bytes.length <= enough) return { text: head || EMPTY_TEXT, attachment: null };
  const keep = withoutBrokenPair(head.slice(0, Math.max(0, limit - NOTE.length))).trimEnd();
  return {
    text: `${keep}${NOTE}`,
    attachment: { filename: FULL_TEXT_FILENAME, contentType: "text/plain; charset=utf-8", data: bytes },
  };
}

/** A cut between the two halves of a surrogate pair leaves half a character: drop it. */
function withoutBrokenPair(text: string): string {
  const last = text.charCodeAt(text.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? text.slice(0, -1) : text;
}
