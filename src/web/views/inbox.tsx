import type { InboxQueryValue } from "../routes/inbox-query.js";
import { type InboxFilterChoices, InboxFilters, SavedViews } from "./inbox-filters.js";
import { StaffLayout, scoreText, stateLabel, When } from "./staff-common.js";

/**
 * The inbox: what is due first, with saved views and a GET form of filters (bookmarkable, no
 * JavaScript): one search line, the other filters folded. A "next page" link. Each row names its
 * case (KITSU-12), when it came, whether the reporter did something since the member last opened
 * it, and its clock in words ("acknowledge within 3 h", "overdue by 2 h").
 */
export interface InboxRowView {
  id: string;
  /** `KITSU-12`; null for a case without a number. */
  reference: string | null;
  receivedAt: Date;
  /** The reporter did something since this member last opened the case (src/store/case-reads.ts). */
  newActivity: boolean;
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

export interface InboxPageProps extends InboxFilterChoices {
  csrfToken: string;
  email: string;
  query: InboxQueryValue;
  rows: InboxRowView[];
  nextUrl?: string;
  error?: string;
  /** The programs with an incident register the member may open incidents in, each linked to its form. */
  incidentPrograms: readonly { slug: string; name: string }[];
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
  return (
    <StaffLayout title="Inbox" csrfToken={props.csrfToken} email={props.email}>
      <h1>Inbox</h1>
      <NewIncidentLinks programs={props.incidentPrograms} />
      <SavedViews query={query} />
      <InboxFilters query={query} choices={props} />

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
                <th scope="col">Case</th>
                <th scope="col">Title</th>
                <th scope="col">Received</th>
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
                  <td class="case-number">{row.reference ?? "—"}</td>
                  <th scope="row">
                    <a href={`/cases/${row.id}`}>{row.title}</a>
                    {row.newActivity ? <span class="badge activity">New activity</span> : null}
                    {row.tags.length === 0 ? null : (
                      <span class="tags">
                        {row.tags.map((tag) => (
                          <span class="tag">{tag}</span>
                        ))}
                      </span>
                    )}
                  </th>
                  <td class="received">
                    <When date={row.receivedAt} />
                  </td>
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
