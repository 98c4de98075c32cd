import { MAX_WARNING_MESSAGE } from "../../domain/disclosure/reporter-warning.js";

/**
 * The reporter's warning before they publish (`disclosure.reporterWarning`, Kulupu), on their
 * private page: the policy's words, the date they told the team (if any, with a form to withdraw
 * it) and the form "I intend to publish on DATE" with a message. Plain forms: no JavaScript.
 */
export interface WarningView {
  /** The policy's words about warning the team. */
  text: string | null;
  /** The message is required (a written warning). */
  written: boolean;
  /** The date they told the team (YYYY-MM-DD); null when none stands. */
  publishOn: string | null;
  /** Today and the last date the form takes (YYYY-MM-DD), for the date field's bounds. */
  today: string;
  latest: string;
  /** The case is closed: nothing to warn of any more. */
  closed: boolean;
  error?: { field: "publish-on" | "message" | "form"; message: string };
  draft?: { publishOn: string; message: string };
}

export function ReporterWarning(props: { action: string; csrfToken: string; warning: WarningView }) {
  const { warning } = props;
  const error = warning.error;
  const errorFor = (field: string) =>
    error?.field === field ? (
      <p class="error" id={`${field}-error`} role="alert">
        {error.message}
      </p>
    ) : null;
  const describe = (field: string, help?: string) =>
    [error?.field === field ? `${field}-error` : undefined, help].filter(Boolean).join(" ") || undefined;
  return (
    <section aria-labelledby="warning-heading">
      <h2 id="warning-heading">Before you publish</h2>
      {warning.text === null ? null : <p id="warning-policy">{warning.text}</p>}
      {warning.publishOn === null ? null : (
        <p>
          You told the team you intend to publish on <strong>{warning.publishOn}</strong>.
        </p>
      )}
      {errorFor("form")}
      {warning.closed ? (
        <p>This case is closed.</p>
      ) : (
        <>
          <form method="post" action={props.action}>
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <input type="hidden" name="action" value="declare" />
            <div class="field">
              <label for="publish-on">
                {warning.publishOn === null ? "I intend to publish on" : "I now intend to publish on"}
              </label>
              <p class="help" id="publish-on-help">
                A date from today ({warning.today}) to {warning.latest}, as YYYY-MM-DD. The team is told at
                once, and again when the day comes.
              </p>
              {errorFor("publish-on")}
              <input
                type="date"
                id="publish-on"
                name="publish-on"
                required
                min={warning.today}
                max={warning.latest}
                value={warning.draft?.publishOn ?? ""}
                aria-describedby={describe("publish-on", "publish-on-help")}
              />
            </div>
            <div class="field">
              <label for="warning-message">
                {warning.written ? "Your written warning to the team" : "Message to the team (optional)"}
              </label>
              {errorFor("message")}
              <textarea
                id="warning-message"
                name="message"
                required={warning.written}
                maxLength={MAX_WARNING_MESSAGE}
                aria-describedby={describe("message", warning.text === null ? undefined : "warning-policy")}
              >
                {warning.draft?.message ?? ""}
              </textarea>
            </div>
            <button type="submit">Tell the team</button>
          </form>
          {warning.publishOn === null ? null : (
            <form method="post" action={props.action}>
              <input type="hidden" name="_csrf" value={props.csrfToken} />
              <input type="hidden" name="action" value="withdraw" />
              <button type="submit">Withdraw the date</button>
            </form>
          )}
        </>
      )}
    </section>
  );
}
