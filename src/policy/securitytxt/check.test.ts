import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkSecurityTxt, type SecurityTxtReport } from "./check.js";
import { parseDateTime } from "./datetime.js";
import { isLanguageTag } from "./langtag.js";

// Upstream's valid files (test/vectors/README.md) and our own broken fixtures, both in the repository.
const VECTORS = fileURLToPath(new URL("../../../test/vectors/securitytxt/", import.meta.url));
const BROKEN = fileURLToPath(new URL("../../../test/fixtures/securitytxt-broken/", import.meta.url));
const VECTOR_DIRS = ["valid_signed", "valid_unsigned", "gen_unsigned"] as const;
const DAY = 86_400_000;

/** Lists a vector folder; a missing folder yields nothing, so the count assertion below fails clearly. */
function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

const vectors = VECTOR_DIRS.flatMap((dir) =>
  listDir(`${VECTORS}${dir}`).map((name) => ({ dir, name, path: `${VECTORS}${dir}/${name}` })),
);

/**
 * The vectors are real files whose Expires dates are mostly in the past. To check them for
 * everything but staleness, each is checked "one day before its earliest Expires value", so that
 * the `expired` error does not fire (and neither does the more-than-a-year warning).
 */
function nowFor(text: string): Date {
  const probe = checkSecurityTxt(text, { now: new Date(0) });
  const times = probe.fields
    .filter((field) => field.name.toLowerCase() === "expires")
    .flatMap((field) => {
      const parsed = parseDateTime(field.value);
      return parsed.ok ? [parsed.epochMs] : [];
    });
  expect(times.length).toBeGreaterThan(0);
  return new Date(Math.min(...times) - DAY);
}

describe("RFC 9116 vectors", () => {
  it("reads all 108 valid vectors", () => {
    expect(vectors).toHaveLength(108);
  });

  it.each(vectors)("$dir/$name has no errors", ({ dir, path }) => {
    const text = readFileSync(path, "utf8");
    const report = checkSecurityTxt(text, { now: nowFor(text) });
    expect(report.errors).toEqual([]);
    expect(report.signed).toBe(dir === "valid_signed");
    expect(report.fields.some((field) => field.name.toLowerCase() === "contact")).toBe(true);
  });
});

interface Expectation {
  errors: string[];
  why: string;
}

const FIXTURE_NOW = new Date("2026-06-01T00:00:00Z");
const manifest = JSON.parse(readFileSync(`${BROKEN}expected.json`, "utf8")) as Record<string, Expectation>;

describe("broken fixtures", () => {
  it("has a manifest entry for every fixture and at least 15 fixtures", () => {
    const files = listDir(BROKEN).filter((name) => name.endsWith(".txt"));
    expect(files).toEqual(Object.keys(manifest).sort());
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it.each(Object.entries(manifest))("%s reports exactly its expected error codes", (name, expected) => {
    const report = checkSecurityTxt(readFileSync(`${BROKEN}${name}`, "utf8"), { now: FIXTURE_NOW });
    expect(report.errors.length).toBeGreaterThan(0);
    const codes = [...new Set(report.errors.map((problem) => problem.code))].sort();
    expect(codes).toEqual([...new Set(expected.errors)].sort());
  });
});

const NOW = new Date("2026-06-01T00:00:00Z");

/** A minimal valid file plus extra lines. */
function file(...extra: string[]): string {
  return ["Contact: mailto:security@example.com", "Expires: 2026-12-31T00:00:00Z", ...extra, ""].join("\n");
}

function codes(problems: SecurityTxtReport["errors"]): string[] {
  return problems.map((problem) => problem.code);
}

describe("Expires", () => {
  const check = (expires: string) =>
    checkSecurityTxt(`Contact: mailto:security@example.com\nExpires: ${expires}\n`, { now: NOW });

  it("warns when Expires is more than a year away", () => {
    const report = check("2027-06-02T00:00:00Z");
    expect(report.errors).toEqual([]);
    expect(report.warnings).toMatchObject([{ code: "expires-too-far", line: 2, field: "Expires" }]);
  });

  it("does not warn at exactly one year", () => {
    expect(check("2027-06-01T00:00:00Z").warnings).toEqual([]);
  });

  it("is expired at or before now, taking the offset into account", () => {
    expect(codes(check("2026-06-01T00:00:00Z").errors)).toEqual(["expired"]);
    // 01:00 at +02:00 is 23:00 UTC the day before.
    expect(codes(check("2026-06-01T01:00:00+02:00").errors)).toEqual(["expired"]);
    expect(check("2026-06-01T01:00:00-02:00").errors).toEqual([]);
  });

  it("accepts RFC 3339 variants: fractions, lower-case t/z, space separator, leap day", () => {
    for (const value of [
      "2026-12-31T18:37:07.123456Z",
      "2026-12-31t18:37:07z",
      "2026-12-31 18:37:07+00:00",
      "2028-02-29T00:00:00Z",
    ]) {
      expect(parseDateTime(value).ok, value).toBe(true);
    }
    for (const value of [
      "2027-02-29T00:00:00Z",
      "2026-12-31T24:00:00Z",
      "2026-12-31T12:00:60Z",
      "2026-12-31",
      "20261231T000000Z",
    ]) {
      expect(parseDateTime(value).ok, value).toBe(false);
    }
  });

  it("uses only options.now, never the system clock", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2099-01-01T00:00:00Z"));
    expect(checkSecurityTxt(file(), { now: NOW }).errors).toEqual([]);
  });

  afterEach(() => {
    vi.useRealTimers();
  });
});

describe("Canonical", () => {
  const text = file("Canonical: https://example.com/.well-known/security.txt");

  it("warns when the expected location is not among the Canonical fields", () => {
    const report = checkSecurityTxt(text, {
      now: NOW,
      expectedCanonical: "https://other.example/.well-known/security.txt",
    });
    expect(report.errors).toEqual([]);
    expect(report.warnings).toMatchObject([{ code: "canonical-mismatch", line: 3, field: "Canonical" }]);
  });

  it("accepts a match, comparing web URIs like a browser (host case, default port)", () => {
    const expectedCanonical = "https://EXAMPLE.com:443/.well-known/security.txt";
    expect(checkSecurityTxt(text, { now: NOW, expectedCanonical }).warnings).toEqual([]);
    const two = file(
      "Canonical: https://a.example/security.txt",
      "Canonical: https://b.example/security.txt",
    );
    expect(
      checkSecurityTxt(two, { now: NOW, expectedCanonical: "https://b.example/security.txt" }).warnings,
    ).toEqual([]);
  });

  it("says nothing when the file has no Canonical field", () => {
    expect(checkSecurityTxt(file(), { now: NOW, expectedCanonical: "https://x.example/" }).warnings).toEqual(
      [],
    );
  });
});

describe("line endings", () => {
  it("gives the same report for LF and CRLF files, without CR in values", () => {
    const lf = file("Policy: https://example.com/policy", "# comment", "Preferred-Languages: en, fr");
    const crlf = lf.replaceAll("\n", "\r\n");
    const mixed = lf.replace("\n", "\r\n");
    const expected = checkSecurityTxt(lf, { now: NOW });
    expect(expected.errors).toEqual([]);
    expect(checkSecurityTxt(crlf, { now: NOW })).toEqual(expected);
    expect(checkSecurityTxt(mixed, { now: NOW })).toEqual(expected);
    expect(expected.fields.every((field) => !/[\r\n]/.test(field.value))).toBe(true);
  });

  it("rejects a lone CR and warns about a missing final line break", () => {
    expect(codes(checkSecurityTxt(file("# a\rb"), { now: NOW }).errors)).toEqual(["bad-character"]);
    const report = checkSecurityTxt(file().trimEnd(), { now: NOW });
    expect(report.errors).toEqual([]);
    expect(codes(report.warnings)).toEqual(["missing-final-newline"]);
  });

  it("strips trailing whitespace, which belongs to the line end", () => {
    const report = checkSecurityTxt(
      "Contact: mailto:security@example.com \t\nExpires: 2026-12-31T00:00:00Z\t\n",
      { now: NOW },
    );
    expect(report.errors).toEqual([]);
    expect(report.fields.map((field) => field.value)).toEqual([
      "mailto:security@example.com",
      "2026-12-31T00:00:00Z",
    ]);
  });
});

describe("field names", () => {
  it("are case-insensitive and reported as written", () => {
    const report = checkSecurityTxt("cOnTaCt: mailto:security@example.com\nEXPIRES: 2026-12-31T00:00:00Z\n", {
      now: NOW,
    });
    expect(report.errors).toEqual([]);
    expect(report.fields).toEqual([
      { name: "cOnTaCt", value: "mailto:security@example.com", line: 1 },
      { name: "EXPIRES", value: "2026-12-31T00:00:00Z", line: 2 },
    ]);
  });

  it("count different spellings as the same field, naming both lines", () => {
    const report = checkSecurityTxt(file("# again", "expires: 2026-11-30T00:00:00Z"), { now: NOW });
    expect(report.errors).toMatchObject([{ code: "multiple-expires", line: 4, field: "expires" }]);
    expect(report.errors[0]?.message).toContain("lines 2, 4");
  });

  it("allow unknown extension fields, including folded and empty values", () => {
    const report = checkSecurityTxt(file("X-Custom: first part", "  second part", "Empty-Ext:"), {
      now: NOW,
    });
    expect(report.errors).toEqual([]);
    expect(report.fields.slice(2)).toEqual([
      { name: "X-Custom", value: "first part  second part", line: 3 },
      { name: "Empty-Ext", value: "", line: 5 },
    ]);
  });

  it("warn about a missing space after a registered field's colon, but reject it for unknown names", () => {
    const report = checkSecurityTxt(file("Policy:https://example.com/policy"), { now: NOW });
    expect(report.errors).toEqual([]);
    expect(report.warnings).toMatchObject([{ code: "missing-space", line: 3, field: "Policy" }]);
    expect(codes(checkSecurityTxt(file("Note:see below"), { now: NOW }).errors)).toEqual(["bad-line"]);
  });

  it("report file-wide problems on line 0 and field problems with their line and field", () => {
    const report = checkSecurityTxt("Hiring: http://example.com/jobs\n", { now: NOW });
    expect(report.errors).toMatchObject([
      { line: 0, code: "missing-contact" },
      { line: 0, code: "missing-expires" },
      { line: 1, code: "insecure-uri", field: "Hiring" },
    ]);
    expect(report.errors[2]?.message).toMatch(/^line 1: Hiring /);
  });
});

describe("signed files", () => {
  const signature = [
    "-----BEGIN PGP SIGNATURE-----",
    "",
    "iHUEARYKAB0WIQSsP2kEdoKDVFpSg6u3rK+YCkjapwUCY9qRaQAKCRC3rK+YCkja",
    "=KONn",
    "-----END PGP SIGNATURE-----",
  ];

  it("removes dash-escaping and keeps the file's line numbers", () => {
    const text = [
      "-----BEGIN PGP SIGNED MESSAGE-----",
      "Hash: SHA512",
      "",
      "Contact: mailto:security@example.com",
      "- --- a dash-escaped line that is still not a field",
      "- Expires: 2026-12-31T00:00:00Z",
      ...signature,
      "",
    ].join("\r\n");
    const report = checkSecurityTxt(text, { now: NOW });
    expect(report.signed).toBe(true);
    expect(report.fields).toEqual([
      { name: "Contact", value: "mailto:security@example.com", line: 4 },
      { name: "Expires", value: "2026-12-31T00:00:00Z", line: 6 },
    ]);
    expect(report.errors).toMatchObject([{ code: "bad-line", line: 5 }]);
  });

  it("warns about weak hash algorithms", () => {
    const text = [
      "-----BEGIN PGP SIGNED MESSAGE-----",
      "Hash: SHA1",
      "",
      ...file().split("\n").slice(0, 2),
      ...signature,
    ].join("\n");
    const report = checkSecurityTxt(`${text}\n`, { now: NOW });
    expect(report.errors).toEqual([]);
    expect(codes(report.warnings)).toEqual(["weak-hash"]);
  });
});

describe("URIs", () => {
  const contact = (value: string) =>
    codes(checkSecurityTxt(`Contact: ${value}\nExpires: 2026-12-31T00:00:00Z\n`, { now: NOW }).errors);

  it.each([
    "https://example.com/report?lang=en#form",
    "https://[2001:db8::1]:8443/report",
    "https://192.0.2.1/",
    "mailto:security@example.com,abuse@example.com?subject=Vulnerability",
    "mailto:sec%2Bteam@example.com",
    "tel:+1-201-555-0123",
    "tel:7042;phone-context=example.com",
  ])("accepts Contact %s", (value) => {
    expect(contact(value)).toEqual([]);
  });

  it.each([
    "https://exa mple.com/",
    "https://",
    "https:example.com",
    "https://example..com/",
    "https://example.com:99999/",
    "https://example.com/é",
    "https://example.com/<script>",
    "https://[2001:db8::g]/",
    "mailto:",
    "mailto:@example.com",
    "tel:+",
    "tel:5551234",
    "example.com",
    "1http://example.com",
  ])("rejects Contact %s as bad-uri", (value) => {
    expect(contact(value)).toEqual(["bad-uri"]);
  });

  it("accepts the Encryption schemes dns: and openpgp4fpr:", () => {
    const report = checkSecurityTxt(
      file(
        "Encryption: dns:5d2d37ab76d47d36._openpgpkey.example.com?type=OPENPGPKEY",
        `Encryption: openpgp4fpr:${"a".repeat(64)}`,
        "Encryption: openpgp4fpr:62CD131BB064942708ACFE624A1BB804224DE5A4",
      ),
      { now: NOW },
    );
    expect(report.errors).toEqual([]);
  });

  it("lets Policy, Hiring and Acknowledgments use non-web schemes but not http:", () => {
    expect(checkSecurityTxt(file("Policy: urn:isbn:0451450523"), { now: NOW }).errors).toEqual([]);
    expect(
      codes(checkSecurityTxt(file("Acknowledgments: http://example.com/thanks"), { now: NOW }).errors),
    ).toEqual(["insecure-uri"]);
  });
});

describe("Preferred-Languages", () => {
  it.each([
    "en",
    "fr-CA",
    "zh-Hant-TW",
    "de-CH-1901",
    "es-419",
    "sgn-BE-FR",
    "x-klingon",
    "en-a-bbb-x-a-ccc",
    "EN-us",
  ])("accepts %s", (tag) => {
    expect(isLanguageTag(tag)).toBe(true);
  });

  it.each(["en_US", "e", "en-", "123", "de-1901-1901", "en-a-aa-a-bb", "en-x", "toolongtag"])(
    "rejects %s",
    (tag) => {
      expect(isLanguageTag(tag)).toBe(false);
    },
  );

  it("accepts whitespace around commas", () => {
    expect(checkSecurityTxt(file("Preferred-Languages: en ,\tfr , de"), { now: NOW }).errors).toEqual([]);
  });
});
