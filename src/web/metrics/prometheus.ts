/**
 * Metrics in the Prometheus text exposition format, version 0.0.4
 * (Content-Type: text/plain; version=0.0.4; charset=utf-8).
 *
 * formatPrometheus is strict rather than forgiving: an invalid metric or label name, a duplicate
 * family or a sample suffix that does not fit the family's type throws, because a malformed line
 * makes Prometheus reject the whole scrape, and that is better found in a test than on a dashboard.
 *
 * Labels carry only program slugs, clock ids, severities and outcomes: bounded sets from the
 * policy files. Never titles, e-mail addresses or case ids, which would leak what is under embargo
 * to whoever reads the metrics and would give every case its own time series.
 */
import type { DurationStats, ProgramMetrics } from "../../domain/metrics/index.js";
import { SEVERITY_KEYS } from "../../domain/metrics/index.js";

export type MetricType = "gauge" | "counter" | "summary" | "histogram";

export interface MetricSample {
  /** Appended to the family name: "_sum", "_count", "_bucket"; none for the plain sample. */
  name?: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: readonly MetricSample[];
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The suffixes each type's samples may carry ("" is the plain sample). */
const SUFFIXES: Readonly<Record<MetricType, readonly string[]>> = {
  gauge: [""],
  counter: [""],
  summary: ["", "_sum", "_count"],
  histogram: ["_bucket", "_sum", "_count"],
};

/** Label names Prometheus reads itself; they go after the others, as Prometheus prints them. */
const TRAILING_LABELS = ["quantile", "le"];

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value); // shortest round-trip form; "1e+21" parses in Prometheus too
}

function labelOrder(a: string, b: string): number {
  const ta = TRAILING_LABELS.indexOf(a);
  const tb = TRAILING_LABELS.indexOf(b);
  if (ta !== tb) return ta - tb; // -1 (ordinary) sorts first
  return a < b ? -1 : a > b ? 1 : 0;
}

function formatLabels(family: string, labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort(labelOrder);
  if (names.length === 0) return "";
  const pairs = names.map((name) => {
    if (!LABEL_NAME.test(name) || name.startsWith("__")) {
      throw new Error(`invalid label name "${name}" in ${family}`);
    }
    return `${name}="${escapeLabelValue(labels[name] ?? "")}"`;
  });
  return `{${pairs.join(",")}}`;
}

function checkSample(family: MetricFamily, sample: MetricSample): string {
  const suffix = sample.name ?? "";
  if (!SUFFIXES[family.type].includes(suffix)) {
    throw new Error(`a ${family.type} sample cannot be named ${family.name}${suffix}`);
  }
  if (family.type === "summary" && suffix === "" && sample.labels.quantile === undefined) {
    throw new Error(`summary ${family.name} has a sample without a quantile label`);
  }
  if (family.type === "histogram" && suffix === "_bucket" && sample.labels.le === undefined) {
    throw new Error(`histogram ${family.name} has a bucket without an le label`);
  }
  return `${family.name}${suffix}`;
}

/**
 * The exposition text: families sorted by name so a scrape reads the same whatever order they were
 * built in; each family's samples in the order given (a histogram's buckets must come ascending),
 * label names sorted with quantile / le last. Ends with a newline, as the format requires.
 */
export function formatPrometheus(families: readonly MetricFamily[]): string {
  const seen = new Set<string>();
  const seenSeries = new Set<string>();
  const lines: string[] = [];
  const sorted = [...families].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const family of sorted) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name "${family.name}"`);
    if (seen.has(family.name)) throw new Error(`metric family ${family.name} given twice`);
    seen.add(family.name);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const series = `${checkSample(family, sample)}${formatLabels(family.name, sample.labels)}`;
      // Prometheus drops a scrape with the same series twice; so would we, but loudly.
      if (seenSeries.has(series)) throw new Error(`sample ${series} given twice`);
      seenSeries.add(series);
      lines.push(`${series} ${formatValue(sample.value)}`);
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

export interface OperationalGauges {
  outboxPending: number;
  outboxFailed: number;
  timersDue: number;
}

/** A summary with no observations reports NaN quantiles, as Prometheus client libraries do. */
function durationSamples(program: string, stats: DurationStats): MetricSample[] {
  return [
    { labels: { program, quantile: "0.5" }, value: stats.medianHours ?? Number.NaN },
    { labels: { program, quantile: "0.9" }, value: stats.p90Hours ?? Number.NaN },
    { name: "_sum", labels: { program }, value: stats.sumHours },
    { name: "_count", labels: { program }, value: stats.count },
  ];
}

function gauge(name: string, help: string, value: number): MetricFamily {
  return { name, help, type: "gauge", samples: [{ labels: {}, value }] };
}

/**
 * The families a /metrics endpoint serves, from computeMetrics()' results. Whatever programs are
 * passed are exported: pass per-program metrics only (not the ALL_PROGRAMS aggregate) if the
 * dashboards sum over programs, or the totals count every case twice.
 */
export function metricFamiliesFrom(
  metrics: readonly ProgramMetrics[],
  extra: OperationalGauges,
): MetricFamily[] {
  const duration = (
    what: string,
    doing: string,
    pick: (m: ProgramMetrics) => DurationStats,
  ): MetricFamily => ({
    name: `embargo_time_to_${what}_hours`,
    help: `Hours from receiving a report to ${doing} it, over the cases ${doing === "fixing" ? "fixed" : `${what}d`} (nearest-rank quantiles).`,
    type: "summary",
    samples: metrics.flatMap((m) => durationSamples(m.program, pick(m))),
  });
  return [
    {
      name: "embargo_cases_open",
      help: "Cases not closed, by severity.",
      type: "gauge",
      samples: metrics.flatMap((m) =>
        SEVERITY_KEYS.map((severity) => ({
          labels: { program: m.program, severity },
          value: m.openBySeverity[severity],
        })),
      ),
    },
    duration("acknowledge", "acknowledging", (m) => m.timeToAcknowledge),
    duration("triage", "triaging", (m) => m.timeToTriage),
    duration("fix", "fixing", (m) => m.timeToFix),
    {
      // A gauge, not a counter: it covers a window (recent and open cases), so it can go down.
      name: "embargo_clock_outcomes",
      help: "Service-level clocks that stopped, by whether they were met or missed, over the cases received in the last 31 days and those still open.",
      type: "gauge",
      samples: metrics.flatMap((m) =>
        m.clocks.flatMap((c) => [
          { labels: { program: m.program, clock: c.clockId, outcome: "met" }, value: c.met },
          { labels: { program: m.program, clock: c.clockId, outcome: "missed" }, value: c.missed },
        ]),
      ),
    },
    {
      name: "embargo_clocks_running",
      help: "Service-level clocks still running; overdue ones can still be stopped, late.",
      type: "gauge",
      samples: metrics.flatMap((m) =>
        m.clocks.flatMap((c) => [
          { labels: { program: m.program, clock: c.clockId, state: "running" }, value: c.running },
          { labels: { program: m.program, clock: c.clockId, state: "overdue" }, value: c.overdue },
        ]),
      ),
    },
    gauge("embargo_outbox_pending", "Outgoing messages waiting to be sent.", extra.outboxPending),
    gauge("embargo_outbox_failed", "Outgoing messages that failed for good.", extra.outboxFailed),
    gauge("embargo_timers_due", "Scheduled timers due and not yet run.", extra.timersDue),
  ];
}
