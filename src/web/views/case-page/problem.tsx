import { currentProblemLink } from "../../../domain/problems/case-link.js";
import { problemReference } from "../../../domain/problems/problem-number.js";
import { MAX_PROBLEM_TITLE, MAX_ROOT_CAUSE } from "../../../domain/problems/problem-rules.js";
import { Csrf, describedBy, FieldError, FormError } from "../staff-common.js";
import type { PanelProps } from "./shared.js";

/**
 * Problem management on the case (`incident.register.problemManagement`): the problem this case
 * recurs from, if any (from the case's own link events, so the page needs no other read); the
 * policy's reasons to open one and what it asks the team to do; and, for those who may work the
 * case, opening a problem from it, linking it to an existing one, or unlinking it. Nothing for a
 * program whose policy has no problem management.
 */
export function ProblemManagement(props: PanelProps) {
  const policy = props.program.policy;
  const management = policy.incident.register?.problemManagement;
  if (management === undefined) return null;
  const slug = policy.program.slug;
  const link = currentProblemLink(props.found.events);
  const list = `/problems/${slug}`;
  return (
    <section aria-labelledby="problem-heading">
      <h2 id="problem-heading">Problem management</h2>
      {link === null ? (
        <p>
          This case is not linked to a problem. See <a href={list}>the program's problems</a>.
        </p>
      ) : (
        <p>
          <strong>
            Recurs: problem <a href={`${list}/${link.number}`}>{problemReference(link.number)}</a> —{" "}
            {link.title}
          </strong>
        </p>
      )}
      <p>The policy asks for problem management when:</p>
      <ul>
        {management.when.map((reason) => (
          <li>{reason}</li>
        ))}
      </ul>
      <p>{management.action}</p>
      {!props.canWork ? null : link === null ? (
        <ProblemForms {...props} />
      ) : (
        <form method="post" action={`${props.base}/problem-unlink`}>
          {/* A refusal of an opening or a link sent by a page from before the case was linked. */}
          <FormError errors={props.errors} field="problem" />
          <Csrf token={props.csrfToken} />
          <input type="hidden" name="problem" value={String(link.number)} />
          <button type="submit">Unlink from {problemReference(link.number)}</button>
        </form>
      )}
    </section>
  );
}

/** Open a problem from this case, or link it to one the program already has. */
function ProblemForms(props: PanelProps) {
  const { errors, base } = props;
  const draft = props.draft?.fields ?? {};
  return (
    <>
      <h3>Open a problem from this case</h3>
      <form method="post" action={`${base}/problem-open`}>
        <Csrf token={props.csrfToken} />
        <div class="field">
          <label for="problem-title">Problem title</label>
          <FieldError errors={errors} field="problem-title" />
          <input
            type="text"
            id="problem-title"
            name="problem-title"
            maxLength={MAX_PROBLEM_TITLE}
            value={draft["problem-title"] ?? ""}
            aria-describedby={describedBy(errors, "problem-title")}
          />
        </div>
        <div class="field">
          <label for="problem-root-cause">
            Problem root cause (what is known so far; may stay empty during the analysis)
          </label>
          <FieldError errors={errors} field="problem-root-cause" />
          <textarea
            id="problem-root-cause"
            name="problem-root-cause"
            maxLength={MAX_ROOT_CAUSE}
            aria-describedby={describedBy(errors, "problem-root-cause")}
          >
            {draft["problem-root-cause"] ?? ""}
          </textarea>
        </div>
        <button type="submit">Open problem</button>
      </form>

      <h3>Link to an existing problem</h3>
      <form method="post" action={`${base}/problem-link`}>
        <Csrf token={props.csrfToken} />
        <div class="field">
          <label for="problem-number">Problem number (for example P-3)</label>
          <FormError errors={errors} field="problem" />
          <input type="text" id="problem-number" name="problem" maxLength={20} value={draft.problem ?? ""} />
        </div>
        <button type="submit">Link to problem</button>
      </form>
    </>
  );
}
