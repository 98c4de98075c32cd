import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { roundUp, scoreCvss31 } from "./cvss31.js";
import { CvssError, scoreCvss } from "./index.js";

// Copies of upstream data (test/vectors/README.md), found from this file rather than the working directory.
const VECTORS_DIR = fileURLToPath(new URL("../../../test/vectors/cvss/", import.meta.url));

function readLines(file: string): string[] {
  return readFileSync(path.join(VECTORS_DIR, file), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "");
}

/** "NaN" in the validation data means "not applicable", which the API reports as null. */
function expected(column: string | undefined): number | null {
  if (column === undefined) throw new Error("missing column");
  return column === "NaN" ? null : Number(column);
}

describe("CVSS 3.1 validation vectors", () => {
  it("scores every vector exactly (overall, base, impact, exploitability, temporal, environmental, modified impact)", () => {
    const lines = readLines("cvss-3.1-validation-vectors-001-part1.txt");
    expect(lines).toHaveLength(5000);
    const mismatches: string[] = [];
    for (const line of lines) {
      const [vector = "", ...columns] = line.trim().split(/\s+/);
      const want = {
        score: expected(columns[0]),
        baseScore: expected(columns[1]),
        impactSubScore: expected(columns[2]),
        exploitabilitySubScore: expected(columns[3]),
        temporalScore: expected(columns[4]),
        environmentalScore: expected(columns[5]),
        modifiedImpactSubScore: expected(columns[6]),
      };
      try {
        const result = scoreCvss(vector);
        if (result.version !== "3.1") throw new Error(`scored as ${result.version}`);
        const got = {
          score: result.score,
          baseScore: result.baseScore,
          impactSubScore: result.impactSubScore,
          exploitabilitySubScore: result.exploitabilitySubScore,
          temporalScore: result.temporalScore,
          environmentalScore: result.environmentalScore,
          modifiedImpactSubScore: result.modifiedImpactSubScore,
        };
        const wrong = (Object.keys(want) as (keyof typeof want)[]).filter((key) => got[key] !== want[key]);
        if (wrong.length > 0) {
          mismatches.push(
            `${vector}: ${wrong.map((key) => `${key} ${got[key]} != ${want[key]}`).join(", ")}`,
          );
        }
      } catch (error) {
        mismatches.push(`${vector}: threw ${String(error)}`);
      }
    }
    expect(mismatches.length, mismatches.slice(0, 5).join("\n")).toBe(0);
  });
});

describe("scoreCvss31", () => {
  it("scores a base vector and leaves temporal and environmental scores null", () => {
    expect(scoreCvss31("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")).toEqual({
      version: "3.1",
      vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
      score: 9.8,
      severity: "Critical",
      baseScore: 9.8,
      temporalScore: null,
      environmentalScore: null,
      impactSubScore: 5.9,
      exploitabilitySubScore: 3.9,
      modifiedImpactSubScore: null,
    });
  });

  it("uses the temporal score as the overall score when only temporal metrics are defined", () => {
    const result = scoreCvss31("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U");
    expect(result).toMatchObject({ score: 7.8, severity: "High", baseScore: 9.8, temporalScore: 7.8 });
    expect(result.environmentalScore).toBeNull();
  });

  it("uses the environmental score when any environmental metric is defined", () => {
    const result = scoreCvss31("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/CR:L/MAV:P");
    expect(result).toMatchObject({ score: 6, severity: "Medium", temporalScore: 9, environmentalScore: 6 });
  });

  it("treats metrics set to X (Not Defined) as absent", () => {
    const result = scoreCvss31("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/RL:X/MAV:X/CR:X");
    expect(result).toMatchObject({ score: 9.8, temporalScore: null, environmentalScore: null });
  });

  it("accepts metrics in any order", () => {
    expect(scoreCvss31("CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N").score).toBe(9.8);
  });

  it("implements the specification's float-safe Roundup (Appendix A)", () => {
    expect(roundUp(4.000000000000001)).toBe(4);
    expect(roundUp(4.02)).toBe(4.1);
    expect(roundUp(4.0)).toBe(4);
    expect(roundUp(0)).toBe(0);
  });
});

describe("CVSS 3.1 validation errors", () => {
  const BASE = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
  const cases: [string, string, string][] = [
    [
      "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
      "AV",
      "CVSS:3.1 vector: unknown value 'Q' for metric AV (expected N, A, L, P)",
    ],
    [`${BASE}/E:Z`, "E", "CVSS:3.1 vector: unknown value 'Z' for metric E (expected X, U, P, F, H)"],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "A", "CVSS:3.1 vector: missing mandatory metric A"],
    [`${BASE}/AV:L`, "AV", "CVSS:3.1 vector: duplicate metric AV"],
    [`${BASE}/AT:N`, "AT", "CVSS:3.1 vector: unknown metric 'AT'"],
    [`${BASE}/MAV`, "MAV", "CVSS:3.1 vector: malformed component 'MAV' (expected METRIC:VALUE)"],
    ["CVSS:3.1/av:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "av", "CVSS:3.1 vector: unknown metric 'av'"],
  ];

  it.each(cases)("%s → CvssError naming %s", (vector, metric, message) => {
    let caught: unknown;
    try {
      scoreCvss(vector);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CvssError);
    expect(caught).toMatchObject({ name: "CvssError", metric, message });
  });

  it("rejects an empty component (stray slash) without naming a metric", () => {
    expect(() => scoreCvss(`${BASE}/`)).toThrow(
      new CvssError("CVSS:3.1 vector: empty metric component (stray '/')"),
    );
  });
});
