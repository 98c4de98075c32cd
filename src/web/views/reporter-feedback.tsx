import { MAX_FEEDBACK } from "../../domain/incident/action-items.js";

/** What the reporter's page knows of the feedback a phase invites (src/commands/postmortem.ts). */
export interface FeedbackView {
  /** The form is open (a phase that invites the reporter runs). */
  open: boolean;
  /** What the reporter sent so far, oldest first. */
  given: readonly { text: string; at: Date }[];
  error?: string;
  draft?: string;
}

function when(date: Date): string {
  return date
    .toISOString()
    .replace("T", " ")
    .replace(/:\d{2}\.\d{3}Z$/, " UTC");
}

/**
 * The invitation to give feedback while the team's review (Kitsu's postmortem) runs, and what the
 * reporter already sent. Nothing at all when neither applies; a refusal (too late, too early) is
 * shown here too, beside where the form was.
 */
export function ReporterFeedback(props: { action: string; csrfToken: string; feedback: FeedbackView }) {
  const { feedback } = props;
  if (!feedback.open && feedback.given.length === 0 && feedback.error === undefined) return null;
  return (
    <section aria-labelledby="feedback-heading">
      <h2 id="feedback-heading">Your feedback on how we handled your report</h2>
      {feedback.given.length === 0 ? null : (
        <ol class="timeline">
          {feedback.given.map((entry) => (
            <li>
              <p class="meta">{when(entry.at)} · You gave feedback</p>
              <pre class="answer">{entry.text}</pre>
            </li>
          ))}
        </ol>
      )}
      {feedback.error === undefined ? null : (
        <p class="error" id="feedback-error" role="alert">
          {feedback.error}
        </p>
      )}
      {feedback.open ? (
        <form method="post" action={props.action}>
          <input type="hidden" name="_csrf" value={props.csrfToken} />
          <p>
            The team is reviewing how it handled this case. Tell us what went well, what did not, and what we
            could do better. Only the team reads it.
          </p>
          <div class="field">
            <label for="feedback">Your feedback</label>
            <textarea
              id="feedback"
              name="feedback"
              required
              maxLength={MAX_FEEDBACK}
              aria-describedby={feedback.error === undefined ? undefined : "feedback-error"}
            >
              {feedback.draft ?? ""}
            </textarea>
          </div>
          <button type="submit">Send my feedback</button>
        </form>
      ) : null}
    </section>
  );
}
