/**
 * A received attachment's name, made safe to store and to offer as a download: the sender
 * controls it completely.
 */

export const MAX_FILENAME_LENGTH = 200;
export const FALLBACK_FILENAME = "attachment";
const MAX_EXTENSION_LENGTH = 16;

// C0/C1 control characters, and the bidirectional overrides and isolates that make
// "invoice\u202Efdp.exe" display as "invoiceexe.pdf".
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

export function sanitizeFilename(name: string | undefined | null): string {
  if (!name) return FALLBACK_FILENAME;
  // Only the last path segment: "../../etc/passwd" and "C:\\x\\evil.exe" lose their directories.
  const base = name.normalize("NFC").split(/[/\\]/).pop() ?? "";
  const cleaned = base.replace(UNSAFE_CHARACTERS, "").trim();
  if (cleaned === "" || /^\.+$/.test(cleaned)) return FALLBACK_FILENAME;
  return truncate(cleaned);
}

/**
 * Cuts to MAX_FILENAME_LENGTH UTF-16 units (what `.length` and most databases count), never
 * splitting a surrogate pair, and keeping a short extension.
 */
function truncate(name: string): string {
  if (name.length <= MAX_FILENAME_LENGTH) return name;
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 && name.length - dot <= MAX_EXTENSION_LENGTH ? name.slice(dot) : "";
  return (
    cutCodePoints(name.slice(0, name.length - extension.length), MAX_FILENAME_LENGTH - extension.length) +
    extension
  );
}

function cutCodePoints(text: string, maxUnits: number): string {
  let out = "";
  for (const char of text) {
    if (out.length + char.length > maxUnits) break;
    out += char;
  }
  return out;
}
