import { parseDateTime } from "./datetime.js";
import { isLanguageTag } from "./langtag.js";
import type { FieldSpec } from "./registry.js";
import { checkSchemeSyntax } from "./schemes.js";
import { error, type Finding, quote, type SecurityTxtField, warning } from "./types.js";
import { parseUri } from "./uri.js";

/** Checks the value of one registered field against its specification. */
export function checkFieldValue(field: SecurityTxtField, spec: FieldSpec, now: Date): Finding[] {
  const at = `line ${field.line}: ${field.name}`;
  if (field.value === "") return [error(field.line, "empty-value", `${at} has an empty value`, field.name)];
  switch (spec.kind) {
    case "uri":
      return checkUri(field, spec, at);
    case "date-time":
      return checkExpires(field, now, at);
    case "language-list":
      return checkLanguages(field, at);
  }
}

function checkUri(field: SecurityTxtField, spec: FieldSpec, at: string): Finding[] {
  const fail = (code: string, message: string) => [
    error(field.line, code, `${at} ${quote(field.value)} ${message}`, field.name),
  ];
  const parsed = parseUri(field.value);
  if (!parsed.ok) return fail("bad-uri", `is not a valid URI: it ${parsed.reason}`);
  const scheme = parsed.uri.scheme;
  // A plain-http web URI is reported as insecure wherever https would be accepted.
  if (scheme === "http" && (spec.schemes === undefined || spec.schemes.includes("https"))) {
    return fail("insecure-uri", "uses http://; web URIs in security.txt MUST use https://");
  }
  if (spec.schemes !== undefined && !spec.schemes.includes(scheme)) {
    const allowed = spec.schemes.map((name) => `${name}:`).join(", ");
    return fail("unsupported-scheme", `uses the ${scheme}: scheme; ${spec.name} accepts ${allowed}`);
  }
  const reason = checkSchemeSyntax(parsed.uri, field.value);
  if (reason !== undefined) return fail("bad-uri", `is not a valid ${scheme}: URI: it ${reason}`);
  // CSAF 2.0 §7.1.8: the CSAF field points to the provider's provider-metadata.json.
  if (spec.name === "CSAF" && parsed.uri.path.split("/").pop() !== "provider-metadata.json") {
    return fail("bad-csaf-uri", "must point to a provider-metadata.json file");
  }
  return [];
}

function checkExpires(field: SecurityTxtField, now: Date, at: string): Finding[] {
  const parsed = parseDateTime(field.value);
  if (!parsed.ok)
    return [error(field.line, "bad-date", `${at} ${quote(field.value)} ${parsed.reason}`, field.name)];
  const expires = parsed.epochMs;
  if (expires <= now.getTime()) {
    const message = `${at} ${field.value} is not after ${now.toISOString()}: the file has expired`;
    return [error(field.line, "expired", message, field.name)];
  }
  const yearAhead = new Date(now.getTime());
  yearAhead.setUTCFullYear(yearAhead.getUTCFullYear() + 1);
  if (expires > yearAhead.getTime()) {
    const message = `${at} ${field.value} is more than a year after ${now.toISOString()}; RFC 9116 recommends less than a year`;
    return [warning(field.line, "expires-too-far", message, field.name)];
  }
  return [];
}

// RFC 9116: lang-values = lang-tag *(*WSP "," *WSP lang-tag)
function checkLanguages(field: SecurityTxtField, at: string): Finding[] {
  const findings: Finding[] = [];
  for (const entry of field.value.split(",")) {
    const tag = entry.replace(/^[ \t]+|(?<![ \t])[ \t]+$/g, "");
    if (tag === "") {
      findings.push(
        error(
          field.line,
          "bad-language-tag",
          `${at} has an empty entry in its comma-separated list`,
          field.name,
        ),
      );
    } else if (!isLanguageTag(tag)) {
      const message = `${at} ${quote(tag)} is not a language tag (RFC 5646, e.g. en, fr-CA, zh-Hant)`;
      findings.push(error(field.line, "bad-language-tag", message, field.name));
    }
  }
  return findings;
}
