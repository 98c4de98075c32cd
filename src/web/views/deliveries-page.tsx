import type { OutboxStatusRow } from "../../store/outbox.js";
import { Csrf, Notice, StaffLayout } from "./staff-common.js";

/**
 * Notifications that could not be delivered (or are failing now), for the programs the person
 * administers, with a button to try again. Shows where and why, never what: the message itself
 * stays encrypted in the outbox.
 *
 * A list, not a table: eight columns pushed the Retry button off a phone's screen, into a box
 * that scrolled sideways. Each delivery is one item whose button sits under what it retries, at
 * any width, and is described by that item's headline (every button reads "Retry now").
 */
export interface DeliveriesPageProps {
  csrfToken: string;
  email: string;
  rows: readonly OutboxStatusRow[];
  notice?: string;
}

const minute = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

export function DeliveriesPage(props: DeliveriesPageProps) {
  return (
    <StaffLayout title="Notification deliveries" csrfToken={props.csrfToken} email={props.email}>
      <h1>Notification deliveries</h1>
      <Notice text={props.notice} />
      {props.rows.length === 0 ? (
        <p>Every notification was delivered.</p>
      ) : (
        <>
          <p>Failed or failing deliveries, newest first.</p>
          <ul class="deliveries">
            {props.rows.map((row) => (
              <Delivery row={row} csrfToken={props.csrfToken} />
            ))}
          </ul>
        </>
      )}
    </StaffLayout>
  );
}

function Delivery({ row, csrfToken }: { row: OutboxStatusRow; csrfToken: string }) {
  const headline = `delivery-${row.id}`;
  return (
    <li>
      <p class="delivery-headline" id={headline}>
        <strong>{row.event}</strong> via {row.destination}, {row.program}
        {row.case_id === null ? null : (
          <>
            , case <a href={`/cases/${row.case_id}`}>{row.case_id.slice(0, 8)}</a>
          </>
        )}
      </p>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          {row.status === "failed"
            ? `gave up after ${row.attempts} attempts`
            : `retrying (attempt ${row.attempts}), next ${minute(row.next_attempt_at)}`}
        </dd>
        <dt>Last error</dt>
        <dd>{row.last_error ?? "–"}</dd>
        <dt>Created</dt>
        <dd>
          <time datetime={row.created_at}>{minute(row.created_at)}</time>
        </dd>
      </dl>
      <form method="post" action={`/admin/deliveries/${row.id}/retry`}>
        <Csrf token={csrfToken} />
        <button type="submit" aria-describedby={headline}>
          Retry now
        </button>
      </form>
    </li>
  );
}
