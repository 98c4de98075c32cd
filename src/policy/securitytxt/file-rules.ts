import { FIELD_SPECS } from "./registry.js";
import { error, type Finding, type SecurityTxtField, warning } from "./types.js";
import { parseUri } from "./uri.js";

/** Rules about the file as a whole: required fields, fields that may appear once, the Canonical location. */
export function checkFileRules(
  fields: readonly SecurityTxtField[],
  expectedCanonical: string | undefined,
): Finding[] {
  const findings: Finding[] = [];
  for (const spec of FIELD_SPECS) {
    const occurrences = fields.filter((field) => field.name.toLowerCase() === spec.name.toLowerCase());
    const slug = spec.name.toLowerCase();
    if (spec.required && occurrences.length === 0) {
      findings.push(error(0, `missing-${slug}`, `the file has no ${spec.name} field; RFC 9116 requires one`));
    }
    const second = occurrences[1];
    if (spec.single && second !== undefined) {
      const lines = occurrences.map((field) => field.line).join(", ");
      const message = `line ${second.line}: ${spec.name} appears ${occurrences.length} times (lines ${lines}); it must appear only once`;
      findings.push(error(second.line, `multiple-${slug}`, message, second.name));
    }
  }
  if (expectedCanonical !== undefined) findings.push(...checkCanonical(fields, expectedCanonical));
  return findings;
}

// RFC 9116 §2.5.2: when the file was fetched from a URI that no Canonical field lists, its contents
// should not be trusted. Files without any Canonical field are left alone (the field is optional).
function checkCanonical(fields: readonly SecurityTxtField[], expected: string): Finding[] {
  const canonical = fields.filter((field) => field.name.toLowerCase() === "canonical");
  const first = canonical[0];
  if (first === undefined) return [];
  const wanted = normalise(expected);
  if (canonical.some((field) => normalise(field.value) === wanted)) return [];
  const listed = canonical.map((field) => `line ${field.line}`).join(", ");
  const message = `line ${first.line}: no Canonical field (${listed}) matches ${expected}, where the file was fetched from`;
  return [warning(first.line, "canonical-mismatch", message, first.name)];
}

/** Compares web URIs the way browsers do (case of scheme and host, default port); anything else exactly. */
function normalise(uri: string): string {
  const parsed = parseUri(uri);
  if (!parsed.ok || (parsed.uri.scheme !== "https" && parsed.uri.scheme !== "http") || !URL.canParse(uri))
    return uri;
  return new URL(uri).href;
}
