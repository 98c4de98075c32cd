import type { OutboxStatusRow } from "../../store/outbox.js";
import { Csrf, Notice, ScrollingTable, StaffLayout } from "./staff-common.js";

/**
 * Notifications that could not be delivered (or are failing now), for the programs the person
 * administers, with a button to try again. Shows where and why, never what: the message itself
 * stays encrypted in the outbox.
 */
export interface DeliveriesPageProps {
  csrfToken: string;
  email: string;
  rows: readonly OutboxStatusRow[];
  notice?: string;
}

export function DeliveriesPage(props: DeliveriesPageProps) {
  return (
    <StaffLayout title="Notification deliveries" csrfToken={props.csrfToken} email={props.email}>
      <h1>Notification deliveries</h1>
      <Notice text={props.notice} />
      {props.rows.length === 0 ? (
        <p>Every notification was delivered.</p>
      ) : (
        <ScrollingTable label="Failed or failing deliveries">
          <table>
            <caption>Failed or failing deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Program</th>
                <th scope="col">Case</th>
                <th scope="col">What</th>
                <th scope="col">Where</th>
                <th scope="col">Status</th>
                <th scope="col">Last error</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr>
                  <td>
                    <time datetime={row.created_at}>{row.created_at.slice(0, 16).replace("T", " ")} UTC</time>
                  </td>
                  <td>{row.program}</td>
                  <td>
                    {row.case_id === null ? (
                      "–"
                    ) : (
                      <a href={`/cases/${row.case_id}`}>{row.case_id.slice(0, 8)}</a>
                    )}
                  </td>
                  <td>{row.event}</td>
                  <td>{row.destination}</td>
                  <td>
                    {row.status === "failed"
                      ? `gave up after ${row.attempts} attempts`
                      : `retrying (attempt ${row.attempts}), next ${row.next_attempt_at.slice(0, 16).replace("T", " ")} UTC`}
                  </td>
                  <td>{row.last_error ?? "–"}</td>
                  <td>
                    <form method="post" action={`/admin/deliveries/${row.id}/retry`} class="inline">
                      <Csrf token={props.csrfToken} />
                      <button type="submit">Retry now</button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollingTable>
      )}
    </StaffLayout>
  );
}
