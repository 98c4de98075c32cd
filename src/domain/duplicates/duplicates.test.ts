import { describe, expect, it } from "vitest";
import {
  type DuplicateCase,
  firstReporter,
  normalisedTokens,
  suggestDuplicates,
  TEXT_PREFIX_CHARS,
  titleSimilarity,
  wordTokens,
} from "./index.js";

let sequence = 0;
function buildCase(overrides: Partial<DuplicateCase> = {}): DuplicateCase {
  sequence += 1;
  return {
    id: `case-${String(sequence).padStart(3, "0")}`,
    assetId: "web-app",
    title: "Untitled",
    text: "",
    receivedAt: new Date(Date.UTC(2026, 0, 1, 0, sequence)),
    ...overrides,
  };
}

const STORED_XSS_TEXT = `Steps to reproduce:
1. Log in and open https://app.example.com/settings/profile
2. Put <img src=x onerror=alert(document.domain)> in the bio field and save.
3. Visit the public profile page: the script runs in the visitor's session.
Impact: an attacker can steal session cookies of anyone who views the profile.`;

const SIMILAR_XSS_TEXT = `The bio field on the profile page does not encode HTML.
Payload: <svg onload=alert(document.cookie)> saved in the bio is executed when someone views the profile page,
so session cookies can be stolen.`;

describe("tokens", () => {
  it("lower-cases, strips diacritics and punctuation", () => {
    expect(wordTokens("Crème-brûlée: user's /api/v2/Profile!")).toEqual([
      "creme",
      "brulee",
      "users",
      "api",
      "v2",
      "profile",
    ]);
  });

  it("folds common names to their abbreviation and drops stop words", () => {
    expect(normalisedTokens("Stored Cross-Site Scripting in the profile bio")).toEqual([
      "stored",
      "xss",
      "profile",
      "bio",
    ]);
    expect(normalisedTokens("SQL injection via search queries")).toEqual(["sqli", "search", "query"]);
    expect(normalisedTokens("Session cookies lack HttpOnly")).toEqual([
      "session",
      "cookie",
      "lack",
      "httponly",
    ]);
  });
});

describe("titleSimilarity", () => {
  it.each([
    ["Stored XSS in profile bio", "XSS via bio field on profile page", 0.6, 1],
    ["Stored XSS in profile bio", "Stored cross-site scripting in the profile bio", 1, 1],
    ["SQL injection in /search", "SQLi in search endpoint", 0.6, 1],
    ["Stored XSS in profile bio", "Open redirect after login", 0, 0],
    ["CSRF on password change", "Cross-site request forgery when changing the password", 0.5, 1],
  ])("%j vs %j is between %d and %d", (a, b, low, high) => {
    const similarity = titleSimilarity(a, b);
    expect(similarity).toBeGreaterThanOrEqual(low);
    expect(similarity).toBeLessThanOrEqual(high);
  });

  it("is symmetric", () => {
    expect(titleSimilarity("Stored XSS in profile bio", "XSS via bio field on profile page")).toBe(
      titleSimilarity("XSS via bio field on profile page", "Stored XSS in profile bio"),
    );
  });
});

describe("suggestDuplicates", () => {
  const target = buildCase({
    id: "target",
    title: "XSS via bio field on profile page",
    text: SIMILAR_XSS_TEXT,
    receivedAt: new Date("2026-02-10T12:00:00Z"),
  });

  it("finds the same issue on the same asset and explains why", () => {
    const original = buildCase({
      id: "original",
      title: "Stored XSS in profile bio",
      text: STORED_XSS_TEXT,
      receivedAt: new Date("2026-02-01T09:00:00Z"),
    });
    const unrelated = buildCase({
      id: "unrelated",
      title: "Open redirect after login",
      text: "The next= parameter of /login accepts any URL, so https://app.example.com/login?next=https://evil.test redirects.",
    });
    const [first, ...rest] = suggestDuplicates(target, [unrelated, original]);
    expect(first?.id).toBe("original");
    expect(first?.score).toBeGreaterThan(0.6);
    expect(first?.reasons).toEqual([
      "same asset",
      expect.stringMatching(/^similar title \(0\.\d\d\)$/),
      expect.stringMatching(/^similar text \(0\.\d\d\)$/),
      "reported earlier",
    ]);
    // The same asset alone (0.3) stays under the default threshold.
    expect(rest).toEqual([]);
  });

  it("weighs the asset heavily", () => {
    const sameAsset = buildCase({ id: "same", title: "Stored XSS in profile bio", assetId: "web-app" });
    const otherAsset = buildCase({ id: "other", title: "Stored XSS in profile bio", assetId: "mobile-app" });
    const unknownAsset = buildCase({ id: "unknown", title: "Stored XSS in profile bio", assetId: null });
    const result = suggestDuplicates(target, [otherAsset, unknownAsset, sameAsset], { minScore: 0 });
    expect(result.map((s) => s.id)).toEqual(["same", "other", "unknown"]);
    expect(result[0]!.score - result[1]!.score).toBeCloseTo(0.3, 3);
    // Two unknown assets are not "the same asset".
    const noAsset = { ...target, assetId: null };
    expect(suggestDuplicates(noAsset, [unknownAsset], { minScore: 0 })[0]?.reasons).not.toContain(
      "same asset",
    );
  });

  it("excludes the target itself and repeated candidates", () => {
    const copy = { ...target };
    const original = buildCase({ id: "original", title: target.title, text: target.text });
    const result = suggestDuplicates(target, [copy, original, { ...original }], { minScore: 0 });
    expect(result.map((s) => s.id)).toEqual(["original"]);
    expect(result[0]?.score).toBe(1);
  });

  it("puts the earliest received first among equal scores, then the smaller id", () => {
    const late = buildCase({
      id: "a-late",
      title: "Stored XSS in profile bio",
      receivedAt: new Date("2026-02-05"),
    });
    const early = buildCase({
      id: "z-early",
      title: "Stored XSS in profile bio",
      receivedAt: new Date("2026-01-05"),
    });
    const tieB = buildCase({
      id: "b-tie",
      title: "Stored XSS in profile bio",
      receivedAt: new Date("2026-02-05"),
    });
    expect(suggestDuplicates(target, [late, tieB, early]).map((s) => s.id)).toEqual([
      "z-early",
      "a-late",
      "b-tie",
    ]);
  });

  it("compares only the opening of long texts", () => {
    const filler = "lorem ipsum dolor sit amet ".repeat(Math.ceil(TEXT_PREFIX_CHARS / 27) + 1);
    const a = buildCase({ id: "a", title: "One", assetId: null, text: `${filler} unique-words-here` });
    const b = buildCase({
      id: "b",
      title: "Two",
      assetId: null,
      text: `${filler} entirely different ending`,
    });
    const [suggestion] = suggestDuplicates(a, [b], { minScore: 0 });
    expect(suggestion?.score).toBeCloseTo(0.3, 3); // identical openings: text similarity 1, titles 0
  });

  it("honours limit and minScore", () => {
    const many = Array.from({ length: 8 }, (_, i) =>
      buildCase({ id: `dup-${i}`, title: "Stored XSS in profile bio", text: STORED_XSS_TEXT }),
    );
    expect(suggestDuplicates(target, many)).toHaveLength(5);
    expect(suggestDuplicates(target, many, { limit: 2 })).toHaveLength(2);
    expect(suggestDuplicates(target, many, { minScore: 1 })).toEqual([]);
  });

  it("never suggests a case with nothing in common", () => {
    const blank = buildCase({ id: "blank", assetId: null, title: "", text: "" });
    expect(suggestDuplicates({ ...target, assetId: null }, [blank], { minScore: 0 })).toEqual([]);
  });

  it("rejects bad options", () => {
    expect(() => suggestDuplicates(target, [], { limit: 0 })).toThrow(RangeError);
    expect(() => suggestDuplicates(target, [], { limit: 1.5 })).toThrow(RangeError);
    expect(() => suggestDuplicates(target, [], { minScore: 1.1 })).toThrow(RangeError);
    expect(() => suggestDuplicates(target, [], { minScore: Number.NaN })).toThrow(RangeError);
  });

  it("ranks a realistic inbox", () => {
    const inbox = [
      buildCase({
        id: "sqli",
        title: "SQL injection in search",
        text: "The q parameter of /search is concatenated into SQL: q=' OR 1=1-- returns every row.",
      }),
      buildCase({
        id: "xss-comments",
        title: "Reflected XSS in comment preview",
        text: "The preview endpoint echoes the comment body without encoding: <script>alert(1)</script>.",
      }),
      buildCase({
        id: "xss-bio",
        title: "Stored cross-site scripting in the profile bio",
        text: STORED_XSS_TEXT,
        receivedAt: new Date("2026-01-20T08:00:00Z"),
      }),
      buildCase({ id: "csrf", title: "CSRF on email change", text: "No token on POST /settings/email." }),
    ];
    const result = suggestDuplicates(target, inbox);
    expect(result[0]?.id).toBe("xss-bio");
    expect(result.map((s) => s.id)).not.toContain("sqli");
    expect(result.map((s) => s.id)).not.toContain("csrf");
    for (const suggestion of result) {
      expect(suggestion.score).toBeGreaterThanOrEqual(0.35);
      expect(suggestion.score).toBeLessThanOrEqual(1);
    }
  });
});

describe("firstReporter", () => {
  it("gives credit to the earliest report", () => {
    expect(
      firstReporter([
        { id: "c", receivedAt: new Date("2026-01-03T00:00:00Z") },
        { id: "a", receivedAt: new Date("2026-01-02T00:00:00Z") },
        { id: "b", receivedAt: new Date("2026-01-01T23:59:59.999Z") },
      ]),
    ).toBe("b");
  });

  it("breaks ties by id, whatever the input order", () => {
    const at = new Date("2026-01-01T00:00:00Z");
    const cases = [
      { id: "case-9", receivedAt: at },
      { id: "case-10", receivedAt: at },
      { id: "case-2", receivedAt: at },
    ];
    expect(firstReporter(cases)).toBe("case-10");
    expect(firstReporter([...cases].reverse())).toBe("case-10");
  });

  it("rejects an empty list and invalid dates", () => {
    expect(() => firstReporter([])).toThrow(RangeError);
    expect(() => firstReporter([{ id: "x", receivedAt: new Date(Number.NaN) }])).toThrow(RangeError);
  });
});
