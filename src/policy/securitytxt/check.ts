import { checkFieldValue } from "./field-values.js";
import { checkFileRules } from "./file-rules.js";
import { parseFields } from "./grammar.js";
import { splitLines } from "./lines.js";
import { fieldSpec } from "./registry.js";
import { unwrapCleartext } from "./signature.js";
import type { Finding, SecurityTxtOptions, SecurityTxtProblem, SecurityTxtReport } from "./types.js";

export type { SecurityTxtField, SecurityTxtOptions, SecurityTxtProblem, SecurityTxtReport } from "./types.js";

/**
 * Checks a security.txt file against RFC 9116: the line grammar, the OpenPGP cleartext signature
 * framing when the file is signed (the signature itself is not verified here), and the rules for
 * each field. Pure: the only clock is `options.now`.
 */
export function checkSecurityTxt(text: string, options: SecurityTxtOptions): SecurityTxtReport {
  if (Number.isNaN(options.now.getTime()))
    throw new RangeError("checkSecurityTxt: options.now is an invalid Date");
  const split = splitLines(text);
  const envelope = unwrapCleartext(split.lines);
  const parsed = parseFields(envelope.content);
  const findings: Finding[] = [...split.findings, ...envelope.findings, ...parsed.findings];
  for (const field of parsed.fields) {
    const spec = fieldSpec(field.name);
    if (spec !== undefined) findings.push(...checkFieldValue(field, spec, options.now));
  }
  findings.push(...checkFileRules(parsed.fields, options.expectedCanonical));

  // Top to bottom, file-wide problems (line 0) first; sort is stable, so same-line order is kept.
  findings.sort((a, b) => a.line - b.line);
  const pick = (severity: Finding["severity"]): SecurityTxtProblem[] =>
    findings.filter((finding) => finding.severity === severity).map(({ severity: _, ...problem }) => problem);
  return {
    signed: envelope.signed,
    fields: parsed.fields.map(({ name, value, line }) => ({ name, value, line })),
    errors: pick("error"),
    warnings: pick("warning"),
  };
}
