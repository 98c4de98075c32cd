import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  CVSS_FORM_FIELDS,
  CVSS_VERSIONS,
  type CvssFormBody,
  type CvssVersion,
  cvssMetricGroups,
  isCvssVersion,
  normaliseVector,
  parseCvssForm,
  selectionsFromVector,
  vectorFromSelections,
} from "./calculator.js";
import { CvssError, scoreCvss } from "./index.js";

// Copies of upstream data (test/vectors/README.md), found from this file rather than the working directory.
const VECTORS_DIR = fileURLToPath(new URL("../../../test/vectors/cvss/", import.meta.url));

function vectorsFrom(file: string): string[] {
  return readFileSync(path.join(VECTORS_DIR, file), "utf8")
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0] ?? "")
    .filter((vector) => vector !== "");
}

const VECTORS: Record<CvssVersion, string[]> = {
  "3.1": vectorsFrom("cvss-3.1-validation-vectors-001-part1.txt"),
  "4.0": [
    ...vectorsFrom("cvss-4.0-validation-vectors-001.txt"),
    ...vectorsFrom("cvss-4.0-validation-vectors-002-part1.txt"),
  ],
};

const BASE_31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const BASE_40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

function thrown(fn: () => unknown): CvssError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CvssError) return error;
    throw error;
  }
  throw new Error("expected a CvssError");
}

/** Reads a metric's order in the vector string, to compare with the specification's order. */
function metricOrder(vector: string): string[] {
  return vector
    .split("/")
    .slice(1)
    .map((part) => part.split(":")[0] ?? "");
}

describe("metric definitions", () => {
  it("lists the groups of each version in vector order", () => {
    expect(cvssMetricGroups("3.1").map((g) => g.name)).toEqual(["Base", "Temporal", "Environmental"]);
    expect(cvssMetricGroups("4.0").map((g) => g.name)).toEqual([
      "Base",
      "Threat",
      "Environmental",
      "Supplemental",
    ]);
  });

  it.each([
    ["3.1", ["AV", "AC", "PR", "UI", "S", "C", "I", "A"], 22],
    ["4.0", ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"], 32],
  ] as const)("CVSS %s: the base metrics are mandatory, %#", (version, mandatory, total) => {
    const metrics = cvssMetricGroups(version).flatMap((g) => g.metrics);
    expect(metrics).toHaveLength(total);
    expect(metrics.filter((m) => m.mandatory).map((m) => m.abbreviation)).toEqual(mandatory);
    expect(cvssMetricGroups(version)[0]?.metrics.every((m) => m.mandatory)).toBe(true);
    for (const m of metrics) {
      expect(m.name).not.toBe("");
      expect(new Set(m.values.map((v) => v.value)).size).toBe(m.values.length);
      // Optional metrics offer "Not Defined" first; mandatory ones never do.
      expect(m.values[0]?.value === "X").toBe(!m.mandatory);
      if (!m.mandatory) expect(m.values[0]?.label).toBe("Not Defined");
    }
  });

  it("names metrics and values as the specifications do", () => {
    const v31 = cvssMetricGroups("3.1").flatMap((g) => g.metrics);
    expect(v31.find((m) => m.abbreviation === "AV")).toEqual({
      abbreviation: "AV",
      name: "Attack Vector",
      mandatory: true,
      values: [
        { value: "N", label: "Network" },
        { value: "A", label: "Adjacent Network" },
        { value: "L", label: "Local" },
        { value: "P", label: "Physical" },
      ],
    });
    const v40 = cvssMetricGroups("4.0").flatMap((g) => g.metrics);
    expect(v40.find((m) => m.abbreviation === "MSI")?.values.map((v) => v.label)).toEqual([
      "Not Defined",
      "Safety",
      "High",
      "Low",
      "None",
    ]);
    expect(v40.find((m) => m.abbreviation === "U")?.values.map((v) => v.value)).toEqual([
      "X",
      "Clear",
      "Green",
      "Amber",
      "Red",
    ]);
  });

  it("is frozen", () => {
    const groups = cvssMetricGroups("4.0");
    expect(Object.isFrozen(groups)).toBe(true);
    expect(Object.isFrozen(groups[0]?.metrics[0]?.values)).toBe(true);
  });

  it.each(CVSS_VERSIONS.map((v) => [v]))(
    "CVSS %s: every value offered is one the scorer accepts",
    (version) => {
      const baseVector = version === "3.1" ? BASE_31 : BASE_40;
      const base = selectionsFromVector(baseVector).selections;
      for (const m of cvssMetricGroups(version).flatMap((g) => g.metrics)) {
        for (const { value } of m.values) {
          const vector = m.mandatory
            ? vectorFromSelections(version, { ...base, [m.abbreviation]: value })
            : `${baseVector}/${m.abbreviation}:${value}`;
          expect(() => scoreCvss(vector), vector).not.toThrow();
        }
      }
    },
  );
});

describe.each(CVSS_VERSIONS.map((v) => [v]))("CVSS %s validation vectors round trip", (version) => {
  const vectors = VECTORS[version];

  it("has a few hundred vectors or more", () => {
    expect(vectors.length).toBeGreaterThan(300);
  });

  it("vector → selections → vector keeps the metrics and the score", () => {
    const order = cvssMetricGroups(version).flatMap((g) => g.metrics.map((m) => m.abbreviation));
    const sorted = (selections: Record<string, string>) => JSON.stringify(Object.entries(selections).sort());
    const problems: string[] = [];
    let canonicalAlready = 0;
    for (const vector of vectors) {
      const { version: parsedVersion, selections } = selectionsFromVector(vector);
      const canonical = vectorFromSelections(parsedVersion, selections);
      if (parsedVersion !== version) problems.push(`${vector}: read as ${parsedVersion}`);
      if (sorted(selectionsFromVector(canonical).selections) !== sorted(selections)) {
        problems.push(`${vector}: selections changed in ${canonical}`);
      }
      if (scoreCvss(canonical).score !== scoreCvss(vector).score) problems.push(`${vector}: score changed`);
      // The canonical vector carries exactly the vector's defined metrics.
      const names = metricOrder(vector);
      const defined = names.filter((name) => !vector.includes(`/${name}:X`));
      if ([...defined].sort().join() !== metricOrder(canonical).sort().join()) {
        problems.push(`${vector}: metrics changed in ${canonical}`);
      }
      // A vector already in the specification's order, without "X", comes back unchanged.
      const inOrder = names.every(
        (name, i) => i === 0 || order.indexOf(names[i - 1] ?? "") < order.indexOf(name),
      );
      if (inOrder && defined.length === names.length) {
        canonicalAlready += 1;
        if (canonical !== vector) problems.push(`${vector}: rewritten as ${canonical}`);
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(canonicalAlready).toBeGreaterThan(100);
  });

  it("puts metrics in the specification's order", () => {
    const order = cvssMetricGroups(version).flatMap((g) => g.metrics.map((m) => m.abbreviation));
    for (const vector of vectors.slice(0, 500)) {
      const names = metricOrder(normaliseVector(vector));
      expect(names).toEqual(order.filter((name) => names.includes(name)));
    }
  });

  it("the form with the radio buttons gives the same vector as the pasted one", () => {
    for (const vector of vectors.slice(0, 300)) {
      const { selections } = selectionsFromVector(vector);
      const body: Record<string, string> = { [CVSS_FORM_FIELDS.version]: version };
      for (const [metric, value] of Object.entries(selections))
        body[CVSS_FORM_FIELDS.metric(version, metric)] = value;
      const fromRadios = parseCvssForm(body);
      const fromPaste = parseCvssForm({ [CVSS_FORM_FIELDS.vector]: vector });
      expect(fromRadios.ok && fromRadios.cvss?.vector).toBe(normaliseVector(vector));
      expect(fromPaste.ok && fromPaste.cvss?.vector).toBe(normaliseVector(vector));
    }
  });
});

describe("vectorFromSelections", () => {
  it("leaves out Not Defined and empty values", () => {
    expect(
      vectorFromSelections("3.1", {
        AV: "N",
        AC: "L",
        PR: "N",
        UI: "N",
        S: "U",
        C: "H",
        I: "H",
        A: "H",
        E: "X",
        RL: "",
        RC: "C",
      }),
    ).toBe(`${BASE_31}/RC:C`);
  });

  it("orders metrics as the specification does, whatever the selection's order", () => {
    expect(
      vectorFromSelections("4.0", {
        U: "Amber",
        SA: "N",
        SI: "N",
        SC: "N",
        VA: "H",
        VI: "H",
        VC: "H",
        E: "A",
        UI: "N",
        PR: "N",
        AT: "N",
        AC: "L",
        AV: "N",
        MSI: "S",
      }),
    ).toBe(`${BASE_40}/E:A/MSI:S/U:Amber`);
  });

  it("names a missing base metric", () => {
    const { selections } = selectionsFromVector(BASE_31);
    delete selections.PR;
    const error = thrown(() => vectorFromSelections("3.1", selections));
    expect(error.metric).toBe("PR");
    expect(error.message).toBe("CVSS:3.1: choose a value for Privileges Required (PR)");
    expect(thrown(() => vectorFromSelections("3.1", { ...selections, PR: "X" })).metric).toBe("PR");
  });

  it("refuses unknown metrics and values", () => {
    const { selections } = selectionsFromVector(BASE_40);
    expect(thrown(() => vectorFromSelections("4.0", { ...selections, S: "C" })).message).toBe(
      "CVSS:4.0: unknown value 'C' for metric S (expected X, N, P)",
    );
    expect(thrown(() => vectorFromSelections("4.0", { ...selections, RL: "O" })).metric).toBe("RL");
    expect(
      thrown(() => vectorFromSelections("3.1", { ...selectionsFromVector(BASE_31).selections, AT: "N" }))
        .metric,
    ).toBe("AT");
  });
});

describe("selectionsFromVector", () => {
  it("reads the version and the defined metrics", () => {
    expect(selectionsFromVector(`  ${BASE_31}/E:X/RL:O\n`)).toEqual({
      version: "3.1",
      selections: { AV: "N", AC: "L", PR: "N", UI: "N", S: "U", C: "H", I: "H", A: "H", RL: "O" },
    });
  });

  it.each([
    ["", "CVSS vector: empty string", undefined],
    [
      "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
      "CVSS vector: unsupported prefix 'CVSS:3.0' (expected CVSS:3.1/ or CVSS:4.0/)",
      undefined,
    ],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "CVSS:3.1 vector: missing mandatory metric A", "A"],
    [`${BASE_31}/AV:N`, "CVSS:3.1 vector: duplicate metric AV", "AV"],
    [`${BASE_40}/E:F`, "CVSS:4.0 vector: unknown value 'F' for metric E (expected X, A, P, U)", "E"],
  ])("rejects %j", (vector, message, metric) => {
    const error = thrown(() => selectionsFromVector(vector));
    expect(error.message).toBe(message);
    expect(error.metric).toBe(metric);
  });
});

describe("parseCvssForm", () => {
  const radios = (version: CvssVersion, vector: string): Record<string, string> =>
    Object.fromEntries(
      Object.entries(selectionsFromVector(vector).selections).map(([metric, value]) => [
        CVSS_FORM_FIELDS.metric(version, metric),
        value,
      ]),
    );

  it("uses namespaced field names", () => {
    expect(CVSS_FORM_FIELDS.metric("3.1", "AV")).toBe("cvss31-AV");
    expect(CVSS_FORM_FIELDS.metric("4.0", "MSI")).toBe("cvss40-MSI");
  });

  it("lets a pasted vector win over the radio buttons", () => {
    const body: CvssFormBody = {
      ...radios("3.1", BASE_31),
      [CVSS_FORM_FIELDS.version]: "3.1",
      [CVSS_FORM_FIELDS.vector]: ` ${BASE_40}/E:X\n`,
    };
    expect(parseCvssForm(body)).toEqual({
      ok: true,
      cvss: {
        version: "4.0",
        vector: BASE_40,
        selections: selectionsFromVector(BASE_40).selections,
        source: "vector",
      },
    });
  });

  it("reads the radio buttons when the pasted field is empty or blank", () => {
    for (const pasted of [undefined, "", "   "]) {
      const result = parseCvssForm({ ...radios("3.1", `${BASE_31}/E:P`), [CVSS_FORM_FIELDS.vector]: pasted });
      expect(result).toMatchObject({
        ok: true,
        cvss: { version: "3.1", vector: `${BASE_31}/E:P`, source: "selections" },
      });
    }
  });

  it("reports an invalid pasted vector on the vector field", () => {
    expect(parseCvssForm({ [CVSS_FORM_FIELDS.vector]: "CVSS:3.1/AV:N", ...radios("3.1", BASE_31) })).toEqual({
      ok: false,
      field: "cvss-vector",
      message: "CVSS:3.1 vector: missing mandatory metric AC",
    });
  });

  it("names the radio group of a missing base metric", () => {
    const body = radios("4.0", BASE_40);
    delete body["cvss40-VI"];
    expect(parseCvssForm({ ...body, [CVSS_FORM_FIELDS.version]: "4.0" })).toEqual({
      ok: false,
      field: "cvss40-VI",
      message: "CVSS:4.0: choose a value for Vulnerable System Integrity Impact (VI)",
    });
  });

  it("names the radio group of an unknown value", () => {
    const result = parseCvssForm({ ...radios("3.1", BASE_31), "cvss31-AV": "Z" });
    expect(result).toMatchObject({ ok: false, field: "cvss31-AV" });
  });

  it("takes the version from the version field, ignoring the other calculator", () => {
    const body = { ...radios("3.1", BASE_31), ...radios("4.0", BASE_40), [CVSS_FORM_FIELDS.version]: "4.0" };
    expect(parseCvssForm(body)).toMatchObject({ ok: true, cvss: { version: "4.0", vector: BASE_40 } });
  });

  it("infers the version from the one calculator used", () => {
    expect(parseCvssForm({ ...radios("4.0", BASE_40), "cvss31-E": "X" })).toMatchObject({
      ok: true,
      cvss: { version: "4.0", vector: BASE_40 },
    });
  });

  it("asks for a version when both calculators were used", () => {
    expect(parseCvssForm({ ...radios("3.1", BASE_31), ...radios("4.0", BASE_40) })).toEqual({
      ok: false,
      field: "cvss-version",
      message: "values were chosen in both calculators: choose CVSS 3.1 or 4.0",
    });
  });

  it("gives no CVSS for a form without one", () => {
    expect(parseCvssForm({})).toEqual({ ok: true, cvss: null });
    expect(parseCvssForm({ "cvss-vector": "", "cvss31-E": "X", other: "field" })).toEqual({
      ok: true,
      cvss: null,
    });
  });

  it("asks for the base metrics when only a version is chosen", () => {
    expect(parseCvssForm({ [CVSS_FORM_FIELDS.version]: "3.1" })).toMatchObject({
      ok: false,
      field: "cvss31-AV",
    });
  });

  it("refuses unknown versions and repeated fields", () => {
    expect(parseCvssForm({ [CVSS_FORM_FIELDS.version]: "2.0" })).toEqual({
      ok: false,
      field: "cvss-version",
      message: "unknown CVSS version '2.0'",
    });
    expect(parseCvssForm({ [CVSS_FORM_FIELDS.vector]: [BASE_31, BASE_40] })).toMatchObject({
      ok: false,
      field: "cvss-vector",
    });
    expect(parseCvssForm({ ...radios("3.1", BASE_31), "cvss31-AV": ["N", "L"] })).toEqual({
      ok: false,
      field: "cvss31-AV",
      message: "choose one value for Attack Vector",
    });
    expect(parseCvssForm({ ...radios("3.1", BASE_31), "cvss31-AV": ["L"] })).toMatchObject({
      ok: true,
      cvss: { vector: BASE_31.replace("AV:N", "AV:L") },
    });
  });

  it("knows its versions", () => {
    expect(isCvssVersion("3.1")).toBe(true);
    expect(isCvssVersion("3.0")).toBe(false);
  });
});
