import type { EmbargoEnd } from "../../../domain/clocks/disclosure.js";
import { When } from "../staff-common.js";
import type { CasePageProps } from "./shared.js";

/**
 * The policy's promises on this case (acknowledge, triage, fix…) and the embargo, as one table of
 * two columns (it sits in the case page's sidebar): the promise, then when it is due and how it stands.
 */
export function Clocks({
  program,
  clocks,
  disclosure,
}: Pick<CasePageProps, "program" | "clocks" | "disclosure">) {
  const policy = program.policy;
  return (
    <>
      <h2>Clocks</h2>
      {clocks.length === 0 && disclosure.embargo === null ? (
        <p>{policy.program.name}'s policy promises no response times.</p>
      ) : (
        <section class="table-scroll" aria-label="Clocks" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Promise</th>
                <th scope="col">Due and status</th>
              </tr>
            </thead>
            <tbody>
              {clocks.map((clock) => (
                <tr class={`clock-${clock.state}`}>
                  <th scope="row">
                    {clock.label}
                    {clock.promise === null ? null : <span class="meta block">{clock.promise}</span>}
                  </th>
                  <td>
                    <When date={clock.dueAt} />
                    <span
                      class={
                        clock.state === "overdue" || clock.state === "missed"
                          ? "clock overdue block"
                          : "clock block"
                      }
                    >
                      {clock.text}
                    </span>
                  </td>
                </tr>
              ))}
              {disclosure.embargo === null ? null : <EmbargoRow embargo={disclosure.embargo} />}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}

/** The embargo as a row of the clocks table: it does not miss, it ends. */
function EmbargoRow({ embargo }: { embargo: EmbargoEnd }) {
  return (
    <tr class={`clock-embargo-${embargo.state}`}>
      <th scope="row">
        {embargo.label}
        {embargo.promise === null ? null : <span class="meta block">{embargo.promise}</span>}
      </th>
      <td>
        <When date={embargo.endsAt} />
        <span class="clock block">{embargo.text}</span>
      </td>
    </tr>
  );
}
