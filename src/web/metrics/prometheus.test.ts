import { describe, expect, it } from "vitest";
import type { ProgramMetrics } from "../../domain/metrics/index.js";
import { formatPrometheus, formatValue, type MetricFamily, metricFamiliesFrom } from "./prometheus.js";

describe("Prometheus text format", () => {
  it("writes HELP, TYPE and samples, families sorted by name", () => {
    const families: MetricFamily[] = [
      {
        name: "b_requests_total",
        help: "Requests.",
        type: "counter",
        samples: [
          { labels: { path: "/a", code: "200" }, value: 3 },
          { labels: { path: "/b", code: "500" }, value: 0 },
        ],
      },
      { name: "a_up", help: "Up.", type: "gauge", samples: [{ labels: {}, value: 1 }] },
    ];
    expect(formatPrometheus(families)).toBe(
      [
        "# HELP a_up Up.",
        "# TYPE a_up gauge",
        "a_up 1",
        "# HELP b_requests_total Requests.",
        "# TYPE b_requests_total counter",
        'b_requests_total{code="200",path="/a"} 3',
        'b_requests_total{code="500",path="/b"} 0',
        "",
      ].join("\n"),
    );
    expect(formatPrometheus([])).toBe("");
  });

  it("escapes label values and help text", () => {
    const text = formatPrometheus([
      {
        name: "x",
        help: 'back\\slash "quoted"\nnext line',
        type: "gauge",
        samples: [{ labels: { v: 'a\\b "c"\nd' }, value: 1 }],
      },
    ]);
    expect(text).toBe(
      [
        '# HELP x back\\\\slash "quoted"\\nnext line',
        "# TYPE x gauge",
        'x{v="a\\\\b \\"c\\"\\nd"} 1',
        "",
      ].join("\n"),
    );
  });

  it("formats special values", () => {
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe("+Inf");
    expect(formatValue(Number.NEGATIVE_INFINITY)).toBe("-Inf");
    expect(formatValue(Number.NaN)).toBe("NaN");
    expect(formatValue(0.25)).toBe("0.25");
    expect(formatValue(-0)).toBe("0");
  });

  it("writes a histogram with buckets in the given order and le last", () => {
    const text = formatPrometheus([
      {
        name: "h",
        help: "H.",
        type: "histogram",
        samples: [
          { name: "_bucket", labels: { le: "1", job: "j" }, value: 2 },
          { name: "_bucket", labels: { le: "+Inf", job: "j" }, value: 3 },
          { name: "_sum", labels: { job: "j" }, value: 4.5 },
          { name: "_count", labels: { job: "j" }, value: 3 },
        ],
      },
    ]);
    expect(text.split("\n").slice(2)).toEqual([
      'h_bucket{job="j",le="1"} 2',
      'h_bucket{job="j",le="+Inf"} 3',
      'h_sum{job="j"} 4.5',
      'h_count{job="j"} 3',
      "",
    ]);
  });

  it("refuses names Prometheus would reject, and duplicates", () => {
    const gauge = (name: string, labels: Record<string, string> = {}): MetricFamily => ({
      name,
      help: "",
      type: "gauge",
      samples: [{ labels, value: 1 }],
    });
    expect(() => formatPrometheus([gauge("1abc")])).toThrow(/invalid metric name/);
    expect(() => formatPrometheus([gauge("a-b")])).toThrow(/invalid metric name/);
    expect(() => formatPrometheus([gauge("ok", { "bad-label": "x" })])).toThrow(/invalid label name/);
    expect(() => formatPrometheus([gauge("ok", { __name__: "x" })])).toThrow(/invalid label name/);
    expect(() => formatPrometheus([gauge("ok"), gauge("ok")])).toThrow(/given twice/);
    expect(() =>
      formatPrometheus([
        { name: "g", help: "", type: "gauge", samples: [{ name: "_sum", labels: {}, value: 1 }] },
      ]),
    ).toThrow(/cannot be named g_sum/);
    expect(() =>
      formatPrometheus([{ name: "s", help: "", type: "summary", samples: [{ labels: {}, value: 1 }] }]),
    ).toThrow(/quantile/);
    expect(() =>
      formatPrometheus([
        {
          name: "g",
          help: "",
          type: "gauge",
          samples: [
            { labels: { a: "1" }, value: 1 },
            { labels: { a: "1" }, value: 2 },
          ],
        },
      ]),
    ).toThrow(/given twice/);
  });
});

const EMPTY = { count: 0, medianHours: null, p90Hours: null, sumHours: 0 };

function program(slug: string): ProgramMetrics {
  return {
    program: slug,
    cases: 3,
    timeToAcknowledge: { count: 2, medianHours: 1.5, p90Hours: 4, sumHours: 5.5 },
    timeToTriage: EMPTY,
    timeToFix: { count: 1, medianHours: 72, p90Hours: 72, sumHours: 72 },
    clocks: [{ clockId: "ack", met: 2, missed: 1, running: 0, overdue: 1, keptShare: 2 / 3 }],
    openBySeverity: { critical: 1, high: 0, medium: 0, low: 0, none: 0, unrated: 1 },
    series: [],
  };
}

describe("Embargo's metric families", () => {
  it("exports exactly these lines for one program", () => {
    const text = formatPrometheus(
      metricFamiliesFrom([program("web")], { outboxPending: 2, outboxFailed: 0, timersDue: 5 }),
    );
    expect(text).toBe(
      `# HELP embargo_cases_open Cases not closed, by severity.
# TYPE embargo_cases_open gauge
embargo_cases_open{program="web",severity="critical"} 1
embargo_cases_open{program="web",severity="high"} 0
embargo_cases_open{program="web",severity="medium"} 0
embargo_cases_open{program="web",severity="low"} 0
embargo_cases_open{program="web",severity="none"} 0
embargo_cases_open{program="web",severity="unrated"} 1
# HELP embargo_clock_outcomes Service-level clocks that stopped, by whether they were met or missed, over the cases received in the last 31 days and those still open.
# TYPE embargo_clock_outcomes gauge
embargo_clock_outcomes{clock="ack",outcome="met",program="web"} 2
embargo_clock_outcomes{clock="ack",outcome="missed",program="web"} 1
# HELP embargo_clocks_running Service-level clocks still running; overdue ones can still be stopped, late.
# TYPE embargo_clocks_running gauge
embargo_clocks_running{clock="ack",program="web",state="running"} 0
embargo_clocks_running{clock="ack",program="web",state="overdue"} 1
# HELP embargo_outbox_failed Outgoing messages that failed for good.
# TYPE embargo_outbox_failed gauge
embargo_outbox_failed 0
# HELP embargo_outbox_pending Outgoing messages waiting to be sent.
# TYPE embargo_outbox_pending gauge
embargo_outbox_pending 2
# HELP embargo_time_to_acknowledge_hours Hours from receiving a report to acknowledging it, over the cases acknowledged (nearest-rank quantiles).
# TYPE embargo_time_to_acknowledge_hours summary
embargo_time_to_acknowledge_hours{program="web",quantile="0.5"} 1.5
embargo_time_to_acknowledge_hours{program="web",quantile="0.9"} 4
embargo_time_to_acknowledge_hours_sum{program="web"} 5.5
embargo_time_to_acknowledge_hours_count{program="web"} 2
# HELP embargo_time_to_fix_hours Hours from receiving a report to fixing it, over the cases fixed (nearest-rank quantiles).
# TYPE embargo_time_to_fix_hours summary
embargo_time_to_fix_hours{program="web",quantile="0.5"} 72
embargo_time_to_fix_hours{program="web",quantile="0.9"} 72
embargo_time_to_fix_hours_sum{program="web"} 72
embargo_time_to_fix_hours_count{program="web"} 1
# HELP embargo_time_to_triage_hours Hours from receiving a report to triaging it, over the cases triaged (nearest-rank quantiles).
# TYPE embargo_time_to_triage_hours summary
embargo_time_to_triage_hours{program="web",quantile="0.5"} NaN
embargo_time_to_triage_hours{program="web",quantile="0.9"} NaN
embargo_time_to_triage_hours_sum{program="web"} 0
embargo_time_to_triage_hours_count{program="web"} 0
# HELP embargo_timers_due Scheduled timers due and not yet run.
# TYPE embargo_timers_due gauge
embargo_timers_due 5
`,
    );
  });

  it("keeps one series per program and only bounded labels", () => {
    const families = metricFamiliesFrom([program("api"), program("web")], {
      outboxPending: 0,
      outboxFailed: 0,
      timersDue: 0,
    });
    const labelNames = new Set(families.flatMap((f) => f.samples.flatMap((s) => Object.keys(s.labels))));
    expect([...labelNames].sort()).toEqual(["clock", "outcome", "program", "quantile", "severity", "state"]);
    const text = formatPrometheus(families);
    expect(text.match(/^embargo_cases_open\{program="api"/gm)).toHaveLength(6);
    expect(text.match(/^embargo_cases_open\{program="web"/gm)).toHaveLength(6);
  });
});
