import { parseHeaderValue } from "nodemailer/lib/mime-funcs";

/**
 * A byte-exact view of a MIME entity tree (RFC 2045/2046). Nothing is re-serialised: every entity
 * keeps the exact bytes it was cut from, which is what checking a multipart/signed signature
 * (RFC 1847, RFC 3156) needs. Lenient like mail clients are: LF-only line ends, a missing close
 * delimiter and junk around the parts are tolerated; nothing here throws on malformed input.
 */

export interface MimeEntity {
  /** The entity's exact bytes: headers, blank line, body. */
  raw: Buffer;
  /** Unfolded header fields in order, names lower-cased. Values are decoded as latin1 (byte-exact). */
  headers: { name: string; value: string }[];
  /** Lower-cased media type, "text/plain" when absent (RFC 2045 §5.2). */
  contentType: string;
  /** Content-Type parameters, names lower-cased. */
  params: Record<string, string>;
  /** The exact body bytes, still transfer-encoded. */
  body: Buffer;
  /** Body parts of a multipart entity, in order; empty otherwise. */
  parts: MimeEntity[];
}

const MAX_DEPTH = 16; // deeper nesting is abuse, not mail: the rest is left unsplit
const MAX_PARTS = 1_000; // per multipart: bounds the work a hostile message can cause

const CR = 0x0d;
const LF = 0x0a;

export function parseMimeEntity(raw: Buffer, depth = 0): MimeEntity {
  const { headerBytes, body } = splitHeaders(raw);
  const headers = parseHeaderFields(headerBytes.toString("latin1"));
  const contentTypeField = headerValue(headers, "content-type");
  let contentType = "text/plain";
  let params: Record<string, string> = {};
  if (contentTypeField !== undefined) {
    const parsed = parseHeaderValue(contentTypeField);
    contentType = parsed.value.trim().toLowerCase() || "text/plain";
    params = Object.fromEntries(Object.entries(parsed.params).map(([k, v]) => [k.toLowerCase(), v]));
  }
  const boundary = params.boundary;
  const parts =
    contentType.startsWith("multipart/") && boundary && depth < MAX_DEPTH
      ? splitMultipart(body, boundary).map((part) => parseMimeEntity(part, depth + 1))
      : [];
  return { raw, headers, contentType, params, body, parts };
}

/** The first value of a header field, by case-insensitive name. */
export function headerValue(headers: MimeEntity["headers"], name: string): string | undefined {
  const wanted = name.toLowerCase();
  return headers.find((h) => h.name === wanted)?.value;
}

/** The body with its Content-Transfer-Encoding (base64, quoted-printable) undone. */
export function decodeBody(entity: MimeEntity): Buffer {
  const encoding = (headerValue(entity.headers, "content-transfer-encoding") ?? "").trim().toLowerCase();
  if (encoding === "base64") return Buffer.from(entity.body.toString("latin1"), "base64");
  if (encoding === "quoted-printable") return decodeQuotedPrintable(entity.body);
  return entity.body;
}

/** The decoded body as text, in its declared charset (UTF-8 when unknown). */
export function decodeText(entity: MimeEntity): string {
  const bytes = decodeBody(entity);
  const charset = entity.params.charset?.trim() || "utf-8";
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes); // unknown charset label
  }
}

/** Converts bare LF line ends to CRLF, leaving existing CRLF alone (the canonical form of RFC 2049). */
export function toCrlf(bytes: Buffer): Buffer {
  let bare = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === LF && (i === 0 || bytes[i - 1] !== CR)) bare++;
  if (bare === 0) return bytes;
  const out = Buffer.allocUnsafe(bytes.length + bare);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === LF && (i === 0 || bytes[i - 1] !== CR)) out[o++] = CR;
    out[o++] = byte;
  }
  return out;
}

function splitHeaders(raw: Buffer): { headerBytes: Buffer; body: Buffer } {
  // An entity starting with an empty line has no headers.
  if (raw[0] === LF) return { headerBytes: raw.subarray(0, 0), body: raw.subarray(1) };
  if (raw[0] === CR && raw[1] === LF) return { headerBytes: raw.subarray(0, 0), body: raw.subarray(2) };
  const crlf = raw.indexOf("\r\n\r\n", 0, "latin1");
  const lf = raw.indexOf("\n\n", 0, "latin1");
  if (crlf === -1 && lf === -1) return { headerBytes: raw, body: raw.subarray(raw.length) };
  if (crlf !== -1 && (lf === -1 || crlf < lf)) {
    return { headerBytes: raw.subarray(0, crlf), body: raw.subarray(crlf + 4) };
  }
  return { headerBytes: raw.subarray(0, lf), body: raw.subarray(lf + 2) };
}

function parseHeaderFields(text: string): MimeEntity["headers"] {
  const fields: MimeEntity["headers"] = [];
  for (const line of text.split(/\r?\n/)) {
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line) && last) {
      last.value += ` ${line.trim()}`; // folded continuation line
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue; // not a header field: ignore, as clients do
    fields.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() });
  }
  return fields;
}

/**
 * Cuts a multipart body at its delimiter lines. Per RFC 2046 §5.1.1 the line break before a
 * delimiter belongs to the delimiter, not to the part before it, and a delimiter line may carry
 * trailing whitespace. Without a close delimiter the last part runs to the end.
 */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delimiter = Buffer.from(`--${boundary}`, "latin1");
  const parts: Buffer[] = [];
  let partStart: number | null = null;
  let lineStart = 0;
  while (lineStart <= body.length && parts.length < MAX_PARTS) {
    const newline = body.indexOf(LF, lineStart);
    const lineEnd = newline === -1 ? body.length : newline;
    const kind = delimiterKind(body, lineStart, lineEnd, delimiter);
    if (kind !== null) {
      if (partStart !== null)
        parts.push(body.subarray(partStart, Math.max(partStart, lineBreakStart(body, lineStart))));
      if (kind === "close") return parts;
      partStart = lineEnd + 1;
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  if (partStart !== null && partStart <= body.length && parts.length < MAX_PARTS) {
    parts.push(body.subarray(partStart));
  }
  return parts;
}

function delimiterKind(body: Buffer, start: number, end: number, delimiter: Buffer): "part" | "close" | null {
  if (
    end - start < delimiter.length ||
    body.compare(delimiter, 0, delimiter.length, start, start + delimiter.length) !== 0
  ) {
    return null;
  }
  let i = start + delimiter.length;
  let kind: "part" | "close" = "part";
  if (body[i] === 0x2d && body[i + 1] === 0x2d) {
    kind = "close";
    i += 2;
  }
  for (; i < end; i++) {
    const byte = body[i];
    if (byte !== 0x20 && byte !== 0x09 && byte !== CR) return null; // only transport padding may follow
  }
  return kind;
}

/** Where the line break that ends just before `lineStart` begins. */
function lineBreakStart(body: Buffer, lineStart: number): number {
  if (lineStart >= 2 && body[lineStart - 2] === CR && body[lineStart - 1] === LF) return lineStart - 2;
  if (lineStart >= 1 && body[lineStart - 1] === LF) return lineStart - 1;
  return lineStart;
}

function decodeQuotedPrintable(body: Buffer): Buffer {
  const text = withoutTrailingWhitespace(body.toString("latin1"))
    .replace(/=\r?\n/g, "") // soft line breaks
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(text, "latin1");
}

/**
 * Removes the spaces and tabs before each LF or CRLF: trailing whitespace was added in transport
 * (RFC 2045 §6.7). Whitespace at the very end, with no line break after it, stays. One pass over
 * the text: the regex /[ \t]+(?=\r?\n)/g retried from every space of a run and scanned to the
 * run's end each time, quadratic in the run's length (60 kB of spaces took 9 s).
 */
export function withoutTrailingWhitespace(text: string): string {
  let out = "";
  let copied = 0; // text before this index is already in `out`
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (char !== " " && char !== "\t") {
      i++;
      continue;
    }
    const runStart = i;
    while (text[i] === " " || text[i] === "\t") i++;
    if (text[i] === "\n" || (text[i] === "\r" && text[i + 1] === "\n")) {
      out += text.slice(copied, runStart);
      copied = i;
    }
  }
  return out + text.slice(copied);
}
