import { isBlank, trimTrailingWsp } from "./lines.js";
import { fieldSpec } from "./registry.js";
import { error, type Finding, type SecurityTxtField, type SourceLine, warning } from "./types.js";

// RFC 5322 §3.6.8 field-name = 1*ftext, ftext = %d33-57 / %d59-126 (printable ASCII except ":").
const FIELD_NAME = /^[\x21-\x39\x3B-\x7E]+$/;

const EXPECTED = "expected a `Name: value` field, a comment starting with '#', or a blank line";

/**
 * Parses security.txt content lines following RFC 9116 §4:
 *
 *   line    = [ (field / comment) ] eol
 *   eol     = *WSP [CR] LF
 *   comment = "#" *(WSP / VCHAR / %x80-FFFFF)
 *   field   = field-name ":" SP value
 *
 * Two liberties and one subtlety:
 * - a registered field may omit the space after ":" or use a tab (warning `missing-space`);
 * - leading whitespace before a registered field's value is ignored;
 * - extension fields carry RFC 5322 `unstructured` values, which may be folded: a line starting
 *   with whitespace continues the extension field above it. Registered fields cannot be folded.
 */
export function parseFields(lines: readonly SourceLine[]): {
  fields: SecurityTxtField[];
  findings: Finding[];
} {
  const fields: SecurityTxtField[] = [];
  const findings: Finding[] = [];
  // The extension field that a folded (whitespace-led) line would continue, if any.
  let foldable: SecurityTxtField | undefined;

  for (const line of lines) {
    const text = trimTrailingWsp(line.text);
    const at = `line ${line.number}`;
    if (isBlank(text) || text.startsWith("#")) {
      foldable = undefined;
      continue;
    }
    if (text.startsWith(" ") || text.startsWith("\t")) {
      if (foldable !== undefined) {
        foldable.value += text;
        continue;
      }
      const hint = text.trimStart().startsWith("#")
        ? "a comment must start with '#' in the first column"
        : "only an extension field's value may continue on an indented line";
      findings.push(error(line.number, "bad-line", `${at}: ${EXPECTED} (${hint})`));
      continue;
    }

    foldable = undefined;
    const colon = text.indexOf(":");
    const name = colon < 0 ? "" : text.slice(0, colon);
    if (!FIELD_NAME.test(name)) {
      findings.push(error(line.number, "bad-line", `${at}: ${EXPECTED}`));
      continue;
    }
    const rest = text.slice(colon + 1);
    const spec = fieldSpec(name);
    if (rest !== "" && !rest.startsWith(" ")) {
      if (spec === undefined && !rest.startsWith("\t")) {
        // Without the space, "https://example.com" or "Note:see below" would pass as a field named
        // "https" or "Note"; the RFC grammar requires the space, so such lines are not fields.
        findings.push(error(line.number, "bad-line", `${at}: ${EXPECTED} (no space after the colon)`));
        continue;
      }
      findings.push(
        warning(
          line.number,
          "missing-space",
          `${at}: ${name}: RFC 9116 expects one space after the colon`,
          name,
        ),
      );
    }
    const field = { name, value: rest.replace(/^[ \t]+/, ""), line: line.number };
    fields.push(field);
    if (spec === undefined) foldable = field;
  }
  return { fields, findings };
}
