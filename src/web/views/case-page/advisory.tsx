import { Csrf } from "../staff-common.js";
import { isObject, type PanelProps } from "./shared.js";

/**
 * The case's advisory (issue 13): a link to it when the case has one (from the case's own
 * `advisory.drafted` event, so the page needs no other read), else, for those who may work the
 * case, the button that creates it, prefilled from the case.
 */
export function CaseAdvisory(props: PanelProps) {
  const slug = props.program.policy.program.slug;
  const created = props.found.events.find(
    (event) => event.type === "advisory.drafted" && isObject(event.payload) && event.payload.created === true,
  );
  const advisoryId =
    created !== undefined && isObject(created.payload) && typeof created.payload.advisoryId === "string"
      ? created.payload.advisoryId
      : null;
  if (advisoryId === null && !props.canWork) return null;
  return (
    <section aria-labelledby="advisory-heading">
      <h2 id="advisory-heading">Advisory</h2>
      {advisoryId !== null ? (
        <p>
          <a href={`/advisories/${slug}/${advisoryId}`}>This case's advisory</a>: its draft, review and
          published revisions.
        </p>
      ) : (
        <form method="post" action={`/advisories/${slug}`}>
          <Csrf token={props.csrfToken} />
          <input type="hidden" name="case" value={props.found.id} />
          <p>
            An advisory is prefilled from the case (title, scores, CWE, CVE id, affected releases, the
            reporter's credit). It is published only after a second member approves it and the case is
            disclosed.
          </p>
          <button type="submit">Create the advisory</button>
        </form>
      )}
    </section>
  );
}
