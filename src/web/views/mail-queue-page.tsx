import type { MailCapStatus } from "../../domain/limits/mail-cap-hour.js";
import type { InboundMailRow } from "../../store/inbound-mail.js";
import { Csrf, Notice, ScrollingTable, StaffLayout } from "./staff-common.js";

/**
 * Mail that could not be taken in automatically (unparseable, encrypted to a key the program does
 * not have, over the limits, for no program, too costly to read within its time or memory budget):
 * a person reads it in their own mail program (the raw message, downloaded), then dismisses it or
 * tries again (after importing the right key, say).
 * The page itself shows only when, how big and why: never the content.
 */
export interface MailQueuePageProps {
  csrfToken: string;
  email: string;
  rows: readonly InboundMailRow[];
  /** Auto-replies and bounces: kept, never answered; shown so a bounced answer is noticed. */
  automatic: readonly InboundMailRow[];
  /** The hourly mail cap of each program the reader works on, and this hour's tally. */
  caps: readonly MailCapStatus[];
  notice?: string;
}

export function MailQueuePage(props: MailQueuePageProps) {
  return (
    <StaffLayout title="Mail to look at" csrfToken={props.csrfToken} email={props.email}>
      <h1>Mail to look at</h1>
      <Notice text={props.notice} />
      {props.rows.length === 0 ? (
        <p>Every message that arrived was taken in.</p>
      ) : (
        <ScrollingTable label="Messages to look at">
          <table>
            <caption>Messages Embargo could not take in by itself, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Program</th>
                <th scope="col">Size</th>
                <th scope="col">Why</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr>
                  <MessageCells row={row} />
                  <td>
                    <a href={`/mail/queue/${row.id}/raw`}>Download the message</a>
                    <form method="post" action={`/mail/queue/${row.id}/retry`} class="inline">
                      <Csrf token={props.csrfToken} />
                      <button type="submit">Try again</button>
                    </form>
                    <form method="post" action={`/mail/queue/${row.id}/dismiss`} class="inline">
                      <Csrf token={props.csrfToken} />
                      <button type="submit">Dismiss</button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollingTable>
      )}
      <MailCaps caps={props.caps} />
      <h2>Automatic mail</h2>
      {props.automatic.length === 0 ? (
        <p>No auto-replies or bounces.</p>
      ) : (
        <ScrollingTable label="Automatic mail">
          <table>
            <caption>Auto-replies and bounces, kept and never answered, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Program</th>
                <th scope="col">Size</th>
                <th scope="col">What</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {props.automatic.map((row) => (
                <tr>
                  <MessageCells row={row} />
                  <td>
                    <a href={`/mail/queue/${row.id}/raw`}>Download the message</a>
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

/**
 * One line per program: its cap, and what was taken and refused since the hour began. The cap
 * refills evenly over the hour, so "taken" may pass it; "refused" counts a retry again.
 */
function MailCaps({ caps }: { caps: readonly MailCapStatus[] }) {
  if (caps.length === 0) return null;
  return (
    <>
      <h2>Hourly mail cap</h2>
      <ul>
        {caps.map((cap) => {
          const since = new Date(cap.hourMs).toISOString().slice(11, 16);
          return (
            <li class="mail-cap" data-program={cap.program}>
              {cap.program}: at most {cap.capPerHour} messages an hour by mail; since {since} UTC, {cap.taken}{" "}
              taken in and {cap.refused} refused by the cap.
            </li>
          );
        })}
      </ul>
    </>
  );
}

/** When, for which program, how big and why: never the content. */
function MessageCells({ row }: { row: InboundMailRow }) {
  return (
    <>
      <td>
        <time datetime={row.received_at}>{row.received_at.slice(0, 16).replace("T", " ")} UTC</time>
      </td>
      <td>{row.program ?? "(none)"}</td>
      <td>{row.size} bytes</td>
      <td>{row.problem ?? "–"}</td>
    </>
  );
}
