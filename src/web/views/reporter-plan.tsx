import { disclosurePhases, embargoEnd } from "../../domain/clocks/disclosure.js";
import { reporterPlan, withMovedDates } from "../../domain/disclosure/plan.js";
import { utcDate } from "../../domain/disclosure/plan-mail.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import type { ReporterCase } from "../../store/cases.js";

/**
 * The disclosure plan as the reporter sees it on their page: when the embargo ends, the planned
 * disclosure date, what they may do when, and why a date moved. Nothing internal: no tasks, no
 * owners, no team phases, no internal notes. Only dates are read from the plan (the page has no
 * clock of its own); "you may publish now" follows what Embargo told them when the date came.
 */
export function ReporterPlan(props: { program: LoadedPolicy; caseView: ReporterCase }) {
  const policy = props.program.policy;
  const disclosure = props.caseView.disclosure;
  if (disclosure === undefined) return null;
  const facts = withMovedDates(disclosure.facts, disclosure.records);
  // Dates only: the states these compute at the receipt are not shown.
  const at = disclosure.facts.receivedAt;
  const embargo = embargoEnd(policy, facts, at);
  const plan = reporterPlan(
    policy,
    embargo,
    disclosurePhases(policy, facts, at),
    disclosure.records,
    utcDate,
  );
  if (plan === null) return null;
  return (
    <section aria-labelledby="disclosure-plan-heading">
      <h2 id="disclosure-plan-heading">Disclosure</h2>
      {policy.disclosure.embargo?.text === undefined ? null : <p>{policy.disclosure.embargo.text}</p>}
      <dl class="facts reporter-facts">
        {policy.disclosure.embargo === undefined ? null : (
          <>
            <dt>Embargo ends</dt>
            <dd>
              {plan.embargoEndsAt === null
                ? "when it starts, the date shows here"
                : utcDate(plan.embargoEndsAt)}
            </dd>
          </>
        )}
        <dt>Planned disclosure date</dt>
        <dd>{plan.disclosureAt === null ? "not set yet" : utcDate(plan.disclosureAt)}</dd>
      </dl>
      <h3>What you may do when</h3>
      <ul>
        {plan.lines.map((line) => (
          <li>{line}</li>
        ))}
      </ul>
      {plan.moves.length === 0 ? null : (
        <>
          <h3>Changes to these dates</h3>
          <ul>
            {plan.moves.map((move) => (
              <li>
                {utcDate(move.at)}: {move.label} moved
                {move.from === null ? "" : ` from ${utcDate(move.from)}`} to {utcDate(move.to)}. The team's
                reason: {move.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
