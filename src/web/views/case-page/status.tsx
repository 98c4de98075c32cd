import type { CaseClock } from "../../../domain/clocks/case-clocks.js";
import { Csrf, When } from "../staff-common.js";
import { CaseFacts } from "./facts.js";
import type { NameOf, PanelProps } from "./shared.js";

/**
 * The top of the case's sidebar: where the case stands (its facts) and what is next: the
 * acknowledgement while the reporter waits for it, else the most pressing of the policy's clocks.
 */
export function CaseStatus(props: PanelProps & { name: NameOf }) {
  const { found } = props;
  const next = nextClock(props.clocks);
  return (
    <section class="case-status" aria-labelledby="status-heading">
      <h2 id="status-heading">Status</h2>
      <CaseFacts found={found} program={props.program} name={props.name} />
      <h3>Next action</h3>
      {next === undefined ? (
        <p>No promise of the policy runs on this case now.</p>
      ) : (
        <p class={next.state === "overdue" ? "next overdue" : "next"}>
          {next.label}: {next.text} (<When date={next.dueAt} />)
        </p>
      )}
      {/* An incident the team opened itself has no reporter to acknowledge. */}
      {found.openedBy !== null ? null : found.acknowledgedAt === null ? (
        props.canWork ? (
          <form method="post" action={`${props.base}/acknowledge`}>
            <Csrf token={props.csrfToken} />
            <p>The reporter has not been told that the team has the report.</p>
            <button type="submit">Acknowledge receipt</button>
          </form>
        ) : (
          <p>The reporter has not been told that the team has the report.</p>
        )
      ) : (
        <p>
          Acknowledged <When date={found.acknowledgedAt} />.
        </p>
      )}
    </section>
  );
}

/** The clock to act on first: an overdue one, else the running one due soonest. */
function nextClock(clocks: readonly CaseClock[]): CaseClock | undefined {
  const open = clocks.filter((clock) => clock.state === "overdue" || clock.state === "running");
  const rank = (clock: CaseClock) => (clock.state === "overdue" ? 0 : 1);
  return [...open].sort(
    (a, b) => rank(a) - rank(b) || (a.dueAt?.getTime() ?? Infinity) - (b.dueAt?.getTime() ?? Infinity),
  )[0];
}
