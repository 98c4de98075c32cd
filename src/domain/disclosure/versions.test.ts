import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALTERNATIVES_MAX,
  compareVersions,
  formatVersion,
  matches,
  type Parsed,
  parseRange,
  parseVersion,
  RANGE_MAX,
  type Range,
  VERSION_MAX,
  type Version,
} from "./versions.js";

const value = <T>(parsed: Parsed<T>): T => {
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};
const v = (text: string) => value(parseVersion(text));
const r = (text: string) => value(parseRange(text));
const error = <T>(parsed: Parsed<T>): string => {
  if (parsed.ok) throw new Error("parsed, but a refusal was expected");
  return parsed.error;
};
const inRange = (range: string, version: string) => matches(r(range), v(version));

describe("versions", () => {
  it("reads dotted numbers, a leading v, pre-releases and builds", () => {
    expect(v("7.0.3")).toEqual({ kind: "numeric", numbers: [7, 0, 3], prerelease: [], build: [] });
    expect(v("v1.2")).toEqual({ kind: "numeric", numbers: [1, 2], prerelease: [], build: [] });
    expect(v("7.1.0-rc.1+build.5")).toEqual({
      kind: "numeric",
      numbers: [7, 1, 0],
      prerelease: ["rc", 1],
      build: ["build", "5"],
    });
    expect(v("2024.1.15.2").kind).toBe("numeric");
    expect(v("live")).toEqual({ kind: "label", label: "live" });
    expect(v("Main")).toEqual({ kind: "label", label: "main" });
  });

  it("orders versions as semver does, missing numbers counting as 0", () => {
    const order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11"];
    const more = ["1.0.0-rc.1", "1.0.0", "1.0.1", "1.2", "1.10", "2", "v2.0.1", "10.0.0"];
    const all = [...order, ...more].map(v);
    for (let i = 1; i < all.length; i++) expect(compareVersions(all[i - 1]!, all[i]!)).toBe(-1);
    expect(compareVersions(v("1.2"), v("1.2.0"))).toBe(0);
    expect(compareVersions(v("1.2.0+abc"), v("1.2.0+def"))).toBe(0);
    expect(compareVersions(v("1.02"), v("1.2"))).toBe(0);
  });

  it("never orders a label against anything but itself", () => {
    expect(compareVersions(v("live"), v("LIVE"))).toBe(0);
    expect(compareVersions(v("live"), v("main"))).toBeUndefined();
    expect(compareVersions(v("live"), v("1.0"))).toBeUndefined();
    expect(compareVersions(v("1.0"), v("main"))).toBeUndefined();
  });

  it("refuses malformed versions with a precise reason", () => {
    expect(error(parseVersion(""))).toBe("is empty");
    expect(error(parseVersion("1".repeat(VERSION_MAX + 1)))).toBe(`is longer than ${VERSION_MAX} characters`);
    expect(error(parseVersion("1.2 3"))).toBe("has a space at position 4: a version is one word");
    expect(error(parseVersion("１.２"))).toContain("position 1 that is not an ASCII letter");
    expect(error(parseVersion("1.2.é"))).toContain("position 5");
    expect(error(parseVersion(">=1.2"))).toBe('has ">" at position 1: that makes a range, not a version');
    expect(error(parseVersion("1.2 || 3"))).toContain("that makes a range");
    expect(error(parseVersion("6.x"))).toBe('has a wildcard at position 3: "6.x" is a range, not a version');
    expect(error(parseVersion("1..2"))).toBe("needs a number at position 3");
    expect(error(parseVersion("1.2."))).toBe("needs a number at position 5");
    expect(error(parseVersion("1.2.3.4.5"))).toBe("has more than 4 numbers");
    expect(error(parseVersion("1.2-"))).toBe("has an empty pre-release part at position 5");
    expect(error(parseVersion("1.2-rc..1"))).toBe("has an empty pre-release part at position 8");
    expect(error(parseVersion("1.2+"))).toBe("has an empty build part at position 5");
    expect(error(parseVersion("1.2+a+b"))).toBe('has "+" at position 6 in its build part');
    expect(error(parseVersion("1.2_3"))).toContain('has "_" at position 4 where a "."');
    expect(error(parseVersion("1234567890123456"))).toBe("has a number longer than 15 digits");
    expect(error(parseVersion(".1"))).toBe('must start with a digit, "v" and a digit, or a letter');
    expect(error(parseVersion("-1"))).toBe('must start with a digit, "v" and a digit, or a letter');
    expect(error(parseVersion("live+1"))).toContain("a label");
  });

  it("writes a version back in a normal form", () => {
    expect(formatVersion(v("v01.002.3-RC.01+b"))).toBe("1.2.3-RC.1+b");
    expect(formatVersion(v("Nightly"))).toBe("nightly");
  });
});

describe("ranges", () => {
  it("matches a single version, with or without =", () => {
    expect(inRange("7.0.3", "7.0.3")).toBe(true);
    expect(inRange("7.0.3", "7.0.3+build.1")).toBe(true);
    expect(inRange("=1.2.3", "1.2.3")).toBe(true);
    expect(inRange("=1.2.3", "1.2.4")).toBe(false);
    expect(inRange("1.2", "1.2.0")).toBe(true);
    expect(inRange("7.0.3", "7.0.3-rc.1")).toBe(false);
  });

  it("matches comparator sets: all must hold", () => {
    const range = ">=7.0.0 <7.1.0";
    expect(inRange(range, "7.0.0")).toBe(true);
    expect(inRange(range, "7.0.9")).toBe(true);
    expect(inRange(range, "7.1.0-rc.1")).toBe(true);
    expect(inRange(range, "7.1.0")).toBe(false);
    expect(inRange(range, "6.13.2")).toBe(false);
    expect(inRange("<2", "1.99.99")).toBe(true);
    expect(inRange("<2", "2.0.0")).toBe(false);
    expect(inRange(">1.0 <=1.5", "1.5.0")).toBe(true);
    expect(inRange(">1.0 <=1.5", "1.0.0")).toBe(false);
    expect(inRange(">= 7.0.0  < 7.1.0", "7.0.5")).toBe(true);
  });

  it("matches wildcards by their leading numbers", () => {
    expect(inRange("6.x", "6.0.0")).toBe(true);
    expect(inRange("6.*", "6.13.2-rc.1")).toBe(true);
    expect(inRange("6.x", "7.0.0-rc.1")).toBe(false);
    expect(inRange("6.x", "5.9")).toBe(false);
    expect(inRange("6.1.x", "6.1.7")).toBe(true);
    expect(inRange("6.1.x", "6")).toBe(false);
    expect(inRange("6.0.x", "6")).toBe(true);
    expect(inRange("6.x.x", "6.4.2")).toBe(true);
    expect(inRange("*", "0.0.1")).toBe(true);
    expect(inRange("x", "live")).toBe(false);
  });

  it("matches alternatives, labels only by name", () => {
    const range = "live || >=7.0.0 <7.1.0 || 6.x";
    expect(inRange(range, "live")).toBe(true);
    expect(inRange(range, "LIVE")).toBe(true);
    expect(inRange(range, "main")).toBe(false);
    expect(inRange(range, "7.0.2")).toBe(true);
    expect(inRange(range, "6.2")).toBe(true);
    expect(inRange(range, "5.0")).toBe(false);
    expect(inRange("<2", "main")).toBe(false);
    expect(inRange("=main", "main")).toBe(true);
  });

  it("reads the example policies' releases", () => {
    for (const text of [">=7.0.0 <7.1.0", ">=6.13.0 <6.14.0", ">=6.0.0 <6.13.0", "live"])
      expect(parseRange(text).ok).toBe(true);
  });

  it("refuses malformed ranges with a precise reason", () => {
    expect(error(parseRange(""))).toBe("is empty");
    expect(error(parseRange("   "))).toBe("is empty");
    expect(error(parseRange("1".repeat(RANGE_MAX + 1)))).toBe(`is longer than ${RANGE_MAX} characters`);
    const many = Array.from({ length: ALTERNATIVES_MAX + 1 }, (_, i) => `${i}.x`).join(" || ");
    expect(error(parseRange(many))).toBe(`has more than ${ALTERNATIVES_MAX} alternatives ("||")`);
    expect(error(parseRange("1.0 ||"))).toBe('alternative 2 (between "||") is empty');
    expect(error(parseRange("1.0 | 2.0"))).toBe('has a single "|": alternatives are separated by "||"');
    expect(error(parseRange(">=1.0 <"))).toBe('ends with "<" and no version after it');
    expect(error(parseRange(">=6.x"))).toBe('has ">=6.x": a wildcard such as "6.x" takes no operator');
    expect(error(parseRange("6.x.1"))).toBe(
      'has "6.x.1": a wildcard ("x" or "*") ends a version, as in "6.x"',
    );
    expect(error(parseRange("6.1*"))).toContain("a wildcard");
    expect(error(parseRange(">=live"))).toBe(
      'has ">=live": ">=" needs a numeric version, and "live" is a label',
    );
    expect(error(parseRange("live >=1.0"))).toContain("stands alone");
    expect(error(parseRange("1.0 - 2.0"))).toContain("hyphen range");
    expect(error(parseRange("=>1.0"))).toContain('has "=>1.0", whose version has ">"');
    expect(error(parseRange(">=1.0 || <2.0 !"))).toContain("alternative 2");
    expect(error(parseRange("1.0\u00a0"))).toContain("position 4");
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const numeric = fc.record({
  numbers: fc.array(fc.nat({ max: 30 }), { minLength: 1, maxLength: 4 }),
  prerelease: fc.array(fc.oneof(fc.nat({ max: 5 }), fc.constantFrom("alpha", "beta", "rc", "RC", "a-b")), {
    maxLength: 3,
  }),
  build: fc.array(fc.constantFrom("b", "5", "sha-1"), { maxLength: 2 }),
});
const version: fc.Arbitrary<Version> = fc.oneof(
  { weight: 5, arbitrary: numeric.map((n) => ({ kind: "numeric" as const, ...n })) },
  { weight: 1, arbitrary: fc.constantFrom("live", "main", "nightly").map((label) => v(label)) },
);
const sign = (n: number | undefined) => (n === undefined ? undefined : Math.sign(n));

describe("versions and ranges, for any input", () => {
  it("read back what they write, and order consistently", () => {
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        expect(compareVersions(v(formatVersion(a)), a)).toBe(0);
        expect(compareVersions(a, a)).toBe(0);
        const ab = compareVersions(a, b);
        expect(sign(compareVersions(b, a))).toBe(ab === undefined ? undefined : ab === 0 ? 0 : -ab);
        const bc = compareVersions(b, c);
        if (ab !== undefined && bc !== undefined && ab <= 0 && bc <= 0)
          expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
      }),
    );
  });

  it("agree with the ordering: >=a <b holds exactly between a and b, =a exactly at a", () => {
    fc.assert(
      fc.property(version, version, version, (a, b, x) => {
        if (a.kind === "numeric" && b.kind === "numeric") {
          const between: Range = r(`>=${formatVersion(a)} <${formatVersion(b)}`);
          const lower = compareVersions(x, a);
          const upper = compareVersions(x, b);
          const expected = lower !== undefined && upper !== undefined && lower >= 0 && upper < 0;
          expect(matches(between, x)).toBe(expected);
        }
        expect(matches(r(`=${formatVersion(a)}`), x)).toBe(compareVersions(x, a) === 0);
        expect(matches(r(`${formatVersion(a)} || ${formatVersion(b)}`), x)).toBe(
          compareVersions(x, a) === 0 || compareVersions(x, b) === 0,
        );
      }),
    );
  });

  it("match a wildcard exactly when the leading numbers agree", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 9 }), { maxLength: 3 }), version, (prefix, x) => {
        const range = r([...prefix, "x"].join("."));
        const expected = x.kind === "numeric" && prefix.every((n, i) => (x.numbers[i] ?? 0) === n);
        expect(matches(range, x)).toBe(expected);
      }),
    );
  });

  it("never throw on any text, and refuse overlong text at once", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 150 }), (text) => {
        const version = parseVersion(text);
        const range = parseRange(text);
        if (text.length > VERSION_MAX) expect(version.ok).toBe(false);
        if (text.length > RANGE_MAX) expect(range.ok).toBe(false);
        if (!version.ok) expect(version.error.length).toBeLessThan(200);
        if (!range.ok) expect(range.error.length).toBeLessThan(250);
      }),
      { numRuns: 300 },
    );
    // Range-shaped noise, nearer to what parses.
    const pieces = fc.constantFrom(
      ">=",
      "<",
      "=",
      " ",
      "||",
      "|",
      ".",
      "x",
      "*",
      "1",
      "22",
      "-rc",
      "+b",
      "v",
      "live",
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), (parts) => {
        const text = parts.join("");
        const range = parseRange(text);
        if (range.ok) {
          expect(range.value.alternatives.length).toBeGreaterThan(0);
          expect(range.value.alternatives.length).toBeLessThanOrEqual(ALTERNATIVES_MAX);
        }
        parseVersion(text);
      }),
      { numRuns: 1000 },
    );
  });

  it("stay fast on the longest inputs they accept", () => {
    const longest = Array.from({ length: ALTERNATIVES_MAX }, () => ">=1.2.3 <4.5")
      .join("||")
      .slice(0, RANGE_MAX);
    const range = parseRange(longest);
    const x = v("1.2.3-rc.1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21+b");
    const started = performance.now();
    for (let i = 0; i < 2_000; i++) {
      parseRange(longest);
      parseVersion("1".repeat(VERSION_MAX));
      if (range.ok) matches(range.value, x);
    }
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
