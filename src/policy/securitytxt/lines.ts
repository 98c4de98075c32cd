import { error, type Finding, type SourceLine, warning } from "./types.js";

// Controls other than TAB. A CR left inside a line after splitting on (CR)LF is a lone CR, which
// RFC 9116's `eol = *WSP [CR] LF` does not allow; the other controls match neither VCHAR, WSP nor
// the %x80-FFFFF range that comments may use.
// (A function rather than a regular expression: the linter rightly flags control characters in regexes.)
function findControl(text: string): number | undefined {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return code;
  }
  return undefined;
}

/**
 * Splits the text into numbered lines. Lines end in LF or CRLF (files may mix both). A missing
 * final line break and a leading byte-order mark are tolerated with a warning.
 */
export function splitLines(text: string): { lines: SourceLine[]; findings: Finding[] } {
  const findings: Finding[] = [];
  let body = text;
  if (body.startsWith("\uFEFF")) {
    findings.push(warning(1, "byte-order-mark", "line 1: the file starts with a byte-order mark (U+FEFF)"));
    body = body.slice(1);
  }
  const pieces = body.split(/\r?\n/);
  const last = pieces[pieces.length - 1];
  if (last === "") {
    pieces.pop();
  } else {
    // RFC 9116 requires every field line to end in an end-of-line.
    findings.push(
      warning(
        pieces.length,
        "missing-final-newline",
        `line ${pieces.length}: the last line has no line break`,
      ),
    );
  }
  const lines = pieces.map((piece, index) => ({ number: index + 1, text: piece }));
  for (const line of lines) {
    const control = findControl(line.text);
    if (control !== undefined) {
      const code = control.toString(16).toUpperCase().padStart(4, "0");
      const what = code === "000D" ? "a carriage return that does not end the line" : "a control character";
      findings.push(error(line.number, "bad-character", `line ${line.number}: contains ${what} (U+${code})`));
    }
  }
  return { lines, findings };
}

/** Whether a line is empty or holds only spaces and tabs (RFC 9116 allows `*WSP` before the line end). */
export function isBlank(text: string): boolean {
  return /^[ \t]*$/.test(text);
}

/** Removes trailing spaces and tabs: they belong to RFC 9116's `eol`, not to the value. */
export function trimTrailingWsp(text: string): string {
  // The lookbehind starts a match only where a run begins: without it each space of a long run
  // starts a scan to the run's end, quadratic in the run's length.
  return text.replace(/(?<![ \t])[ \t]+$/, "");
}
