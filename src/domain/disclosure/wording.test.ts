import { describe, expect, it } from "vitest";
import { expectWithinBudget } from "../../../test/support/time-budget.js";
import {
  findEmbargoedIdentifiers,
  findForbiddenWords,
  identifierChecker,
  identifierDigest,
  type WordingRules,
  wordingChecker,
} from "./wording.js";

const ROCKETCHAT = { forbiddenWords: ["XSS", "hacker", "exploit"], exceptions: ["exploit mitigation"] };
const words = (text: string, rules: WordingRules = ROCKETCHAT) =>
  findForbiddenWords(text, rules).findings.map(({ word, found, line, column }) => [
    word,
    found,
    line,
    column,
  ]);

describe("forbidden words", () => {
  it("finds whole words only, case-insensitively, with their line and column", () => {
    expect(words("Fix XSS in preview")).toEqual([["XSS", "XSS", 1, 5]]);
    expect(words("fix (xss) here\nA hacker's exploit.")).toEqual([
      ["XSS", "xss", 1, 6],
      ["hacker", "hacker", 2, 3],
      ["exploit", "exploit", 2, 12],
    ]);
    for (const clean of [
      "exploited",
      "exploits",
      "hackerone",
      "xss2",
      "noxss",
      "xss_filter",
      "Sanitise preview markup",
    ])
      expect(words(clean), clean).toEqual([]);
    // Punctuation of any kind is a boundary; letters of any script are not.
    expect(words("«XSS»—EXPLOIT/hacker")).toHaveLength(3);
    expect(words("éxploit exploité xssé")).toEqual([]);
  });

  it("counts columns in code points, and lines after any text", () => {
    expect(words("😀 😀 xss")).toEqual([["XSS", "xss", 1, 5]]);
    expect(words("a\r\nb\n\n  XSS")).toEqual([["XSS", "XSS", 4, 3]]);
  });

  it("allows a forbidden word inside an exception phrase, case-insensitively, and nowhere else", () => {
    expect(words("Add Exploit Mitigation to the preview")).toEqual([]);
    expect(words("exploit-mitigation; an exploit")).toEqual([["exploit", "exploit", 1, 24]]);
    expect(words("mitigation exploit")).toEqual([["exploit", "exploit", 1, 12]]);
    const multi = { forbiddenWords: ["XSS"], exceptions: ["the anti XSS filter", "XSS"] };
    expect(
      words("the anti-XSS filter", { forbiddenWords: ["XSS"], exceptions: ["the anti XSS filter"] }),
    ).toEqual([]);
    expect(words("anything XSS", multi)).toEqual([]);
  });

  it("matches phrases word by word, and ignores entries without a word", () => {
    const rules = { forbiddenWords: ["proof of concept", "--"] };
    expect(words("A Proof-of-Concept\nand a proof\nof concept", rules)).toEqual([
      ["proof of concept", "Proof-of-Concept", 1, 3],
      ["proof of concept", "proof\nof concept", 2, 7],
    ]);
  });

  it("reports at most the limit and counts the rest", () => {
    const check = wordingChecker(ROCKETCHAT, 3);
    const result = check("xss ".repeat(10));
    expect(result.findings).toHaveLength(3);
    expect(result.total).toBe(10);
  });

  it("scans a 10 MB diff in linear time, even one built to make a regex backtrack", async () => {
    const line = "+  const preview = sanitise(markup); // exploit mitigation for xsss and hackers\n";
    const big = line.repeat(Math.ceil(10_000_000 / line.length));
    const hostile = `${"exploit ".repeat(600_000)}mitigation ${"a".repeat(5_000_000)}`;
    const check = wordingChecker(ROCKETCHAT);
    expect(check(big).total).toBe(0);
    expect(check(hostile).total).toBe(599_999);
    await expectWithinBudget("a 10 MB diff", big.length, () => check(big));
    await expectWithinBudget("a hostile text", hostile.length, () => check(hostile));
  });
});

describe("identifiers under embargo", () => {
  const values = {
    kind: "values" as const,
    values: new Set(["CVE-2026-1234", "GHSA-ABCD-1234-WXYZ", "ABCDEFGHIJKLMNOP"]),
  };
  const hashes = { kind: "hashes" as const, hashes: new Set([...values.values].map(identifierDigest)) };
  const found = (text: string, embargoed: typeof values | typeof hashes = values) =>
    findEmbargoedIdentifiers(text, embargoed).findings.map(({ value, line, column }) => [
      value,
      line,
      column,
    ]);

  it("finds CVE ids, aliases and case ids in any case, with their line and column", () => {
    expect(found("Fixes cve-2026-1234.")).toEqual([["CVE-2026-1234", 1, 7]]);
    expect(found("see (GHSA-abcd-1234-wxyz) and\ncase abcdefghijklmnop")).toEqual([
      ["GHSA-ABCD-1234-WXYZ", 1, 6],
      ["ABCDEFGHIJKLMNOP", 2, 6],
    ]);
    expect(found("refs: case:abcdefghijklmnop, #CVE-2026-1234")).toEqual([
      ["ABCDEFGHIJKLMNOP", 1, 12],
      ["CVE-2026-1234", 1, 31],
    ]);
    expect(found("https://embargo.example/cases/abcdefghijklmnop?x")).toEqual([["ABCDEFGHIJKLMNOP", 1, 31]]);
    expect(found("case-abcdefghijklmnop")).toEqual([["ABCDEFGHIJKLMNOP", 1, 6]]);
  });

  it("does not take a longer id or a neighbour for one under embargo", () => {
    expect(found("CVE-2026-12345 CVE-2026-123 xabcdefghijklmnop abcdefghijklmnopq")).toEqual([]);
  });

  it("matches hashes without being able to name the identifier", () => {
    expect(found("Fixes CVE-2026-1234 and GHSA-abcd-1234-wxyz", hashes)).toEqual([
      [null, 1, 7],
      [null, 1, 25],
    ]);
    expect(identifierDigest("cve-2026-1234")).toBe(identifierDigest("CVE-2026-1234"));
    expect(identifierDigest("CVE-2026-1234")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("finds nothing with an empty list, and skips runs too long to be an identifier", () => {
    expect(found("CVE-2026-1234", { kind: "values", values: new Set() })).toEqual([]);
    expect(found(`${"a".repeat(300)}-CVE-2026-1234`)).toEqual([]);
  });

  it("hashes a 10 MB diff quickly", async () => {
    const line =
      "+  if (cve_2026 && options.preview-markup) return sanitise(id_0123456789abcdef); // CVE-2026-9999\n";
    const big = `${line.repeat(Math.ceil(10_000_000 / line.length))}CVE-2026-1234\n`;
    const check = identifierChecker(hashes);
    expect(check(big).total).toBe(1);
    await expectWithinBudget("a 10 MB diff", big.length, () => check(big));
  });
});
