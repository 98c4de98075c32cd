/**
 * The CVSS 3.1 and 4.0 calculators as a form model: the metric groups to render as radio buttons
 * (a page that works without JavaScript), the conversions between a vector string and the chosen
 * values, and the reading of a submitted form. Names and labels follow the FIRST specifications
 * (CVSS v3.1 section 2–4; CVSS v4.0 section 2–4), values in the order FIRST's calculators show them.
 */
import { CvssError } from "./cvss-error.js";
import { type MetricCatalogue, parseVector } from "./vector.js";

export const CVSS_VERSIONS = ["3.1", "4.0"] as const;
export type CvssVersion = (typeof CVSS_VERSIONS)[number];

export interface CvssMetricValue {
  /** As written in the vector: "N", "H", "Clear"… ("X" is "Not Defined"). */
  value: string;
  label: string;
}

export interface CvssMetricDefinition {
  abbreviation: string;
  name: string;
  /** Base metrics must be chosen; the others default to "X" (Not Defined), left out of the vector. */
  mandatory: boolean;
  values: readonly CvssMetricValue[];
}

export type CvssGroupId = "base" | "temporal" | "threat" | "environmental" | "supplemental";

export interface CvssMetricGroup {
  id: CvssGroupId;
  name: string;
  metrics: readonly CvssMetricDefinition[];
}

export type CvssSelections = Record<string, string>;

type ValueList = readonly (readonly [string, string])[];

function metric(
  abbreviation: string,
  name: string,
  values: ValueList,
  mandatory = false,
): CvssMetricDefinition {
  const all = mandatory ? values : [["X", "Not Defined"] as const, ...values];
  return Object.freeze({
    abbreviation,
    name,
    mandatory,
    values: Object.freeze(all.map(([value, label]) => Object.freeze({ value, label }))),
  });
}
const base = (abbreviation: string, name: string, values: ValueList) =>
  metric(abbreviation, name, values, true);

function group(id: CvssGroupId, name: string, metrics: CvssMetricDefinition[]): CvssMetricGroup {
  return Object.freeze({ id, name, metrics: Object.freeze(metrics) });
}

const ATTACK_VECTOR_31: ValueList = [
  ["N", "Network"],
  ["A", "Adjacent Network"],
  ["L", "Local"],
  ["P", "Physical"],
];
const LOW_HIGH: ValueList = [
  ["L", "Low"],
  ["H", "High"],
];
const NONE_LOW_HIGH: ValueList = [
  ["N", "None"],
  ["L", "Low"],
  ["H", "High"],
];
const UI_31: ValueList = [
  ["N", "None"],
  ["R", "Required"],
];
const SCOPE: ValueList = [
  ["U", "Unchanged"],
  ["C", "Changed"],
];
const REQUIREMENT_31: ValueList = [
  ["L", "Low"],
  ["M", "Medium"],
  ["H", "High"],
];

const CVSS31: readonly CvssMetricGroup[] = Object.freeze([
  group("base", "Base", [
    base("AV", "Attack Vector", ATTACK_VECTOR_31),
    base("AC", "Attack Complexity", LOW_HIGH),
    base("PR", "Privileges Required", NONE_LOW_HIGH),
    base("UI", "User Interaction", UI_31),
    base("S", "Scope", SCOPE),
    base("C", "Confidentiality", NONE_LOW_HIGH),
    base("I", "Integrity", NONE_LOW_HIGH),
    base("A", "Availability", NONE_LOW_HIGH),
  ]),
  group("temporal", "Temporal", [
    metric("E", "Exploit Code Maturity", [
      ["U", "Unproven"],
      ["P", "Proof-of-Concept"],
      ["F", "Functional"],
      ["H", "High"],
    ]),
    metric("RL", "Remediation Level", [
      ["O", "Official Fix"],
      ["T", "Temporary Fix"],
      ["W", "Workaround"],
      ["U", "Unavailable"],
    ]),
    metric("RC", "Report Confidence", [
      ["U", "Unknown"],
      ["R", "Reasonable"],
      ["C", "Confirmed"],
    ]),
  ]),
  group("environmental", "Environmental", [
    metric("CR", "Confidentiality Requirement", REQUIREMENT_31),
    metric("IR", "Integrity Requirement", REQUIREMENT_31),
    metric("AR", "Availability Requirement", REQUIREMENT_31),
    metric("MAV", "Modified Attack Vector", ATTACK_VECTOR_31),
    metric("MAC", "Modified Attack Complexity", LOW_HIGH),
    metric("MPR", "Modified Privileges Required", NONE_LOW_HIGH),
    metric("MUI", "Modified User Interaction", UI_31),
    metric("MS", "Modified Scope", SCOPE),
    metric("MC", "Modified Confidentiality", NONE_LOW_HIGH),
    metric("MI", "Modified Integrity", NONE_LOW_HIGH),
    metric("MA", "Modified Availability", NONE_LOW_HIGH),
  ]),
]);

const ATTACK_VECTOR_40: ValueList = [
  ["N", "Network"],
  ["A", "Adjacent"],
  ["L", "Local"],
  ["P", "Physical"],
];
const ATTACK_REQUIREMENTS: ValueList = [
  ["N", "None"],
  ["P", "Present"],
];
const UI_40: ValueList = [
  ["N", "None"],
  ["P", "Passive"],
  ["A", "Active"],
];
const HIGH_LOW_NONE: ValueList = [
  ["H", "High"],
  ["L", "Low"],
  ["N", "None"],
];
const SAFETY_HIGH_LOW_NONE: ValueList = [["S", "Safety"], ...HIGH_LOW_NONE];
const REQUIREMENT_40: ValueList = [
  ["H", "High"],
  ["M", "Medium"],
  ["L", "Low"],
];

const CVSS40: readonly CvssMetricGroup[] = Object.freeze([
  group("base", "Base", [
    base("AV", "Attack Vector", ATTACK_VECTOR_40),
    base("AC", "Attack Complexity", LOW_HIGH),
    base("AT", "Attack Requirements", ATTACK_REQUIREMENTS),
    base("PR", "Privileges Required", NONE_LOW_HIGH),
    base("UI", "User Interaction", UI_40),
    base("VC", "Vulnerable System Confidentiality Impact", HIGH_LOW_NONE),
    base("VI", "Vulnerable System Integrity Impact", HIGH_LOW_NONE),
    base("VA", "Vulnerable System Availability Impact", HIGH_LOW_NONE),
    base("SC", "Subsequent System Confidentiality Impact", HIGH_LOW_NONE),
    base("SI", "Subsequent System Integrity Impact", HIGH_LOW_NONE),
    base("SA", "Subsequent System Availability Impact", HIGH_LOW_NONE),
  ]),
  group("threat", "Threat", [
    metric("E", "Exploit Maturity", [
      ["A", "Attacked"],
      ["P", "Proof-of-Concept"],
      ["U", "Unreported"],
    ]),
  ]),
  group("environmental", "Environmental", [
    metric("CR", "Confidentiality Requirement", REQUIREMENT_40),
    metric("IR", "Integrity Requirement", REQUIREMENT_40),
    metric("AR", "Availability Requirement", REQUIREMENT_40),
    metric("MAV", "Modified Attack Vector", ATTACK_VECTOR_40),
    metric("MAC", "Modified Attack Complexity", LOW_HIGH),
    metric("MAT", "Modified Attack Requirements", ATTACK_REQUIREMENTS),
    metric("MPR", "Modified Privileges Required", NONE_LOW_HIGH),
    metric("MUI", "Modified User Interaction", UI_40),
    metric("MVC", "Modified Vulnerable System Confidentiality", HIGH_LOW_NONE),
    metric("MVI", "Modified Vulnerable System Integrity", HIGH_LOW_NONE),
    metric("MVA", "Modified Vulnerable System Availability", HIGH_LOW_NONE),
    metric("MSC", "Modified Subsequent System Confidentiality", HIGH_LOW_NONE),
    metric("MSI", "Modified Subsequent System Integrity", SAFETY_HIGH_LOW_NONE),
    metric("MSA", "Modified Subsequent System Availability", SAFETY_HIGH_LOW_NONE),
  ]),
  group("supplemental", "Supplemental", [
    metric("S", "Safety", [
      ["N", "Negligible"],
      ["P", "Present"],
    ]),
    metric("AU", "Automatable", [
      ["N", "No"],
      ["Y", "Yes"],
    ]),
    metric("R", "Recovery", [
      ["A", "Automatic"],
      ["U", "User"],
      ["I", "Irrecoverable"],
    ]),
    metric("V", "Value Density", [
      ["D", "Diffuse"],
      ["C", "Concentrated"],
    ]),
    metric("RE", "Vulnerability Response Effort", [
      ["L", "Low"],
      ["M", "Moderate"],
      ["H", "High"],
    ]),
    metric("U", "Provider Urgency", [
      ["Clear", "Clear"],
      ["Green", "Green"],
      ["Amber", "Amber"],
      ["Red", "Red"],
    ]),
  ]),
]);

const GROUPS: Readonly<Record<CvssVersion, readonly CvssMetricGroup[]>> = { "3.1": CVSS31, "4.0": CVSS40 };

interface VersionModel {
  metrics: readonly CvssMetricDefinition[];
  catalogue: MetricCatalogue;
  mandatory: readonly string[];
}

const MODELS: Readonly<Record<CvssVersion, VersionModel>> = {
  "3.1": model(CVSS31),
  "4.0": model(CVSS40),
};

function model(groups: readonly CvssMetricGroup[]): VersionModel {
  const metrics = groups.flatMap((g) => g.metrics);
  return {
    metrics,
    catalogue: new Map(metrics.map((m) => [m.abbreviation, m.values.map((v) => v.value)])),
    mandatory: metrics.filter((m) => m.mandatory).map((m) => m.abbreviation),
  };
}

/** The calculator's groups for a version, in vector order (frozen; safe to share). */
export function cvssMetricGroups(version: CvssVersion): readonly CvssMetricGroup[] {
  return GROUPS[version];
}

export function isCvssVersion(value: string): value is CvssVersion {
  return (CVSS_VERSIONS as readonly string[]).includes(value);
}

/**
 * The vector for the chosen values, metrics in the specification's order, with "X" (Not Defined)
 * and empty values left out. Keys that are not metrics of this version are refused, so that a typo
 * cannot silently drop a metric.
 * @throws CvssError naming the metric: a missing base metric, an unknown metric or an unknown value.
 */
export function vectorFromSelections(version: CvssVersion, selections: Readonly<CvssSelections>): string {
  const { metrics, catalogue } = MODELS[version];
  for (const key of Object.keys(selections)) {
    if (!catalogue.has(key)) throw new CvssError(`CVSS:${version}: unknown metric '${key}'`, key);
  }
  const parts: string[] = [];
  for (const definition of metrics) {
    const value = Object.hasOwn(selections, definition.abbreviation)
      ? selections[definition.abbreviation]
      : undefined;
    if (value === undefined || value === "" || value === "X") {
      if (definition.mandatory) {
        throw new CvssError(
          `CVSS:${version}: choose a value for ${definition.name} (${definition.abbreviation})`,
          definition.abbreviation,
        );
      }
      continue;
    }
    if (!definition.values.some((v) => v.value === value)) {
      throw new CvssError(
        `CVSS:${version}: unknown value '${value}' for metric ${definition.abbreviation} (expected ${definition.values
          .map((v) => v.value)
          .join(", ")})`,
        definition.abbreviation,
      );
    }
    parts.push(`${definition.abbreviation}:${value}`);
  }
  return `CVSS:${version}/${parts.join("/")}`;
}

/**
 * The version and chosen values of a vector (surrounding whitespace ignored), to pre-fill the
 * calculator. Metrics set to "X" are left out, as the form shows them as Not Defined anyway.
 * @throws CvssError for an unsupported prefix or an invalid vector (with `metric` naming the culprit).
 */
export function selectionsFromVector(vector: string): { version: CvssVersion; selections: CvssSelections } {
  const trimmed = vector.trim();
  const version = CVSS_VERSIONS.find((v) => trimmed.startsWith(`CVSS:${v}/`));
  if (version === undefined) {
    if (trimmed === "") throw new CvssError("CVSS vector: empty string");
    const head = trimmed.split("/", 1)[0] ?? trimmed;
    throw new CvssError(`CVSS vector: unsupported prefix '${head}' (expected CVSS:3.1/ or CVSS:4.0/)`);
  }
  const { catalogue, mandatory } = MODELS[version];
  const parsed = parseVector(version, trimmed, catalogue, mandatory);
  const selections: CvssSelections = {};
  for (const [name, value] of parsed) if (value !== "X") selections[name] = value;
  return { version, selections };
}

/** The vector in canonical form: specification order, no "X" metrics. */
export function normaliseVector(vector: string): string {
  const { version, selections } = selectionsFromVector(vector);
  return vectorFromSelections(version, selections);
}

/** Form field names: one radio group per version and metric, a version choice and the pasted vector. */
export const CVSS_FORM_FIELDS = Object.freeze({
  vector: "cvss-vector",
  version: "cvss-version",
  metric: (version: CvssVersion, abbreviation: string): string =>
    `cvss${version.replace(".", "")}-${abbreviation}`,
});

/** A form body as @fastify/formbody hands it over: repeated fields become arrays. */
export type CvssFormBody = Readonly<Record<string, string | readonly string[] | undefined>>;

export type CvssFormResult =
  | {
      ok: true;
      /** Null when the form carries no CVSS at all (no vector pasted, no metric chosen). */
      cvss: {
        version: CvssVersion;
        vector: string;
        selections: CvssSelections;
        source: "vector" | "selections";
      } | null;
    }
  | {
      ok: false;
      /** The form field to mark: the pasted vector, the version choice or one metric's radio group. */
      field: string;
      message: string;
    };

function single(body: CvssFormBody, field: string): string | undefined | { several: true } {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (value.length === 0) return undefined;
  if (value.length === 1) return value[0];
  return { several: true };
}

/**
 * Reads the CVSS part of a submitted form. A non-empty pasted vector wins over the radio buttons;
 * otherwise the version is the `cvss-version` field, or, when that is empty, the one calculator in
 * which something was chosen. Errors name the field to mark, so the form can be shown again.
 */
export function parseCvssForm(body: CvssFormBody): CvssFormResult {
  const pasted = single(body, CVSS_FORM_FIELDS.vector);
  if (typeof pasted === "object") {
    return { ok: false, field: CVSS_FORM_FIELDS.vector, message: "give one CVSS vector" };
  }
  if (pasted !== undefined && pasted.trim() !== "") {
    try {
      const { version, selections } = selectionsFromVector(pasted);
      const vector = vectorFromSelections(version, selections);
      return { ok: true, cvss: { version, vector, selections, source: "vector" } };
    } catch (error) {
      if (error instanceof CvssError)
        return { ok: false, field: CVSS_FORM_FIELDS.vector, message: error.message };
      throw error;
    }
  }

  const chosen: Record<CvssVersion, CvssSelections> = { "3.1": {}, "4.0": {} };
  for (const version of CVSS_VERSIONS) {
    for (const definition of MODELS[version].metrics) {
      const field = CVSS_FORM_FIELDS.metric(version, definition.abbreviation);
      const value = single(body, field);
      if (typeof value === "object")
        return { ok: false, field, message: `choose one value for ${definition.name}` };
      if (value !== undefined && value !== "" && value !== "X")
        chosen[version][definition.abbreviation] = value;
    }
  }

  const versionField = single(body, CVSS_FORM_FIELDS.version);
  let version: CvssVersion | undefined;
  if (typeof versionField === "object") {
    return { ok: false, field: CVSS_FORM_FIELDS.version, message: "choose one CVSS version" };
  }
  if (versionField !== undefined && versionField !== "") {
    if (!isCvssVersion(versionField)) {
      return {
        ok: false,
        field: CVSS_FORM_FIELDS.version,
        message: `unknown CVSS version '${versionField}'`,
      };
    }
    version = versionField;
  } else {
    const used = CVSS_VERSIONS.filter((v) => Object.keys(chosen[v]).length > 0);
    if (used.length === 0) return { ok: true, cvss: null };
    if (used.length > 1) {
      return {
        ok: false,
        field: CVSS_FORM_FIELDS.version,
        message: "values were chosen in both calculators: choose CVSS 3.1 or 4.0",
      };
    }
    version = used[0];
  }
  if (version === undefined) return { ok: true, cvss: null };

  const selections = chosen[version];
  try {
    return {
      ok: true,
      cvss: { version, vector: vectorFromSelections(version, selections), selections, source: "selections" },
    };
  } catch (error) {
    if (error instanceof CvssError) {
      const field =
        error.metric === undefined
          ? CVSS_FORM_FIELDS.version
          : CVSS_FORM_FIELDS.metric(version, error.metric);
      return { ok: false, field, message: error.message };
    }
    throw error;
  }
}
