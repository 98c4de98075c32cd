import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { scoreCvss40 } from "./cvss40.js";
import { MACROVECTOR_SCORES } from "./cvss40-lookup.js";
import { CvssError, scoreCvss } from "./index.js";

// Copies of upstream data (test/vectors/README.md), found from this file rather than the working directory.
const VECTORS_DIR = fileURLToPath(new URL("../../../test/vectors/cvss/", import.meta.url));

function readLines(file: string): string[] {
  return readFileSync(path.join(VECTORS_DIR, file), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "");
}

describe("CVSS 4.0 validation vectors", () => {
  it("scores every vector exactly (macrovector and score)", () => {
    const files = ["cvss-4.0-validation-vectors-001.txt", "cvss-4.0-validation-vectors-002-part1.txt"];
    // 340 vectors in the first file: its last line has no trailing newline, so `wc -l` reports 339.
    const counts = files.map((file) => readLines(file).length);
    expect(counts).toEqual([340, 3000]);
    const mismatches: string[] = [];
    for (const line of files.flatMap(readLines)) {
      const [vector = "", macroVector, score] = line.trim().split(/\s+/);
      try {
        const result = scoreCvss(vector);
        if (result.version !== "4.0") throw new Error(`scored as ${result.version}`);
        if (result.macroVector !== macroVector || result.score !== Number(score)) {
          mismatches.push(
            `${vector}: got ${result.macroVector} ${result.score}, want ${macroVector} ${score}`,
          );
        }
      } catch (error) {
        mismatches.push(`${vector}: threw ${String(error)}`);
      }
    }
    expect(mismatches.length, mismatches.slice(0, 5).join("\n")).toBe(0);
  });
});

describe("scoreCvss40", () => {
  it("scores the highest-severity vector of a MacroVector with the table value", () => {
    expect(scoreCvss40("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")).toEqual({
      version: "4.0",
      vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
      score: 9.3,
      severity: "Critical",
      macroVector: "000200",
    });
  });

  it("interpolates within a MacroVector", () => {
    expect(scoreCvss40("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N")).toMatchObject({
      score: 6.9,
      severity: "Medium",
      macroVector: "002201",
    });
  });

  it("rounds exact x.x5 ties up despite floating-point error (8.549999… → 8.6)", () => {
    expect(scoreCvss40("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H").score).toBe(8.6);
  });

  it("scores 0 when there is no impact at all", () => {
    expect(scoreCvss40("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N")).toMatchObject({
      score: 0,
      severity: "None",
    });
  });

  it("applies threat, environmental and supplemental metrics, in any order", () => {
    const base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    expect(scoreCvss40(`${base}/E:U`).macroVector).toBe("000220");
    expect(scoreCvss40(`${base}/MAV:P/E:A`).macroVector).toBe("200200");
    const supplemental = scoreCvss40(`${base}/U:Red/S:P/AU:Y/R:I/V:C/RE:H`);
    expect(supplemental.score).toBe(9.3);
  });

  it("has a score for every one of the 270 MacroVectors", () => {
    expect(Object.keys(MACROVECTOR_SCORES)).toHaveLength(270);
  });
});

describe("CVSS 4.0 validation errors", () => {
  const BASE = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
  const cases: [string, string, string][] = [
    [
      "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
      "UI",
      "CVSS:4.0 vector: unknown value 'R' for metric UI (expected N, P, A)",
    ],
    [
      "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
      "SA",
      "CVSS:4.0 vector: missing mandatory metric SA",
    ],
    [`${BASE}/E:A/E:P`, "E", "CVSS:4.0 vector: duplicate metric E"],
    [`${BASE}/RL:O`, "RL", "CVSS:4.0 vector: unknown metric 'RL'"],
    [`${BASE}/MSC:S`, "MSC", "CVSS:4.0 vector: unknown value 'S' for metric MSC (expected X, H, L, N)"],
    [
      `${BASE}/U:red`,
      "U",
      "CVSS:4.0 vector: unknown value 'red' for metric U (expected X, Clear, Green, Amber, Red)",
    ],
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
});
