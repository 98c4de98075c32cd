import { MACROVECTOR_SCORES, MAX_COMPOSED, MAX_SEVERITY } from "./cvss40-lookup.js";
import { type CvssSeverity, severityOf } from "./severity.js";
import { type MetricCatalogue, metricValue, type ParsedMetrics, parseVector } from "./vector.js";

/**
 * CVSS v4.0 scoring: the MacroVector lookup plus interpolation of the FIRST CVSS v4.0
 * specification (section 8) as implemented by the FIRST reference calculator, including threat (E),
 * environmental and supplemental metrics (the latter are validated but do not affect the score).
 */
export interface Cvss40Result {
  version: "4.0";
  vector: string;
  score: number;
  severity: CvssSeverity;
  /** The six equivalence-class digits EQ1..EQ6, e.g. "000200". */
  macroVector: string;
}

const BASE_METRICS = ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"] as const;

const IMPACT = ["H", "L", "N"] as const;
const MODIFIED_IMPACT = ["X", "H", "L", "N"] as const;
const MODIFIED_SAFETY_IMPACT = ["X", "S", "H", "L", "N"] as const;
const REQUIREMENT = ["X", "H", "M", "L"] as const;

const CATALOGUE: MetricCatalogue = new Map<string, readonly string[]>([
  // Base
  ["AV", ["N", "A", "L", "P"]],
  ["AC", ["L", "H"]],
  ["AT", ["N", "P"]],
  ["PR", ["N", "L", "H"]],
  ["UI", ["N", "P", "A"]],
  ["VC", IMPACT],
  ["VI", IMPACT],
  ["VA", IMPACT],
  ["SC", IMPACT],
  ["SI", IMPACT],
  ["SA", IMPACT],
  // Threat
  ["E", ["X", "A", "P", "U"]],
  // Environmental
  ["CR", REQUIREMENT],
  ["IR", REQUIREMENT],
  ["AR", REQUIREMENT],
  ["MAV", ["X", "N", "A", "L", "P"]],
  ["MAC", ["X", "L", "H"]],
  ["MAT", ["X", "N", "P"]],
  ["MPR", ["X", "N", "L", "H"]],
  ["MUI", ["X", "N", "P", "A"]],
  ["MVC", MODIFIED_IMPACT],
  ["MVI", MODIFIED_IMPACT],
  ["MVA", MODIFIED_IMPACT],
  ["MSC", MODIFIED_IMPACT],
  ["MSI", MODIFIED_SAFETY_IMPACT],
  ["MSA", MODIFIED_SAFETY_IMPACT],
  // Supplemental
  ["S", ["X", "N", "P"]],
  ["AU", ["X", "N", "Y"]],
  ["R", ["X", "A", "U", "I"]],
  ["V", ["X", "D", "C"]],
  ["RE", ["X", "L", "M", "H"]],
  ["U", ["X", "Clear", "Green", "Amber", "Red"]],
]);

type Levels = Readonly<Record<string, number>>;

/** Metrics whose severity distance from a highest-severity vector drives the interpolation. */
const DISTANCE_METRICS = [
  "AV",
  "PR",
  "UI",
  "AC",
  "AT",
  "VC",
  "VI",
  "VA",
  "SC",
  "SI",
  "SA",
  "CR",
  "IR",
  "AR",
] as const;
type DistanceMetric = (typeof DISTANCE_METRICS)[number];

/** Severity level of each value (0 = most severe, steps of 0.1), for the severity distance. */
const LEVELS: Readonly<Record<DistanceMetric, Levels>> = {
  AV: { N: 0, A: 0.1, L: 0.2, P: 0.3 },
  PR: { N: 0, L: 0.1, H: 0.2 },
  UI: { N: 0, P: 0.1, A: 0.2 },
  AC: { L: 0, H: 0.1 },
  AT: { N: 0, P: 0.1 },
  VC: { H: 0, L: 0.1, N: 0.2 },
  VI: { H: 0, L: 0.1, N: 0.2 },
  VA: { H: 0, L: 0.1, N: 0.2 },
  SC: { H: 0.1, L: 0.2, N: 0.3 },
  SI: { S: 0, H: 0.1, L: 0.2, N: 0.3 },
  SA: { S: 0, H: 0.1, L: 0.2, N: 0.3 },
  CR: { H: 0, M: 0.1, L: 0.2 },
  IR: { H: 0, M: 0.1, L: 0.2 },
  AR: { H: 0, M: 0.1, L: 0.2 },
};

/** Not Defined threat and security-requirement metrics assume the worst case. */
const WORST_CASE_DEFAULTS: Readonly<Record<string, string>> = { E: "A", CR: "H", IR: "H", AR: "H" };

const STEP = 0.1;

/**
 * Value of a metric as used for scoring: the worst case for an undefined E/CR/IR/AR, otherwise the
 * modified (M-prefixed) environmental value when defined, otherwise the vector's own value.
 */
function effective(metrics: ParsedMetrics, metric: string): string {
  const value = metricValue(metrics, metric);
  const worstCase = WORST_CASE_DEFAULTS[metric];
  if (value === "X" && worstCase !== undefined) return worstCase;
  const modifiedValue = metricValue(metrics, `M${metric}`);
  return modifiedValue === "X" ? value : modifiedValue;
}

/** The six equivalence classes EQ1..EQ6 (specification section 8.2, Table 24). */
function equivalenceClasses(m: (metric: string) => string): [number, number, number, number, number, number] {
  const av = m("AV");
  const pr = m("PR");
  const ui = m("UI");
  let eq1 = 2;
  if (av === "N" && pr === "N" && ui === "N") eq1 = 0;
  else if ((av === "N" || pr === "N" || ui === "N") && av !== "P") eq1 = 1;

  const eq2 = m("AC") === "L" && m("AT") === "N" ? 0 : 1;

  const vc = m("VC");
  const vi = m("VI");
  let eq3 = 2;
  if (vc === "H" && vi === "H") eq3 = 0;
  else if (vc === "H" || vi === "H" || m("VA") === "H") eq3 = 1;

  let eq4 = 2;
  if (m("MSI") === "S" || m("MSA") === "S") eq4 = 0;
  else if (m("SC") === "H" || m("SI") === "H" || m("SA") === "H") eq4 = 1;

  const e = m("E");
  const eq5 = e === "A" ? 0 : e === "P" ? 1 : 2;

  const eq6 =
    (m("CR") === "H" && vc === "H") || (m("IR") === "H" && vi === "H") || (m("AR") === "H" && m("VA") === "H")
      ? 0
      : 1;
  return [eq1, eq2, eq3, eq4, eq5, eq6];
}

/** Score of a MacroVector, or NaN when it does not exist (a class one step lower than the lowest). */
function macroScore(eqs: readonly number[]): number {
  return MACROVECTOR_SCORES[eqs.join("")] ?? Number.NaN;
}

function bump(eqs: readonly number[], ...positions: number[]): number[] {
  return eqs.map((eq, index) => (positions.includes(index) ? eq + 1 : eq));
}

function at<T>(values: readonly T[], index: number, what: string): T {
  const value = values[index];
  if (value === undefined) throw new Error(`CVSS 4.0: no ${what} for class ${index}`);
  return value;
}

function parseFragment(fragment: string): Map<string, string> {
  return new Map(fragment.split("/").map((part) => part.split(":") as [string, string]));
}

const maxVectorsCache = new Map<string, readonly ReadonlyMap<string, string>[]>();

/**
 * Every combination of one highest-severity fragment per EQ, in the reference calculator's order
 * (memoised: there are only 270 MacroVectors).
 */
function maxVectors(eqs: readonly number[]): readonly ReadonlyMap<string, string>[] {
  const key = eqs.join("");
  let vectors = maxVectorsCache.get(key);
  if (vectors === undefined) {
    vectors = composeMaxVectors(eqs);
    maxVectorsCache.set(key, vectors);
  }
  return vectors;
}

function composeMaxVectors(eqs: readonly number[]): Map<string, string>[] {
  const [eq1 = 0, eq2 = 0, eq3 = 0, eq4 = 0, eq5 = 0, eq6 = 0] = eqs;
  const groups = [
    at(MAX_COMPOSED.eq1, eq1, "max vector"),
    at(MAX_COMPOSED.eq2, eq2, "max vector"),
    at(at(MAX_COMPOSED.eq3eq6, eq3, "max vector"), eq6, "max vector"),
    at(MAX_COMPOSED.eq4, eq4, "max vector"),
    at(MAX_COMPOSED.eq5, eq5, "max vector"),
  ];
  let combinations: string[] = [""];
  for (const group of groups) {
    combinations = combinations.flatMap((prefix) =>
      group.map((fragment) => (prefix ? `${prefix}/${fragment}` : fragment)),
    );
  }
  return combinations.map(parseFragment);
}

function level(metric: DistanceMetric, value: string | undefined): number {
  const result = value === undefined ? undefined : LEVELS[metric][value];
  if (result === undefined) throw new Error(`CVSS 4.0: no severity level for ${metric}:${value}`);
  return result;
}

/** Per-metric severity distance of the vector from a highest-severity vector (negative: more severe). */
function severityDistances(
  m: (metric: string) => string,
  maxVector: ReadonlyMap<string, string>,
): Record<DistanceMetric, number> {
  const distances = {} as Record<DistanceMetric, number>;
  for (const metric of DISTANCE_METRICS) {
    distances[metric] = level(metric, m(metric)) - level(metric, maxVector.get(metric));
  }
  return distances;
}

/**
 * Lift applied before rounding so that interpolated scores that are mathematically an exact tie
 * (x.x5) but land one floating-point ULP below it (e.g. 5.6499999999999995) round half up, as in
 * the reference implementations since their 2024 rounding fixes (RedHatProductSecurity/cvss#65,
 * cvss-v4-calculator#67). Far smaller than the gap between a tie and any other attainable score.
 */
const EPSILON = 1e-6;

/** Round half up to one decimal place. */
function roundToOneDecimal(value: number): number {
  return Math.round((value + EPSILON) * 10) / 10;
}

export function scoreCvss40(vector: string): Cvss40Result {
  const metrics = parseVector("4.0", vector, CATALOGUE, BASE_METRICS);
  const m = (metric: string): string => effective(metrics, metric);
  const eqs = equivalenceClasses(m);
  const macroVector = eqs.join("");
  const score = interpolatedScore(m, eqs);
  return { version: "4.0", vector, score, severity: severityOf(score), macroVector };
}

/**
 * Section 8.3: start from the MacroVector's score and subtract the mean, over the EQs that have a
 * lower MacroVector, of (score gap to that lower MacroVector) × (proportion of the vector's
 * severity distance from the MacroVector's highest-severity vector). Arithmetic follows the
 * reference implementation operation by operation so that results are bit-identical.
 */
function interpolatedScore(
  m: (metric: string) => string,
  eqs: [number, number, number, number, number, number],
) {
  if (["VC", "VI", "VA", "SC", "SI", "SA"].every((metric) => m(metric) === "N")) return 0;

  const [eq1, eq2, eq3, eq4, , eq6] = eqs;
  const value = macroScore(eqs);

  // 1a. Score of the next lower MacroVector per EQ (NaN when there is none). EQ3 and EQ6 move
  // together: 00 → max(01, 10), 01 → 11, 10 → 11, 11 → 21, 21 → none.
  const lowerEq1 = macroScore(bump(eqs, 0));
  const lowerEq2 = macroScore(bump(eqs, 1));
  let lowerEq3Eq6: number;
  if (eq3 === 0 && eq6 === 0) {
    lowerEq3Eq6 = Math.max(macroScore(bump(eqs, 5)), macroScore(bump(eqs, 2)));
  } else if (eq3 === 1 && eq6 === 0) {
    lowerEq3Eq6 = macroScore(bump(eqs, 5));
  } else if (eq3 === 2) {
    lowerEq3Eq6 = macroScore(bump(eqs, 2, 5));
  } else {
    lowerEq3Eq6 = macroScore(bump(eqs, 2));
  }
  const lowerEq4 = macroScore(bump(eqs, 3));
  const lowerEq5 = macroScore(bump(eqs, 4));

  // 1b. Severity distance from the first highest-severity vector that is at least as severe in every metric.
  let distances: Record<DistanceMetric, number> | undefined;
  for (const maxVector of maxVectors(eqs)) {
    distances = severityDistances(m, maxVector);
    if (Object.values(distances).every((distance) => distance >= 0)) break;
  }
  if (distances === undefined) throw new Error("CVSS 4.0: no highest-severity vector");
  const d = distances;
  const distanceEq1 = d.AV + d.PR + d.UI;
  const distanceEq2 = d.AC + d.AT;
  const distanceEq3Eq6 = d.VC + d.VI + d.VA + d.CR + d.IR + d.AR;
  const distanceEq4 = d.SC + d.SI + d.SA;

  // 1c/1d. Proportion of the distance to the class depth, times the available score gap.
  const parts: [available: number, proportion: () => number][] = [
    [value - lowerEq1, () => distanceEq1 / (at(MAX_SEVERITY.eq1, eq1, "depth") * STEP)],
    [value - lowerEq2, () => distanceEq2 / (at(MAX_SEVERITY.eq2, eq2, "depth") * STEP)],
    [
      value - lowerEq3Eq6,
      () => distanceEq3Eq6 / (at(at(MAX_SEVERITY.eq3eq6, eq3, "depth"), eq6, "depth") * STEP),
    ],
    [value - lowerEq4, () => distanceEq4 / (at(MAX_SEVERITY.eq4, eq4, "depth") * STEP)],
    // EQ5 has a single value per class: its proportion is always 0.
    [value - lowerEq5, () => 0],
  ];
  let existingLower = 0;
  let sum = 0;
  for (const [available, proportion] of parts) {
    if (Number.isNaN(available)) continue;
    existingLower += 1;
    sum += available * proportion();
  }

  // 2 and 3. Mean of the proportional distances, subtracted from the MacroVector score.
  const meanDistance = existingLower === 0 ? 0 : sum / existingLower;
  return roundToOneDecimal(Math.min(10, Math.max(0, value - meanDistance)));
}
