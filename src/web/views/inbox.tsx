import { CASE_STATES } from "../../domain/lifecycle/index.js";
import { SEVERITIES } from "../../policy/schema.js";
import type { InboxQueryValue } from "../routes/inbox-query.js";
import { StaffLayout, scoreText, stateLabel } from "./staff-common.js";

/**
 * The inbox: what is due first, with a GET form of filters (bookmarkable, no JavaScript) and a
 * "next page" link. Each row names its clock in words ("acknowledge within 3 h", "overdue by 2 h").
 */
export interface InboxRowView {
  id: string;
  title: string;
  programName: string;
  state: string;
  outcome: string | null;
  severity: string | null;
  cvss31Score: number | null;
  cvss40Score: number | null;
  priority: string | null;
  assignee: string | null;
  tags: string[];
  clock: { text: string; overdue: boolean } | null;
  /** Every clock still asking something of the team (src/workspace/inbox-clocks.ts). */
  clocks: readonly { label: string; text: string; overdue: boolean }[];
}

export interface InboxPageProps {
  csrfToken: string;
  email: string;
  query: InboxQueryValue;
  programs: { slug: string; name: string }[];
  assets: { id: string; name: string }[];
  team: { id: string; email: string }[];
  /** The team groups of the programs shown (`team.groups`), as the assignee filter offers them. */
  groups: { id: string; name: string }[];
  rows: InboxRowView[];
  nextUrl?: string;
  error?: string;
  /** The programs with an incident register the member may open incidents in, each linked to its form. */
  incidentPrograms: readonly { slug: string; name: string }[];
}

function Select(props: {
  id: string;
  label: string;
  value: string | undefined;
  options: readonly (readonly [string, string])[];
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.id}>
        {props.options.map(([value, text]) => (
          <option value={value} selected={(props.value ?? "") === value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Links to open an incident that did not come from a report (src/web/routes/staff/new-incident.ts). */
function NewIncidentLinks({ programs }: { programs: InboxPageProps["incidentPrograms"] }) {
  if (programs.length === 0) return null;
  return (
    <p>
      {programs.map((program, index) => (
        <>
          {index === 0 ? null : " · "}
          <a href={`/programs/${program.slug}/incidents/new`}>New incident in {program.name}</a>
        </>
      ))}
    </p>
  );
}

export function InboxPage(props: InboxPageProps) {
  const { query } = props;
  const state = query.state || "open";
  return (
    <StaffLayout title="Inbox" csrfToken={props.csrfToken} email={props.email}>
      <h1>Inbox</h1>
      <NewIncidentLinks programs={props.incidentPrograms} />
      <form method="get" action="/inbox" class="filters" aria-labelledby="filters-heading">
        <h2 id="filters-heading">Filters</h2>
        <div class="filter-grid">
          <Select
            id="program"
            label="Program"
            value={query.program}
            options={[["", "All programs"], ...props.programs.map((p) => [p.slug, p.name] as const)]}
          />
          <Select
            id="state"
            label="State"
            value={state}
            options={[
              ["open", "Open (not closed)"],
              ["any", "Any state"],
              ...CASE_STATES.map((s) => [s, stateLabel(s)] as const),
            ]}
          />
          <Select
            id="severity"
            label="Severity"
            value={query.severity}
            options={[["", "Any severity"], ...SEVERITIES.map((s) => [s, s] as const)]}
          />
          <Select
            id="assignee"
            label="Assignee"
            value={query.assignee}
            options={[
              ["", "Anyone"],
              ["me", "Me"],
              ["unassigned", "Unassigned"],
              ...props.groups.map((g) => [g.id, g.name] as const),
              ...props.team.map((m) => [m.id, m.email] as const),
            ]}
          />
          <Select
            id="asset"
            label="Asset"
            value={query.asset}
            options={[["", "Any asset"], ...props.assets.map((a) => [a.id, a.name] as const)]}
          />
          <Select
            id="source"
            label="Source"
            value={query.source}
            options={[
              ["", "Any source"],
              ["web", "Web form"],
              ["api", "API"],
              ["email", "Email"],
              ["staff", "Opened by the team"],
            ]}
          />
          <div class="field">
            <label for="tag">Tag</label>
            <input type="text" id="tag" name="tag" value={query.tag ?? ""} maxLength={48} />
          </div>
          <Select
            id="overdue"
            label="Deadline"
            value={query.overdue}
            options={[
              ["", "Any"],
              ["yes", "Overdue"],
              ["no", "Not overdue"],
            ]}
          />
          <div class="field">
            <label for="q">Words in the title</label>
            <input type="search" id="q" name="q" value={query.q ?? ""} maxLength={200} />
          </div>
        </div>
        <button type="submit">Show cases</button> <a href="/inbox">Clear filters</a>
      </form>

      <h2 id="cases-heading">Cases</h2>
      {props.error === undefined ? null : (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      {props.rows.length === 0 ? (
        <p>No cases match these filters.</p>
      ) : (
        <section class="table-scroll" aria-labelledby="cases-heading" tabindex={0}>
          <table class="inbox">
            <caption class="visually-hidden">Cases, what is due first</caption>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Program</th>
                <th scope="col">State</th>
                <th scope="col">Severity</th>
                <th scope="col">Priority</th>
                <th scope="col">Assignee</th>
                <th scope="col">Clock</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr>
                  <th scope="row">
                    <a href={`/cases/${row.id}`}>{row.title}</a>
                    {row.tags.length === 0 ? null : (
                      <span class="tags">
                        {row.tags.map((tag) => (
                          <span class="tag">{tag}</span>
                        ))}
                      </span>
                    )}
                  </th>
                  <td>{row.programName}</td>
                  <td>
                    {stateLabel(row.state)}
                    {row.outcome === null ? null : ` (${row.outcome})`}
                  </td>
                  <td>
                    {row.severity ?? "—"}
                    {row.cvss31Score === null && row.cvss40Score === null ? null : (
                      <span class="meta"> {scoreText(row.cvss31Score, row.cvss40Score)}</span>
                    )}
                  </td>
                  <td>{row.priority ?? "—"}</td>
                  <td>{row.assignee ?? "Unassigned"}</td>
                  <td class={row.clock?.overdue ? "clock overdue" : "clock"}>
                    {row.clock?.text ?? "—"}
                    {/* The list, unless its one clock is the headline already. */}
                    {row.clocks.length === 0 || (row.clocks.length === 1 && row.clock !== null) ? null : (
                      <ul class="clocks">
                        {row.clocks.map((clock) => (
                          <li class={clock.overdue ? "overdue" : undefined}>
                            {clock.label}: {clock.text}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {props.nextUrl === undefined ? null : (
        <p>
          <a href={props.nextUrl} rel="next">
            Next page
          </a>
        </p>
      )}
    </StaffLayout>
  );
}
