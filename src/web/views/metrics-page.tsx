import type { ProgramMetrics } from "../../domain/metrics/index.js";
import { BarChart, LineChart, OpenBySeverityChart } from "./charts.js";
import { ScrollingTable, StaffLayout } from "./staff-common.js";

/**
 * The metrics page: per program, time to acknowledge, triage and fix, the share of clocks kept,
 * and open cases by severity, over time. Charts are SVG drawn on the server; each has a data
 * table for screen readers.
 */
export interface MetricsPageProps {
  csrfToken: string;
  email: string;
  bucket: "week" | "month";
  programs: { slug: string; name: string; metrics: ProgramMetrics | undefined }[];
}

/**
 * A duration given in hours, in words a person reads at a glance: under an hour in minutes
 * ("2 min", not "0.0 h"), under ten hours to a tenth ("2.5 h"), then whole hours ("36 h").
 */
function durationText(hours: number | null): string {
  if (hours === null) return "–";
  const minutes = hours * 60;
  if (minutes < 1) return "under a minute";
  if (minutes < 59.5) return `${Math.round(minutes)} min`;
  return `${hours < 9.95 ? hours.toFixed(1) : Math.round(hours)} h`;
}

/** The time chart in minutes when every value is under an hour (else its line hugs the axis at 0.0x). */
function timeSeries(metrics: ProgramMetrics) {
  const values = metrics.series.flatMap((p) => [p.medianAcknowledgeHours, p.medianFixHours]);
  const inMinutes = values.every((value) => value === null || value < 1);
  const scaled = (value: number | null) => (value === null || !inMinutes ? value : value * 60);
  return {
    unit: inMinutes ? "minutes" : "hours",
    acknowledge: metrics.series.map((p) => ({ x: p.start, y: scaled(p.medianAcknowledgeHours) })),
    fix: metrics.series.map((p) => ({ x: p.start, y: scaled(p.medianFixHours) })),
  };
}

const share = (value: number | null) => (value === null ? "–" : `${Math.round(value * 100)} %`);

export function MetricsPage(props: MetricsPageProps) {
  return (
    <StaffLayout title="Metrics" csrfToken={props.csrfToken} email={props.email}>
      <h1>Metrics</h1>
      <p>
        Per {props.bucket}:{" "}
        <a href={`/dashboard?bucket=${props.bucket === "week" ? "month" : "week"}`}>
          show per {props.bucket === "week" ? "month" : "week"}
        </a>
        . Prometheus text is at <code>/metrics</code> (with an API token).
      </p>
      {props.programs.length === 0 ? <p>You cannot see any program's cases.</p> : null}
      {props.programs.map(({ slug, name, metrics }) => (
        <section aria-labelledby={`program-${slug}`}>
          <h2 id={`program-${slug}`}>{name}</h2>
          {metrics === undefined ? (
            <p>No cases in this period.</p>
          ) : (
            <ProgramSection slug={slug} metrics={metrics} />
          )}
        </section>
      ))}
    </StaffLayout>
  );
}

function ProgramSection({ slug, metrics }: { slug: string; metrics: ProgramMetrics }) {
  const times = timeSeries(metrics);
  return (
    <>
      <ScrollingTable label="Times from receipt">
        <table>
          <caption>Times from receipt ({metrics.cases} cases)</caption>
          <thead>
            <tr>
              <th scope="col">Measure</th>
              <th scope="col">Cases</th>
              <th scope="col">Median</th>
              <th scope="col">90th percentile</th>
            </tr>
          </thead>
          <tbody>
            {(
              [
                ["Time to acknowledge", metrics.timeToAcknowledge],
                ["Time to triage", metrics.timeToTriage],
                ["Time to fix", metrics.timeToFix],
              ] as const
            ).map(([label, stats]) => (
              <tr>
                <th scope="row">{label}</th>
                <td>{stats.count}</td>
                <td>{durationText(stats.medianHours)}</td>
                <td>{durationText(stats.p90Hours)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollingTable>
      {metrics.clocks.length === 0 ? (
        <p>This program's policy promises no times.</p>
      ) : (
        <ScrollingTable label="Promises kept, per clock">
          <table>
            <caption>Promises kept, per clock</caption>
            <thead>
              <tr>
                <th scope="col">Clock</th>
                <th scope="col">Met</th>
                <th scope="col">Missed</th>
                <th scope="col">Running</th>
                <th scope="col">Overdue</th>
                <th scope="col">Kept</th>
              </tr>
            </thead>
            <tbody>
              {metrics.clocks.map((clock) => (
                <tr>
                  <th scope="row">{clock.clockId}</th>
                  <td>{clock.met}</td>
                  <td>{clock.missed}</td>
                  <td>{clock.running}</td>
                  <td>{clock.overdue}</td>
                  <td>{share(clock.keptShare)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollingTable>
      )}
      <LineChart
        id={`${slug}-times`}
        title="Median time to acknowledge and to fix"
        description={`For the cases received in each period, the median time from receipt to acknowledgement and to the fix, in ${times.unit}.`}
        yUnit={times.unit}
        series={[
          { label: "Acknowledge", points: times.acknowledge },
          { label: "Fix", points: times.fix },
        ]}
      />
      <LineChart
        id={`${slug}-kept`}
        title="Share of clocks kept"
        description="For the cases received in each period, the share of stopped clocks that were met."
        yUnit="%"
        series={[
          {
            label: "Kept",
            points: metrics.series.map((p) => ({
              x: p.start,
              y: p.keptShare === null ? null : p.keptShare * 100,
            })),
          },
        ]}
      />
      <OpenBySeverityChart id={`${slug}-open`} series={metrics.series} />
      <BarChart
        id={`${slug}-open-now`}
        title="Open cases now, by severity"
        description="Cases not closed, by their severity."
        bars={Object.entries(metrics.openBySeverity).map(([label, value]) => ({ label, value }))}
      />
    </>
  );
}
