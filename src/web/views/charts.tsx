import type { ComponentChildren } from "preact";
import { SEVERITY_KEYS, type SeriesPoint, type SeverityKey } from "../../domain/metrics/index.js";

/**
 * Server-rendered SVG charts for the metrics pages: no JavaScript, and no `style` attribute (the
 * CSP forbids inline styles), so every look comes from SVG presentation attributes, which the
 * stylesheet can override through the classes chart, chart-line, chart-bar, chart-axis, chart-grid
 * and chart-label (plus chart-series-N, chart-marker, chart-legend and chart-pattern for finer work).
 *
 * Each chart is a figure whose visible caption is its title; the `<svg role="img">` inside is named
 * by that caption and described by its `<desc>`, followed by a visually hidden table of the same
 * numbers, because a picture of a trend is no use to a screen reader. Series differ by dash pattern and marker shape, stacks by hatching, never by colour alone.
 * A chart with nothing to draw says "No data yet" instead of drawing empty axes.
 */

const WIDTH = 640;
const HEIGHT = 240;
const LEFT = 56;
const RIGHT = WIDTH - 16;
const BOTTOM = HEIGHT - 36;
const LEGEND_ROW = 18;
/** Space between the y axis (or the right edge) and the first (or last) point of a line. */
const INSET = 20;
const MAX_X_LABELS = 8;
/** A rough width of one character at the label size, to fit labels without measuring text. */
const CHAR_WIDTH = 6.5;

const INK = "#333333";
const GRID = "#d9d9d9";
const PALETTE = ["#1d4e89", "#b34700", "#2e7d32", "#6a1b9a", "#8c6d00", "#5f6b73"];
const DASHES: readonly (string | undefined)[] = [undefined, "7 4", "2 3", "10 3 2 3"];
const MARKERS = ["circle", "square", "triangle", "diamond"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// ---------------------------------------------------------------------------------------------
// Scales and labels (pure)
// ---------------------------------------------------------------------------------------------

/**
 * Round tick values covering [min, max]: steps of 1, 2, 2.5 or 5 times a power of ten, the smallest
 * that needs no more than `count` ticks for the range, starting at or below min and ending at or
 * above max. `integers` keeps the step at 1 or more (counts of cases have no half cases). A flat
 * range is widened (to [0, 1] for zero, [x, 2x] otherwise) so there is always an axis to draw.
 */
export function niceTicks(min: number, max: number, count: number, integers = false): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError("tick range must be finite");
  if (!Number.isInteger(count) || count < 2)
    throw new RangeError(`tick count must be 2 or more, got ${count}`);
  const lo = Math.min(min, max);
  let hi = Math.max(min, max);
  // A range too narrow to divide (equal bounds, or float noise apart) gets a width to draw.
  if (hi - lo <= Math.max(Math.abs(lo), Math.abs(hi), 1) * 1e-12) {
    hi = lo + (Math.abs(lo) > 1e-12 ? Math.abs(lo) : 1);
  }
  const raw = (hi - lo) / (count - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const factor = [1, 2, 2.5, 5, 10].find((f) => f * power >= raw * (1 - 1e-9)) ?? 10;
  const step = integers ? Math.max(1, Math.ceil(factor * power)) : factor * power;
  const decimals = Math.max(0, Math.ceil(-Math.log10(step)) + 1);
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(decimals)) + 0); // + 0: no -0
  return ticks;
}

/** "Mar 4" in UTC; "Mar 2026" when every date of the axis is the 1st of a month (monthly buckets). */
export function dateLabel(date: Date, monthly: boolean): string {
  const month = MONTHS[date.getUTCMonth()] ?? "";
  return monthly ? `${month} ${date.getUTCFullYear()}` : `${month} ${date.getUTCDate()}`;
}

function allMonthStarts(dates: readonly Date[]): boolean {
  return dates.every((d) => d.getUTCDate() === 1 && d.getUTCHours() === 0 && d.getUTCMinutes() === 0);
}

/** Up to two decimals, without trailing zeros: 2, 2.5, 0.33. */
function formatNumber(value: number): string {
  return String(Number(value.toFixed(2)) + 0);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Every n-th index, so at most MAX_X_LABELS labels share the axis. */
function labelEvery(count: number): number {
  return Math.max(1, Math.ceil(count / MAX_X_LABELS));
}

function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, Math.max(1, maxChars - 1))}…`;
}

/** An id for aria references: from the title unless the page gives one (two charts, one title). */
function chartId(title: string, id: string | undefined): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|(?<!-)-+$/g, "");
  return id ?? (slug === "" ? "chart" : `chart-${slug}`);
}

interface YScale {
  ticks: number[];
  top: number;
  at: (value: number) => number;
}

function yScale(values: readonly number[], top: number): YScale {
  const integers = values.every(Number.isInteger);
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values), 5, integers);
  const lo = ticks[0] ?? 0;
  const hi = ticks.at(-1) ?? 1;
  return { ticks, top, at: (value) => round(BOTTOM - ((value - lo) / (hi - lo)) * (BOTTOM - top)) };
}

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

interface FrameProps {
  id: string;
  title: string;
  description: string;
  children: ComponentChildren;
  table?: ComponentChildren;
}

function Frame(props: FrameProps) {
  return (
    // The visible caption names the image (aria-labelledby); the SVG's <title> names it read alone.
    <figure class="chart-figure">
      <figcaption id={`${props.id}-title`} class="chart-title">
        {props.title}
      </figcaption>
      <svg
        class="chart"
        xmlns="http://www.w3.org/2000/svg"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        preserveAspectRatio="xMidYMid meet"
        role="img"
        aria-labelledby={`${props.id}-title`}
        aria-describedby={`${props.id}-desc`}
        font-family="system-ui, sans-serif"
        font-size="12"
      >
        <title>{props.title}</title>
        <desc id={`${props.id}-desc`}>{props.description}</desc>
        {props.children}
      </svg>
      {props.table}
    </figure>
  );
}

function NoData(props: { id: string; title: string; description: string }) {
  const description = props.description === "" ? "No data yet." : `${props.description} No data yet.`;
  return (
    <Frame id={props.id} title={props.title} description={description}>
      <rect
        class="chart-grid"
        x={1}
        y={1}
        width={WIDTH - 2}
        height={HEIGHT - 2}
        fill="none"
        stroke={GRID}
        stroke-dasharray="4 4"
      />
      <text
        class="chart-label chart-empty"
        x={WIDTH / 2}
        y={HEIGHT / 2}
        text-anchor="middle"
        dominant-baseline="middle"
        fill={INK}
        font-size="16"
      >
        No data yet
      </text>
    </Frame>
  );
}

/** Horizontal grid lines with their values, and the two axes. */
function Axes(props: { y: YScale; unit?: string }) {
  const { y } = props;
  const zero = y.ticks.includes(0) ? y.at(0) : BOTTOM;
  return (
    <g class="chart-axes">
      {y.ticks.map((tick) => (
        <g>
          <line class="chart-grid" x1={LEFT} x2={RIGHT} y1={y.at(tick)} y2={y.at(tick)} stroke={GRID} />
          <text
            class="chart-label"
            x={LEFT - 6}
            y={y.at(tick)}
            text-anchor="end"
            dominant-baseline="middle"
            fill={INK}
            font-size="11"
          >
            {formatNumber(tick)}
          </text>
        </g>
      ))}
      <line class="chart-axis" x1={LEFT} x2={LEFT} y1={y.top} y2={BOTTOM} stroke={INK} />
      <line class="chart-axis" x1={LEFT} x2={RIGHT} y1={zero} y2={zero} stroke={INK} />
      {props.unit === undefined || props.unit === "" ? null : (
        <text
          class="chart-label chart-unit"
          transform="rotate(-90)"
          x={-round((y.top + BOTTOM) / 2)}
          y={14}
          text-anchor="middle"
          fill={INK}
          font-size="11"
        >
          {props.unit}
        </text>
      )}
    </g>
  );
}

/** Labels under the x axis, thinned so they do not overlap. */
function XLabels(props: { labels: readonly { x: number; text: string }[]; maxChars: number }) {
  const every = labelEvery(props.labels.length);
  return (
    <g class="chart-x-labels">
      {props.labels
        .filter((_, i) => i % every === 0)
        .map((label) => (
          <text
            class="chart-label"
            x={label.x}
            y={BOTTOM + 18}
            text-anchor="middle"
            fill={INK}
            font-size="11"
          >
            {truncate(label.text, props.maxChars)}
          </text>
        ))}
    </g>
  );
}

interface LegendItem {
  label: string;
  swatch: (x: number, y: number) => ComponentChildren;
}

/** Legend rows above the plot; returns where the plot may start. */
function legendLayout(items: readonly LegendItem[]): {
  rows: { x: number; row: number; item: LegendItem }[];
  top: number;
} {
  const rows: { x: number; row: number; item: LegendItem }[] = [];
  let x = LEFT;
  let row = 0;
  for (const item of items) {
    const width = 30 + item.label.length * CHAR_WIDTH + 18;
    if (x + width > RIGHT && x > LEFT) {
      row += 1;
      x = LEFT;
    }
    rows.push({ x, row, item });
    x += width;
  }
  const used = items.length === 0 ? 0 : (row + 1) * LEGEND_ROW;
  return { rows, top: 16 + used };
}

function Legend(props: { rows: { x: number; row: number; item: LegendItem }[] }) {
  if (props.rows.length === 0) return null;
  return (
    <g class="chart-legend">
      {props.rows.map(({ x, row, item }) => {
        const y = 12 + row * LEGEND_ROW;
        return (
          <g>
            {item.swatch(x, y)}
            <text class="chart-label" x={x + 30} y={y} dominant-baseline="middle" fill={INK}>
              {item.label}
            </text>
          </g>
        );
      })}
    </g>
  );
}

function Marker(props: {
  shape: (typeof MARKERS)[number];
  x: number;
  y: number;
  colour: string;
  index: number;
}) {
  const { x, y } = props;
  const common = { class: `chart-marker chart-series-${props.index}`, fill: props.colour, stroke: "#ffffff" };
  switch (props.shape) {
    case "circle":
      return <circle {...common} cx={x} cy={y} r={3.5} />;
    case "square":
      return <rect {...common} x={round(x - 3.5)} y={round(y - 3.5)} width={7} height={7} />;
    case "triangle":
      return (
        <polygon
          {...common}
          points={`${x},${round(y - 4.5)} ${round(x + 4.5)},${round(y + 3.5)} ${round(x - 4.5)},${round(y + 3.5)}`}
        />
      );
    case "diamond":
      return <polygon {...common} points={`${x},${y - 5} ${x + 5},${y} ${x},${y + 5} ${x - 5},${y}`} />;
  }
}

function seriesStyle(index: number) {
  return {
    colour: PALETTE[index % PALETTE.length] ?? INK,
    dash: DASHES[index % DASHES.length],
    marker: MARKERS[index % MARKERS.length] ?? "circle",
  };
}

// ---------------------------------------------------------------------------------------------
// Line chart
// ---------------------------------------------------------------------------------------------

export interface LinePoint {
  x: Date;
  /** null leaves a gap: no data for that date, which is not the same as zero. */
  y: number | null;
}

export interface LineSeries {
  label: string;
  points: readonly LinePoint[];
}

export interface LineChartProps {
  title: string;
  description: string;
  series: readonly LineSeries[];
  /** The y values' unit, shown beside the axis and in the table: "hours", "%". */
  yUnit: string;
  /** For aria references; defaults to one made from the title. */
  id?: string;
}

/** Runs of consecutive points with a value: each becomes one path, so a null leaves a gap. */
function runs(points: readonly { x: number; y: number | null }[]): { x: number; y: number }[][] {
  const result: { x: number; y: number }[][] = [];
  let current: { x: number; y: number }[] = [];
  for (const point of points) {
    if (point.y === null) {
      if (current.length > 0) result.push(current);
      current = [];
    } else current.push({ x: point.x, y: point.y });
  }
  if (current.length > 0) result.push(current);
  return result;
}

export function LineChart(props: LineChartProps) {
  const id = chartId(props.title, props.id);
  const values = props.series.flatMap((s) => s.points.flatMap((p) => (p.y === null ? [] : [p.y])));
  if (values.length === 0) return <NoData id={id} title={props.title} description={props.description} />;

  const times = [...new Set(props.series.flatMap((s) => s.points.map((p) => p.x.getTime())))].sort(
    (a, b) => a - b,
  );
  const t0 = times[0] ?? 0;
  const t1 = times.at(-1) ?? t0;
  // Inset from the axis so the first and last date labels stay inside the picture.
  const xAt = (time: number) =>
    round(
      t1 === t0 ? (LEFT + RIGHT) / 2 : LEFT + INSET + ((time - t0) / (t1 - t0)) * (RIGHT - LEFT - 2 * INSET),
    );
  const legend = legendLayout(
    props.series.length < 2
      ? []
      : props.series.map((s, i) => {
          const style = seriesStyle(i);
          return {
            label: s.label,
            swatch: (x: number, y: number) => (
              <g>
                <line
                  x1={x}
                  x2={x + 24}
                  y1={y}
                  y2={y}
                  stroke={style.colour}
                  stroke-width={2}
                  stroke-dasharray={style.dash}
                />
                <Marker shape={style.marker} x={x + 12} y={y} colour={style.colour} index={i} />
              </g>
            ),
          };
        }),
  );
  const y = yScale(values, legend.top);
  const dates = times.map((t) => new Date(t));
  const monthly = allMonthStarts(dates);
  // Room between two shown labels, assuming evenly spaced dates (weekly or monthly buckets).
  const gap =
    times.length < 2 ? RIGHT - LEFT : ((RIGHT - LEFT) / (times.length - 1)) * labelEvery(times.length);

  const table = (
    <table class="visually-hidden">
      <caption>{props.title}</caption>
      <thead>
        <tr>
          <th scope="col">Date</th>
          {props.series.map((s) => (
            <th scope="col">{props.yUnit === "" ? s.label : `${s.label} (${props.yUnit})`}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {times.map((time) => (
          <tr>
            <th scope="row">{dateLabel(new Date(time), monthly)}</th>
            {props.series.map((s) => {
              const value = s.points.find((p) => p.x.getTime() === time)?.y ?? null;
              return <td>{value === null ? "no data" : formatNumber(value)}</td>;
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );

  return (
    <Frame id={id} title={props.title} description={props.description} table={table}>
      <Legend rows={legend.rows} />
      <Axes y={y} unit={props.yUnit} />
      <XLabels
        labels={dates.map((d) => ({ x: xAt(d.getTime()), text: dateLabel(d, monthly) }))}
        maxChars={Math.floor(gap / CHAR_WIDTH)}
      />
      {props.series.map((s, i) => {
        const style = seriesStyle(i);
        const points = [...s.points]
          .sort((a, b) => a.x.getTime() - b.x.getTime())
          .map((p) => ({ x: xAt(p.x.getTime()), y: p.y === null ? null : y.at(p.y) }));
        const segments = runs(points);
        return (
          <g class={`chart-series chart-series-${i}`}>
            {segments
              .filter((segment) => segment.length > 1)
              .map((segment) => (
                <path
                  class={`chart-line chart-series-${i}`}
                  d={segment.map((p, j) => `${j === 0 ? "M" : "L"}${p.x} ${p.y}`).join(" ")}
                  fill="none"
                  stroke={style.colour}
                  stroke-width={2}
                  stroke-linejoin="round"
                  stroke-dasharray={style.dash}
                />
              ))}
            {segments.flat().map((p) => (
              <Marker shape={style.marker} x={p.x} y={p.y} colour={style.colour} index={i} />
            ))}
          </g>
        );
      })}
    </Frame>
  );
}

// ---------------------------------------------------------------------------------------------
// Bar chart
// ---------------------------------------------------------------------------------------------

export interface BarChartProps {
  title: string;
  description: string;
  bars: readonly { label: string; value: number }[];
  id?: string;
}

export function BarChart(props: BarChartProps) {
  const id = chartId(props.title, props.id);
  if (props.bars.length === 0) return <NoData id={id} title={props.title} description={props.description} />;
  const y = yScale(
    props.bars.map((b) => b.value),
    16,
  );
  const band = (RIGHT - LEFT) / props.bars.length;
  const width = round(Math.min(band * 0.6, 48));
  const zero = y.at(0);
  const table = (
    <table class="visually-hidden">
      <caption>{props.title}</caption>
      <thead>
        <tr>
          <th scope="col">Item</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {props.bars.map((bar) => (
          <tr>
            <th scope="row">{bar.label}</th>
            <td>{formatNumber(bar.value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <Frame id={id} title={props.title} description={props.description} table={table}>
      <Axes y={y} />
      <XLabels
        labels={props.bars.map((bar, i) => ({ x: round(LEFT + band * (i + 0.5)), text: bar.label }))}
        maxChars={Math.floor((band * labelEvery(props.bars.length)) / CHAR_WIDTH)}
      />
      <g class="chart-bars">
        {props.bars.map((bar, i) => {
          const centre = LEFT + band * (i + 0.5);
          const top = Math.min(zero, y.at(bar.value));
          return (
            <g>
              <rect
                class="chart-bar"
                x={round(centre - width / 2)}
                y={top}
                width={width}
                height={round(Math.abs(zero - y.at(bar.value)))}
                fill={PALETTE[0]}
              >
                <title>{`${bar.label}: ${formatNumber(bar.value)}`}</title>
              </rect>
              {band < 28 ? null : (
                <text
                  class="chart-label"
                  x={round(centre)}
                  y={top - 4}
                  text-anchor="middle"
                  fill={INK}
                  font-size="11"
                >
                  {formatNumber(bar.value)}
                </text>
              )}
            </g>
          );
        })}
      </g>
    </Frame>
  );
}

// ---------------------------------------------------------------------------------------------
// Stacked bar chart
// ---------------------------------------------------------------------------------------------

export interface StackKey {
  key: string;
  label: string;
  /** Defaults to the palette; the hatching, not the colour, is what tells stacks apart. */
  colour?: string;
}

export interface StackedBarChartProps {
  title: string;
  description: string;
  /** Bottom of the stack first. */
  keys: readonly StackKey[];
  bars: readonly { x: Date; values: Readonly<Record<string, number>> }[];
  id?: string;
}

/** Hatchings in white over a stack's colour; the first stack is plain. */
function Hatching(props: { id: string; index: number }) {
  const kind = props.index % 6;
  if (kind === 0) return null;
  const line = { stroke: "#ffffff", "stroke-width": 1.5, "stroke-opacity": 0.8 };
  return (
    <pattern id={`${props.id}-hatch-${props.index}`} patternUnits="userSpaceOnUse" width={6} height={6}>
      {kind === 1 ? <line {...line} x1={0} y1={6} x2={6} y2={0} /> : null}
      {kind === 2 ? <circle fill="#ffffff" fill-opacity={0.8} cx={3} cy={3} r={1.3} /> : null}
      {kind === 3 ? (
        <g>
          <line {...line} x1={0} y1={6} x2={6} y2={0} />
          <line {...line} x1={0} y1={0} x2={6} y2={6} />
        </g>
      ) : null}
      {kind === 4 ? <line {...line} x1={0} y1={3} x2={6} y2={3} /> : null}
      {kind === 5 ? <line {...line} x1={3} y1={0} x2={3} y2={6} /> : null}
    </pattern>
  );
}

/** A stack segment: its colour, then its hatching on top, so CSS can recolour without losing it. */
function Segment(props: {
  id: string;
  index: number;
  colour: string;
  x: number;
  y: number;
  width: number;
  height: number;
  tip?: string;
}) {
  const { x, y, width, height } = props;
  return (
    <g>
      <rect
        class={`chart-bar chart-series-${props.index}`}
        x={x}
        y={y}
        width={width}
        height={height}
        fill={props.colour}
      >
        {props.tip === undefined ? null : <title>{props.tip}</title>}
      </rect>
      {props.index % 6 === 0 ? null : (
        <rect
          class="chart-pattern"
          x={x}
          y={y}
          width={width}
          height={height}
          fill={`url(#${props.id}-hatch-${props.index})`}
        />
      )}
    </g>
  );
}

export function StackedBarChart(props: StackedBarChartProps) {
  const id = chartId(props.title, props.id);
  if (props.bars.length === 0 || props.keys.length === 0) {
    return <NoData id={id} title={props.title} description={props.description} />;
  }
  const colourOf = (key: StackKey, i: number) => key.colour ?? PALETTE[i % PALETTE.length] ?? INK;
  const amount = (bar: StackedBarChartProps["bars"][number], key: string) =>
    Math.max(0, bar.values[key] ?? 0);
  const totals = props.bars.map((bar) => props.keys.reduce((sum, k) => sum + amount(bar, k.key), 0));
  const legend = legendLayout(
    props.keys.map((key, i) => ({
      label: key.label,
      swatch: (x: number, y: number) => (
        <Segment id={id} index={i} colour={colourOf(key, i)} x={x} y={y - 6} width={24} height={12} />
      ),
    })),
  );
  const y = yScale(totals, legend.top);
  const band = (RIGHT - LEFT) / props.bars.length;
  const width = round(Math.min(band * 0.7, 48));
  const monthly = allMonthStarts(props.bars.map((b) => b.x));
  const table = (
    <table class="visually-hidden">
      <caption>{props.title}</caption>
      <thead>
        <tr>
          <th scope="col">Date</th>
          {props.keys.map((key) => (
            <th scope="col">{key.label}</th>
          ))}
          <th scope="col">Total</th>
        </tr>
      </thead>
      <tbody>
        {props.bars.map((bar, i) => (
          <tr>
            <th scope="row">{dateLabel(bar.x, monthly)}</th>
            {props.keys.map((key) => (
              <td>{formatNumber(amount(bar, key.key))}</td>
            ))}
            <td>{formatNumber(totals[i] ?? 0)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <Frame id={id} title={props.title} description={props.description} table={table}>
      <defs>
        {props.keys.map((_, i) => (
          <Hatching id={id} index={i} />
        ))}
      </defs>
      <Legend rows={legend.rows} />
      <Axes y={y} />
      <XLabels
        labels={props.bars.map((bar, i) => ({
          x: round(LEFT + band * (i + 0.5)),
          text: dateLabel(bar.x, monthly),
        }))}
        maxChars={Math.floor((band * labelEvery(props.bars.length)) / CHAR_WIDTH)}
      />
      <g class="chart-bars">
        {props.bars.map((bar, i) => {
          const x = round(LEFT + band * (i + 0.5) - width / 2);
          let base = 0;
          return (
            <g>
              {props.keys.map((key, k) => {
                const value = amount(bar, key.key);
                if (value === 0) return null;
                const top = y.at(base + value);
                const bottom = y.at(base);
                base += value;
                return (
                  <Segment
                    id={id}
                    index={k}
                    colour={colourOf(key, k)}
                    x={x}
                    y={top}
                    width={width}
                    height={round(bottom - top)}
                    tip={`${dateLabel(bar.x, monthly)}, ${key.label}: ${formatNumber(value)}`}
                  />
                );
              })}
            </g>
          );
        })}
      </g>
    </Frame>
  );
}

// ---------------------------------------------------------------------------------------------
// Metrics-specific
// ---------------------------------------------------------------------------------------------

const SEVERITY_STACK: Readonly<Record<SeverityKey, { label: string; colour: string }>> = {
  critical: { label: "Critical", colour: "#8e1b1b" },
  high: { label: "High", colour: "#c2410c" },
  medium: { label: "Medium", colour: "#a16207" },
  low: { label: "Low", colour: "#1d4e89" },
  none: { label: "None", colour: "#4b5563" },
  unrated: { label: "Unrated", colour: "#9ca3af" },
};

/** Open cases at the end of each bucket, worst severity at the bottom of each stack. */
export function OpenBySeverityChart(props: {
  series: readonly SeriesPoint[];
  title?: string;
  description?: string;
  id?: string;
}) {
  const title = props.title ?? "Open cases by severity";
  return (
    <StackedBarChart
      title={title}
      description={props.description ?? "Cases still open at the end of each period, stacked by severity."}
      id={props.id}
      keys={SEVERITY_KEYS.map((key) => ({ key, ...SEVERITY_STACK[key] }))}
      bars={props.series.map((point) => ({ x: point.start, values: point.openAtEnd }))}
    />
  );
}
