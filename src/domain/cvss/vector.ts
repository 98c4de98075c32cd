import { CvssError } from "./cvss-error.js";

/** Allowed values per metric, in the order the specification lists them (used in error messages). */
export type MetricCatalogue = ReadonlyMap<string, readonly string[]>;

/** The parsed metrics of a vector: metric abbreviation → value, exactly as written. */
export type ParsedMetrics = ReadonlyMap<string, string>;

/**
 * Splits and validates `CVSS:<version>/M:V/M:V...`. Metrics may come in any order (the CVSS 4.0
 * validation data contains reordered vectors), but each may appear only once, must be known for
 * the version, must carry one of its allowed values, and every mandatory metric must be present.
 * Names and values are case-sensitive, as in the specifications.
 */
export function parseVector(
  version: "3.1" | "4.0",
  vector: string,
  catalogue: MetricCatalogue,
  mandatory: readonly string[],
): ParsedMetrics {
  const label = `CVSS:${version} vector`;
  const prefix = `CVSS:${version}/`;
  if (!vector.startsWith(prefix)) {
    throw new CvssError(`${label}: must start with '${prefix}'`);
  }
  const parsed = new Map<string, string>();
  for (const component of vector.slice(prefix.length).split("/")) {
    const colon = component.indexOf(":");
    if (component === "") {
      throw new CvssError(`${label}: empty metric component (stray '/')`);
    }
    if (colon < 0) {
      throw new CvssError(`${label}: malformed component '${component}' (expected METRIC:VALUE)`, component);
    }
    const metric = component.slice(0, colon);
    const value = component.slice(colon + 1);
    const allowed = catalogue.get(metric);
    if (allowed === undefined) {
      throw new CvssError(`${label}: unknown metric '${metric}'`, metric);
    }
    if (parsed.has(metric)) {
      throw new CvssError(`${label}: duplicate metric ${metric}`, metric);
    }
    if (!allowed.includes(value)) {
      throw new CvssError(
        `${label}: unknown value '${value}' for metric ${metric} (expected ${allowed.join(", ")})`,
        metric,
      );
    }
    parsed.set(metric, value);
  }
  for (const metric of mandatory) {
    if (!parsed.has(metric)) {
      throw new CvssError(`${label}: missing mandatory metric ${metric}`, metric);
    }
  }
  return parsed;
}

/** Value of a metric that `parseVector` has validated, or `fallback` when the metric is absent. */
export function metricValue(metrics: ParsedMetrics, metric: string, fallback = "X"): string {
  return metrics.get(metric) ?? fallback;
}
