import fc from "fast-check";
import { renderToStaticMarkup } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import type { SeriesPoint } from "../../domain/metrics/index.js";
import { BarChart, dateLabel, LineChart, niceTicks, OpenBySeverityChart, StackedBarChart } from "./charts.js";

const count = (html: string, pattern: RegExp) => html.match(new RegExp(pattern.source, "g"))?.length ?? 0;
const week = (i: number) => new Date(Date.UTC(2024, 0, 1 + 7 * i));

describe("nice ticks", () => {
  it("picks round steps that cover the range", () => {
    expect(niceTicks(0, 37, 5)).toEqual([0, 10, 20, 30, 40]);
    expect(niceTicks(0, 100, 5)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(0, 0.9, 5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(0, 43, 5)).toEqual([0, 20, 40, 60]);
    expect(niceTicks(-3, 7, 5)).toEqual([-5, -2.5, 0, 2.5, 5, 7.5]);
    expect(niceTicks(0.1, 0.3, 3)).toEqual([0.1, 0.2, 0.3]);
  });

  it("widens a flat range and keeps counts whole when asked", () => {
    expect(niceTicks(0, 0, 5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(0, 0, 5, true)).toEqual([0, 1]);
    expect(niceTicks(0, 3, 5, true)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(5, 5, 5)).toEqual([4, 6, 8, 10]);
    expect(niceTicks(7, 2, 6)).toEqual([2, 3, 4, 5, 6, 7]); // reversed bounds are fine
  });

  it("refuses what it cannot draw", () => {
    expect(() => niceTicks(0, Number.POSITIVE_INFINITY, 5)).toThrow(RangeError);
    expect(() => niceTicks(0, 1, 1)).toThrow(RangeError);
  });

  it("always covers the range with evenly spaced, increasing ticks", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.integer({ min: 2, max: 10 }),
        (a, b, n) => {
          const ticks = niceTicks(a, b, n);
          expect(ticks.length).toBeGreaterThanOrEqual(2);
          expect(ticks.length).toBeLessThanOrEqual(n + 2);
          const step = ticks[1]! - ticks[0]!;
          expect(step).toBeGreaterThan(0);
          // Covered up to float noise, far below anything a chart could show.
          expect(ticks[0]!).toBeLessThanOrEqual(Math.min(a, b) + step * 1e-6);
          expect(ticks.at(-1)!).toBeGreaterThanOrEqual(Math.max(a, b) - step * 1e-6);
          for (let i = 1; i < ticks.length; i++) {
            expect(ticks[i]! - ticks[i - 1]!).toBeCloseTo(step, 6);
          }
        },
      ),
    );
  });
});

describe("date labels", () => {
  it("reads month and day in UTC, or month and year for monthly buckets", () => {
    expect(dateLabel(new Date("2024-03-04T23:30:00-05:00"), false)).toBe("Mar 5"); // 04:30 UTC on the 5th
    expect(dateLabel(new Date("2024-12-01T00:00:00Z"), true)).toBe("Dec 2024");
  });
});

describe("line chart", () => {
  const html = renderToStaticMarkup(
    <LineChart
      title="Time to acknowledge"
      description="Weekly medians."
      yUnit="hours"
      series={[
        { label: "Median", points: [0, 1, 2, 3, 4].map((i) => ({ x: week(i), y: i === 2 ? null : i * 3 })) },
        { label: "p90", points: [0, 1, 2, 3, 4].map((i) => ({ x: week(i), y: i === 3 ? 8 : null })) },
      ]}
    />,
  );

  it("is an image named by its visible caption and described by its desc", () => {
    expect(html).toContain('role="img"');
    expect(html).toContain('aria-labelledby="chart-time-to-acknowledge-title"');
    expect(html).toContain(
      '<figcaption id="chart-time-to-acknowledge-title" class="chart-title">Time to acknowledge</figcaption>',
    );
    expect(html).toContain('<desc id="chart-time-to-acknowledge-desc">Weekly medians.</desc>');
    expect(html).toContain('viewBox="0 0 640 240"');
    expect(html).toContain('width="100%"');
  });

  it("breaks a line at a gap and marks lone points without a line", () => {
    // Series 0 has two runs (weeks 0–1 and 3–4); series 1 is a single point: a marker, no path.
    expect(count(html, /<path /)).toBe(2);
    expect(count(html, /class="chart-line chart-series-0"/)).toBe(2);
    expect(count(html, /class="chart-marker chart-series-0"/)).toBe(4 + 1); // four points and the legend
    expect(count(html, /class="chart-marker chart-series-1"/)).toBe(1 + 1);
  });

  it("tells series apart by dash and marker shape, not only colour", () => {
    expect(html).toContain('stroke-dasharray="7 4"'); // the second series' legend line
    expect(html).toMatch(/<circle class="chart-marker chart-series-0"/);
    expect(html).toMatch(/<rect class="chart-marker chart-series-1"/);
  });

  it("labels the axes with round values and dates", () => {
    expect(html).toContain(">Jan 1</text>");
    expect(html).toContain(">Jan 29</text>");
    expect(html).toMatch(/>15<\/text>/); // whole values 0–12: whole ticks 0, 5, 10, 15
    expect(html).toContain(">hours</text>");
  });

  it("repeats the numbers in a visually hidden table", () => {
    expect(html).toContain('<table class="visually-hidden"><caption>Time to acknowledge</caption>');
    expect(html).toContain('<th scope="col">Median (hours)</th><th scope="col">p90 (hours)</th>');
    expect(count(html, /<tr>/)).toBe(1 + 5);
    expect(html).toContain('<th scope="row">Jan 15</th><td>no data</td><td>no data</td>');
    expect(html).toContain('<th scope="row">Jan 22</th><td>9</td><td>8</td>');
  });

  it("uses no inline style", () => {
    expect(html).not.toMatch(/style=/);
  });

  it("escapes what it is given", () => {
    const hostile = renderToStaticMarkup(
      <LineChart
        title={'<script>alert("x")</script>'}
        description="</desc><script>"
        yUnit="<b>"
        series={[{ label: "<img src=x>", points: [{ x: week(0), y: 1 }] }]}
      />,
    );
    expect(hostile).not.toContain("<script");
    expect(hostile).not.toContain("<img");
    expect(hostile).not.toContain("<b>");
    expect(hostile).toContain('-desc">&lt;/desc>&lt;script></desc>');
    expect(hostile).toContain(
      '<figcaption id="chart-script-alert-x-script-title" class="chart-title">&lt;script>alert(&quot;x&quot;)&lt;/script></figcaption>',
    );
  });

  it('says "No data yet" when there is nothing to draw', () => {
    for (const series of [[], [{ label: "Median", points: [{ x: week(0), y: null }] }]]) {
      const empty = renderToStaticMarkup(
        <LineChart title="Empty" description="Medians." yUnit="hours" series={series} />,
      );
      expect(empty).toContain(">No data yet</text>");
      expect(empty).toContain('role="img"');
      expect(empty).toContain('<desc id="chart-empty-desc">Medians. No data yet.</desc>');
      expect(empty).not.toContain("<path");
      expect(empty).not.toContain("<table");
    }
  });

  it("takes an id when two charts share a title", () => {
    const html = renderToStaticMarkup(
      <LineChart
        id="ack-web"
        title="T"
        description=""
        yUnit=""
        series={[{ label: "a", points: [{ x: week(0), y: 1 }] }]}
      />,
    );
    expect(html).toContain('<figcaption id="ack-web-title"');
  });
});

describe("bar chart", () => {
  const html = renderToStaticMarkup(
    <BarChart
      title="Open cases by program"
      description="Now."
      bars={[
        { label: "web", value: 12 },
        { label: "a-program-with-a-long-slug-that-will-not-fit-under-its-bar", value: 3 },
        { label: "mobile", value: 0 },
      ]}
    />,
  );

  it("draws one bar per item with its value, and a table", () => {
    expect(count(html, /<rect class="chart-bar"/)).toBe(3);
    expect(html).toContain("<title>web: 12</title>");
    expect(count(html, /<tr>/)).toBe(1 + 3);
    expect(html).toContain(
      '<th scope="row">a-program-with-a-long-slug-that-will-not-fit-under-its-bar</th><td>3</td>',
    );
    expect(html).toMatch(/>a-program-with-a-long-slug-t…<\/text>/); // cut to fit under the bar
    expect(html).toMatch(/>0<\/text>/);
    expect(html).not.toMatch(/style=/);
  });

  it("keeps whole-number ticks for counts", () => {
    const small = renderToStaticMarkup(
      <BarChart title="B" description="" bars={[{ label: "x", value: 1 }]} />,
    );
    expect(small).not.toContain(">0.5</text>");
  });

  it('says "No data yet" with no bars', () => {
    expect(renderToStaticMarkup(<BarChart title="B" description="" bars={[]} />)).toContain("No data yet");
  });
});

describe("stacked bar chart", () => {
  const keys = [
    { key: "critical", label: "Critical" },
    { key: "high", label: "High" },
  ];
  const html = renderToStaticMarkup(
    <StackedBarChart
      title="Open"
      description="By severity."
      keys={keys}
      bars={[
        { x: week(0), values: { critical: 2, high: 1 } },
        { x: week(1), values: { critical: 0, high: 4 } },
      ]}
    />,
  );

  it("stacks non-zero segments, hatched after the first, with a legend", () => {
    // Three segments plus two legend swatches.
    expect(count(html, /<rect class="chart-bar chart-series-0"/)).toBe(1 + 1);
    expect(count(html, /<rect class="chart-bar chart-series-1"/)).toBe(2 + 1);
    expect(html).toContain('<pattern id="chart-open-hatch-1"');
    expect(count(html, /fill="url\(#chart-open-hatch-1\)"/)).toBe(2 + 1);
    expect(html).toContain(">Critical</text>");
    expect(html).not.toMatch(/style=/);
  });

  it("lists every value and the total in its table", () => {
    expect(html).toContain('<th scope="row">Jan 1</th><td>2</td><td>1</td><td>3</td>');
    expect(html).toContain('<th scope="row">Jan 8</th><td>0</td><td>4</td><td>4</td>');
  });

  it("draws open cases by severity from a metrics series", () => {
    const none = { critical: 0, high: 0, medium: 0, low: 0, none: 0, unrated: 0 };
    const point = (start: string, open: Partial<typeof none>): SeriesPoint => ({
      start: new Date(start),
      end: new Date(start),
      received: 0,
      medianAcknowledgeHours: null,
      medianFixHours: null,
      clocksKept: 0,
      clocksMissed: 0,
      keptShare: null,
      openAtEnd: { ...none, ...open },
    });
    const chart = renderToStaticMarkup(
      <OpenBySeverityChart
        series={[
          point("2024-01-01T00:00:00Z", { critical: 1, unrated: 2 }),
          point("2024-02-01T00:00:00Z", {}),
        ]}
      />,
    );
    expect(chart).toContain(
      '<figcaption id="chart-open-cases-by-severity-title" class="chart-title">Open cases by severity</figcaption>',
    );
    expect(chart).toContain(
      '<th scope="row">Jan 2024</th><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>2</td><td>3</td>',
    );
    expect(chart).toContain("<title>Jan 2024, Unrated: 2</title>");
    expect(renderToStaticMarkup(<OpenBySeverityChart series={[]} />)).toContain("No data yet");
  });
});
