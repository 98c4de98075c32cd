import { elapsedWords, type ProblemMetrics } from "../../domain/problems/problem-metrics.js";
import { problemReference } from "../../domain/problems/problem-number.js";
import {
  MAX_ROOT_CAUSE,
  nextProblemStates,
  PROBLEM_STATE_LABELS,
  type ProblemState,
} from "../../domain/problems/problem-rules.js";
import type { LinkedCase, Problem } from "../../store/problems.js";
import { type ProgramPageBase, ProgramTrail } from "./program-pages.js";
import {
  Csrf,
  describedBy,
  type Errors,
  FieldError,
  Notice,
  ScrollingTable,
  StaffLayout,
  stateLabel,
  When,
} from "./staff-common.js";

/**
 * The pages of problem management (`incident.register.problemManagement`): a program's problems,
 * and one problem with its root cause, its linked cases and what they say (how many, how many
 * still open, how long since the last one came in). Those who may work the program's cases also
 * get the form that records the analysis: the problem's state and root cause.
 */
type PageBase = ProgramPageBase;

export const stateText = (state: ProblemState) => PROBLEM_STATE_LABELS[state];

function casesLine(metrics: ProblemMetrics): string {
  const cases = `${metrics.cases} ${metrics.cases === 1 ? "case" : "cases"}`;
  return `${cases}, ${metrics.open} still open`;
}

function LastCase({ metrics }: { metrics: ProblemMetrics }) {
  if (metrics.lastReceivedAt === null || metrics.sinceLastMs === null) return <>no case linked</>;
  return (
    <>
      {elapsedWords(metrics.sinceLastMs)} ago (<When date={metrics.lastReceivedAt} />)
    </>
  );
}

export function ProblemListPage(
  props: PageBase & { problems: { problem: Problem; metrics: ProblemMetrics }[] },
) {
  const { program } = props;
  const title = `Problems of ${program.name}`;
  return (
    <StaffLayout title={title} csrfToken={props.csrfToken} email={props.email}>
      <ProgramTrail program={program} section={{ label: "problems", href: `/problems/${program.slug}` }} />
      <h1>{title}</h1>
      <p>
        A problem is the underlying cause behind cases that recur or reveal a deeper root cause. Open one from
        a case's page.
      </p>
      {props.problems.length === 0 ? (
        <p>This program has no problems yet.</p>
      ) : (
        <ScrollingTable label="Problems">
          <table>
            <thead>
              <tr>
                <th scope="col">Problem</th>
                <th scope="col">State</th>
                <th scope="col">Cases</th>
                <th scope="col">Last case</th>
              </tr>
            </thead>
            <tbody>
              {props.problems.map(({ problem, metrics }) => (
                <tr>
                  <th scope="row">
                    <a href={`/problems/${program.slug}/${problem.number}`}>
                      {problemReference(problem.number)}: {problem.title}
                    </a>
                  </th>
                  <td>{stateText(problem.state)}</td>
                  <td>{casesLine(metrics)}</td>
                  <td>
                    <LastCase metrics={metrics} />
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

export interface ProblemPageProps extends PageBase {
  problem: Problem;
  cases: LinkedCase[];
  metrics: ProblemMetrics;
  /** User id → email, for who opened and last changed it. */
  names: ReadonlyMap<string, string>;
  canWork: boolean;
  notice?: string;
  errors: Errors;
  draft?: Record<string, string>;
}

export function ProblemPage(props: ProblemPageProps) {
  const { program, problem, metrics } = props;
  const reference = problemReference(problem.number);
  const name = (userId: string) => props.names.get(userId) ?? userId;
  return (
    <StaffLayout title={`${reference}: ${problem.title}`} csrfToken={props.csrfToken} email={props.email}>
      <ProgramTrail
        program={program}
        section={{ label: "problems", href: `/problems/${program.slug}` }}
        here={reference}
      />
      <h1>
        {reference}: {problem.title}
      </h1>
      <Notice text={props.notice} />
      {props.errors.size === 0 ? null : (
        <div class="errors" role="alert">
          <p>The form has a problem; see the message beside the field.</p>
        </div>
      )}
      <dl class="facts">
        <dt>State</dt>
        <dd>{stateText(problem.state)}</dd>
        <dt>Cases</dt>
        <dd>{casesLine(metrics)}</dd>
        <dt>Last case received</dt>
        <dd>
          <LastCase metrics={metrics} />
        </dd>
        <dt>Opened</dt>
        <dd>
          <When date={problem.createdAt} /> by {name(problem.createdBy)}
        </dd>
        <dt>Last changed</dt>
        <dd>
          <When date={problem.updatedAt} /> by {name(problem.updatedBy)}
        </dd>
      </dl>

      <h2>Root cause</h2>
      {problem.rootCause === "" ? <p>Not known yet.</p> : <pre class="answer">{problem.rootCause}</pre>}

      <h2>Linked cases</h2>
      {props.cases.length === 0 ? (
        <p>No case is linked to this problem.</p>
      ) : (
        <ul>
          {props.cases.map((linked) => (
            <li>
              <a href={`/cases/${linked.id}`}>{linked.title}</a>{" "}
              <span class="meta">
                ({stateLabel(linked.state)}, received <When date={linked.receivedAt} />)
              </span>
            </li>
          ))}
        </ul>
      )}

      {props.canWork ? <AnalysisForm {...props} /> : null}
    </StaffLayout>
  );
}

/** The analysis: the problem's state (those it may move to) and its root cause. */
function AnalysisForm(props: ProblemPageProps) {
  const { problem, errors } = props;
  const draft = props.draft ?? {};
  const states = [problem.state, ...nextProblemStates(problem.state)];
  const chosen = draft.state ?? problem.state;
  return (
    <section aria-labelledby="analysis-heading">
      <h2 id="analysis-heading">Record the analysis</h2>
      <form method="post" action={`/problems/${props.program.slug}/${problem.number}`}>
        <Csrf token={props.csrfToken} />
        <div class="field">
          <label for="state">State</label>
          <FieldError errors={errors} field="state" />
          <select id="state" name="state" aria-describedby={describedBy(errors, "state")}>
            {states.map((state) => (
              <option value={state} selected={state === chosen}>
                {stateText(state)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="root-cause">Root cause</label>
          <FieldError errors={errors} field="root-cause" />
          <textarea
            id="root-cause"
            name="root-cause"
            maxLength={MAX_ROOT_CAUSE}
            aria-describedby={describedBy(errors, "root-cause")}
          >
            {draft["root-cause"] ?? problem.rootCause}
          </textarea>
        </div>
        <button type="submit">Save analysis</button>
      </form>
    </section>
  );
}
