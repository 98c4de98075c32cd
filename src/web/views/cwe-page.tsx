import type { CweEntry } from "../../domain/cwe/index.js";
import { StaffLayout } from "./staff-common.js";

/** Looking up a CWE without JavaScript: a GET form and a table of matches. */
export function CwePage(props: {
  csrfToken: string;
  email: string;
  query: string;
  results: CweEntry[];
  source: { notice: string };
}) {
  return (
    <StaffLayout title="CWE lookup" csrfToken={props.csrfToken} email={props.email}>
      <h1>CWE lookup</h1>
      <form method="get" action="/cwe">
        <div class="field">
          <label for="q">An id or words from the name</label>
          <p class="help" id="q-help">
            For example 79, CWE-89, "cross-site scripting" or "path traversal".
          </p>
          <input
            type="search"
            id="q"
            name="q"
            value={props.query}
            maxLength={200}
            aria-describedby="q-help"
          />
        </div>
        <button type="submit">Search</button>
      </form>
      {props.query === "" ? null : (
        <>
          <h2 id="results-heading">Matches</h2>
          {props.results.length === 0 ? (
            <p>No CWE entry matches “{props.query}”.</p>
          ) : (
            <section class="table-scroll" aria-labelledby="results-heading" tabindex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Id</th>
                    <th scope="col">Name</th>
                    <th scope="col">Mapping</th>
                  </tr>
                </thead>
                <tbody>
                  {props.results.map((entry) => (
                    <tr>
                      <th scope="row">
                        <code>{entry.id}</code>
                      </th>
                      <td>
                        {entry.name}
                        {entry.top25 ? <span class="tag">Top 25</span> : null}
                      </td>
                      <td>
                        {entry.usage}
                        {entry.kind === "weakness" ? "" : ` (${entry.kind})`}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
        </>
      )}
      <p class="meta">{props.source.notice}</p>
    </StaffLayout>
  );
}
