/**
 * Attachment names and types come from reporters and end up in staff browsers' download
 * dialogs and Content-Disposition headers, so only a safe subset is kept.
 */
const MAX_FILENAME_LENGTH = 100;
const FALLBACK_FILENAME = "attachment";
/** Control characters, and bidirectional overrides that disguise extensions ("txt.exe"). */
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
/** Anything but letters, digits, marks, space and . _ - ( ) + @ becomes "_". */
const UNSAFE = /[^\p{L}\p{M}\p{N} ._()+@-]/gu;

export function sanitizeFilename(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? "";
  let clean = base
    .normalize("NFC")
    .replace(INVISIBLE, "")
    .replace(UNSAFE, "_")
    .replace(/_{2,}/g, "_")
    .replace(/\s+/g, " ")
    .replace(/^[\s.]+/, "") // no hidden files, no "..", no leading spaces
    .replace(/(?<![\s.])[\s.]+$/, ""); // Windows drops trailing dots and spaces (lookbehind: linear)
  if ([...clean].length > MAX_FILENAME_LENGTH) clean = truncateKeepingExtension(clean);
  return clean === "" || /^_+$/.test(clean) ? FALLBACK_FILENAME : clean;
}

function truncateKeepingExtension(name: string): string {
  const chars = [...name];
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? [...name.slice(dot)] : [];
  if (extension.length === 0 || extension.length > 16) return chars.slice(0, MAX_FILENAME_LENGTH).join("");
  const stem = [...name.slice(0, dot)].slice(0, MAX_FILENAME_LENGTH - extension.length);
  return stem.join("") + extension.join("");
}

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** `type/subtype` in lower case, parameters dropped; anything else is application/octet-stream. */
export function sanitizeContentType(contentType: string): string {
  const essence = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return MEDIA_TYPE.test(essence) ? essence : "application/octet-stream";
}
