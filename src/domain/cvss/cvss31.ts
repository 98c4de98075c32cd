import { type CvssSeverity, severityOf } from "./severity.js";
import { type MetricCatalogue, metricValue, type ParsedMetrics, parseVector } from "./vector.js";

/**
 * CVSS v3.1 scoring (FIRST CVSS v3.1 specification, section 7 and Appendix A), base, temporal and
 * environmental. A temporal or environmental metric set to X ("Not Defined") counts as absent.
 */
export interface Cvss31Result {
  version: "3.1";
  vector: string;
  /** Environmental score if any environmental metric is defined, else temporal if any temporal one is, else base. */
  score: number;
  severity: CvssSeverity;
  baseScore: number;
  /** `null` when no temporal metric (E, RL, RC) is defined. */
  temporalScore: number | null;
  /** `null` when no environmental metric (CR, IR, AR, M*) is defined. */
  environmentalScore: number | null;
  /** Impact sub-score rounded to one decimal (0 when the impact is not positive). */
  impactSubScore: number;
  /** Exploitability sub-score rounded to one decimal. */
  exploitabilitySubScore: number;
  /** Modified impact sub-score rounded to one decimal; `null` when no environmental metric is defined. */
  modifiedImpactSubScore: number | null;
}

const BASE_METRICS = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"] as const;
const TEMPORAL_METRICS = ["E", "RL", "RC"] as const;
const ENVIRONMENTAL_METRICS = ["CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA"] as const;

const CIA = ["N", "L", "H"] as const;
const MODIFIED_CIA = ["X", "N", "L", "H"] as const;
const REQUIREMENT = ["X", "L", "M", "H"] as const;

const CATALOGUE: MetricCatalogue = new Map<string, readonly string[]>([
  ["AV", ["N", "A", "L", "P"]],
  ["AC", ["L", "H"]],
  ["PR", ["N", "L", "H"]],
  ["UI", ["N", "R"]],
  ["S", ["U", "C"]],
  ["C", CIA],
  ["I", CIA],
  ["A", CIA],
  ["E", ["X", "U", "P", "F", "H"]],
  ["RL", ["X", "O", "T", "W", "U"]],
  ["RC", ["X", "U", "R", "C"]],
  ["CR", REQUIREMENT],
  ["IR", REQUIREMENT],
  ["AR", REQUIREMENT],
  ["MAV", ["X", "N", "A", "L", "P"]],
  ["MAC", ["X", "L", "H"]],
  ["MPR", ["X", "N", "L", "H"]],
  ["MUI", ["X", "N", "R"]],
  ["MS", ["X", "U", "C"]],
  ["MC", MODIFIED_CIA],
  ["MI", MODIFIED_CIA],
  ["MA", MODIFIED_CIA],
]);

type Weights = Readonly<Record<string, number>>;

// Section 7.4, Table 16 (metric values). "X" (Not Defined) weighs 1 for temporal metrics and requirements.
const ATTACK_VECTOR: Weights = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const ATTACK_COMPLEXITY: Weights = { L: 0.77, H: 0.44 };
const PRIVILEGES_UNCHANGED: Weights = { N: 0.85, L: 0.62, H: 0.27 };
const PRIVILEGES_CHANGED: Weights = { N: 0.85, L: 0.68, H: 0.5 };
const USER_INTERACTION: Weights = { N: 0.85, R: 0.62 };
const IMPACT: Weights = { H: 0.56, L: 0.22, N: 0 };
const EXPLOIT_CODE_MATURITY: Weights = { X: 1, H: 1, F: 0.97, P: 0.94, U: 0.91 };
const REMEDIATION_LEVEL: Weights = { X: 1, U: 1, W: 0.97, T: 0.96, O: 0.95 };
const REPORT_CONFIDENCE: Weights = { X: 1, C: 1, R: 0.96, U: 0.92 };
const SECURITY_REQUIREMENT: Weights = { X: 1, H: 1.5, M: 1, L: 0.5 };

function weight(table: Weights, value: string): number {
  const w = table[value];
  if (w === undefined) throw new Error(`CVSS 3.1: no weight for value '${value}'`);
  return w;
}

/**
 * The specification's Roundup (Appendix A): the smallest number with one decimal place that is
 * equal to or higher than its input, computed on integers to avoid floating-point artefacts
 * (so that Roundup(4.000000000000001) is 4.0, not 4.1).
 */
export function roundUp(value: number): number {
  const intInput = Math.round(value * 100_000);
  if (intInput % 10_000 === 0) return intInput / 100_000;
  return (Math.floor(intInput / 10_000) + 1) / 10;
}

/** Sub-scores are reported rounded half-up to one decimal, and never below zero. */
function roundSubScore(value: number): number {
  return value <= 0 ? 0 : Math.round(value * 10) / 10;
}

function isDefined(metrics: ParsedMetrics, names: readonly string[]): boolean {
  return names.some((name) => metricValue(metrics, name) !== "X");
}

/** The modified metric's value if defined, else the base metric's value. */
function modified(metrics: ParsedMetrics, base: string): string {
  const value = metricValue(metrics, `M${base}`);
  return value === "X" ? metricValue(metrics, base) : value;
}

export function scoreCvss31(vector: string): Cvss31Result {
  const metrics = parseVector("3.1", vector, CATALOGUE, BASE_METRICS);
  const v = (name: string): string => metricValue(metrics, name);

  // Base metric group (section 7.1).
  const scopeChanged = v("S") === "C";
  const iss = 1 - (1 - weight(IMPACT, v("C"))) * (1 - weight(IMPACT, v("I"))) * (1 - weight(IMPACT, v("A")));
  const impact = scopeChanged ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  const exploitability =
    8.22 *
    weight(ATTACK_VECTOR, v("AV")) *
    weight(ATTACK_COMPLEXITY, v("AC")) *
    weight(scopeChanged ? PRIVILEGES_CHANGED : PRIVILEGES_UNCHANGED, v("PR")) *
    weight(USER_INTERACTION, v("UI"));
  let baseScore = 0;
  if (impact > 0) {
    baseScore = scopeChanged
      ? roundUp(Math.min(1.08 * (impact + exploitability), 10))
      : roundUp(Math.min(impact + exploitability, 10));
  }

  // Temporal metric group (section 7.2).
  // Multiplied left to right, as the specification writes the formulas, for bit-identical results.
  const e = weight(EXPLOIT_CODE_MATURITY, v("E"));
  const rl = weight(REMEDIATION_LEVEL, v("RL"));
  const rc = weight(REPORT_CONFIDENCE, v("RC"));
  const temporalScore = isDefined(metrics, TEMPORAL_METRICS) ? roundUp(baseScore * e * rl * rc) : null;

  // Environmental metric group (section 7.3).
  let environmentalScore: number | null = null;
  let modifiedImpactSubScore: number | null = null;
  if (isDefined(metrics, ENVIRONMENTAL_METRICS)) {
    const modifiedScopeChanged = modified(metrics, "S") === "C";
    const miss = Math.min(
      1 -
        (1 - weight(SECURITY_REQUIREMENT, v("CR")) * weight(IMPACT, modified(metrics, "C"))) *
          (1 - weight(SECURITY_REQUIREMENT, v("IR")) * weight(IMPACT, modified(metrics, "I"))) *
          (1 - weight(SECURITY_REQUIREMENT, v("AR")) * weight(IMPACT, modified(metrics, "A"))),
      0.915,
    );
    const modifiedImpact = modifiedScopeChanged
      ? 7.52 * (miss - 0.029) - 3.25 * (miss * 0.9731 - 0.02) ** 13
      : 6.42 * miss;
    const modifiedExploitability =
      8.22 *
      weight(ATTACK_VECTOR, modified(metrics, "AV")) *
      weight(ATTACK_COMPLEXITY, modified(metrics, "AC")) *
      weight(modifiedScopeChanged ? PRIVILEGES_CHANGED : PRIVILEGES_UNCHANGED, modified(metrics, "PR")) *
      weight(USER_INTERACTION, modified(metrics, "UI"));
    environmentalScore = 0;
    if (modifiedImpact > 0) {
      const capped = modifiedScopeChanged
        ? roundUp(Math.min(1.08 * (modifiedImpact + modifiedExploitability), 10))
        : roundUp(Math.min(modifiedImpact + modifiedExploitability, 10));
      environmentalScore = roundUp(capped * e * rl * rc);
    }
    modifiedImpactSubScore = roundSubScore(modifiedImpact);
  }

  const score = environmentalScore ?? temporalScore ?? baseScore;
  return {
    version: "3.1",
    vector,
    score,
    severity: severityOf(score),
    baseScore,
    temporalScore,
    environmentalScore,
    impactSubScore: roundSubScore(impact),
    exploitabilitySubScore: roundSubScore(exploitability),
    modifiedImpactSubScore,
  };
}
