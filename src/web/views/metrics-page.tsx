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

const hours = (value: number | null) =>
  value === null ? "–" : `${value < 10 ? value.toFixed(1) : Math.round(value)} h`;
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
                <td>{hours(stats.medianHours)}</td>
                <td>{hours(stats.p90Hours)}</td>
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
        description="For the cases received in each period, the median hours from receipt to acknowledgement and to the fix."
        yUnit="hours"
        series={[
          {
            label: "Acknowledge",
            points: metrics.series.map((p) => ({ x: p.start, y: p.medianAcknowledgeHours })),
          },
          { label: "Fix", points: metrics.series.map((p) => ({ x: p.start, y: p.medianFixHours })) },
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
