import { Csrf, describedBy, FieldError } from "../staff-common.js";
import type { PanelProps } from "./shared.js";

/**
 * The conversation's forms for those who may work the case, under its timeline: reply and note
 * (an incident the team opened has no reporter: no reply). Acknowledging is the sidebar's next
 * action (./status.tsx); assigning and following are in the sidebar too (./assignment.tsx).
 */
export function Actions(props: PanelProps) {
  const { found, errors, base } = props;
  const draft = props.draft?.fields ?? {};
  return (
    <section aria-labelledby="actions-heading">
      <h2 id="actions-heading">Work on this case</h2>
      {/* Side by side on a wide screen: the reply and the note are the conversation's two voices. */}
      <div class="compose-pair">
        {/* An incident the team opened itself has no reporter to acknowledge or answer. */}
        {found.openedBy !== null ? (
          <p>The team opened this incident itself: there is no reporter to answer.</p>
        ) : (
          <div class="compose">
            <h3>Reply to the reporter</h3>
            <form method="post" action={`${base}/reply`} enctype="multipart/form-data">
              <Csrf token={props.csrfToken} />
              <div class="field">
                <label for="reply">Message (the reporter sees it)</label>
                <FieldError errors={errors} field="reply" />
                <textarea id="reply" name="reply" aria-describedby={describedBy(errors, "reply")}>
                  {draft.reply ?? ""}
                </textarea>
              </div>
              <div class="field">
                <label for="reply-attachments">Attachments (optional; the reporter can download them)</label>
                <input type="file" id="reply-attachments" name="attachments" multiple />
              </div>
              <div class="field choice">
                <input type="checkbox" id="detailed-response" name="detailed-response" value="yes" />
                <label for="detailed-response">This is the detailed response</label>
              </div>
              <button type="submit">Send reply</button>
            </form>
          </div>
        )}

        <div class="compose">
          <h3>Internal note</h3>
          <form method="post" action={`${base}/note`} enctype="multipart/form-data">
            <Csrf token={props.csrfToken} />
            <div class="field">
              <label for="note">Note (only the team sees it)</label>
              <FieldError errors={errors} field="note" />
              <textarea id="note" name="note" aria-describedby={describedBy(errors, "note")}>
                {draft.note ?? ""}
              </textarea>
            </div>
            <div class="field">
              <label for="note-attachments">Attachments (optional; internal)</label>
              <input type="file" id="note-attachments" name="attachments" multiple />
            </div>
            <button type="submit">Add internal note</button>
          </form>
        </div>
      </div>
    </section>
  );
}
