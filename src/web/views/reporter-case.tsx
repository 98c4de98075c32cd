import type { LoadedPolicy } from "../../policy/loader.js";
import type { ReporterCase } from "../../store/cases.js";
import { Layout } from "./layout.js";
import { AssessmentFacts } from "./reporter-assessment.js";
import { type CreditView, ReporterCredit } from "./reporter-credit.js";
import { type FeedbackView, ReporterFeedback } from "./reporter-feedback.js";
import { ReporterPlan } from "./reporter-plan.js";
import { ReporterReward, type RewardView } from "./reporter-reward.js";
import { ReporterWarning, type WarningView } from "./reporter-warning.js";

const STATE_NAMES: Record<string, string> = {
  new: "Received, waiting for the team",
  triaged: "Triaged",
  "in-progress": "Being fixed",
  "needs-info": "Waiting for more information from you",
  fixed: "Fixed",
  disclosed: "Disclosed",
  closed: "Closed",
};

const EVENT_NAMES: Record<string, string> = {
  "case.received": "Report received",
  "reporter.message": "You wrote",
  "attachment.added": "Attachment added",
  "case.acknowledged": "The team acknowledged your report",
  "team.reply": "The team wrote",
  "case.state_changed": "Status changed",
  "case.agreement_requested": "The team asks whether the fix resolves your report",
  "reporter.agreement": "You answered whether the fix resolves your report",
  "incident.phase_shared": "Incident response update",
  "reporter.feedback": "You gave feedback",
};

function eventLabel(event: ReporterCase["timeline"][number], caseView: ReporterCase): string {
  if (event.type === "reporter.agreement") {
    const answer = caseView.agreementAnswers.find((a) => a.seq === event.seq);
    if (answer !== undefined)
      return answer.agree
        ? "You agreed that the fix resolves your report"
        : "You did not agree that the fix resolves your report";
  }
  return EVENT_NAMES[event.type] ?? event.type;
}

function when(date: Date | null): string {
  return date === null
    ? ""
    : date
        .toISOString()
        .replace("T", " ")
        .replace(/:\d{2}\.\d{3}Z$/, " UTC");
}

/**
 * Where the report form sends the reporter after sending (a 303 to /r/{token}/receipt): the private
 * link and when to expect an answer. The page can be reloaded (its own address holds the link), so
 * it does not claim to be shown once; it says what is true: the link is the only way back, and we
 * never mail it (a notice by mail says there is news, never the link).
 */
export function ReceiptPage(props: {
  program: LoadedPolicy;
  caseUrl: string;
  /** `KITSU-12`; null only for a case stored without a number. */
  reference: string | null;
  acknowledgeBy: Date | null;
}) {
  const name = props.program.policy.program.name;
  return (
    <Layout title="Report received">
      <h1>Your report was received</h1>
      {props.reference === null ? null : (
        <p class="case-number">
          Your case number: <strong>{props.reference}</strong>. Quote it when you write about this report.
        </p>
      )}
      <p>It is stored encrypted. Only {name}'s security team can read it.</p>
      <h2>Your private case link</h2>
      <p>
        Save this link now (a bookmark or a password manager) and keep it secret: it is the only way back to
        your report, and anyone who has it can read your report and write as you. We do not send it by email:
        if you gave an email address, we write there when there is news, and you read it here.
      </p>
      <p class="capability">
        <a href={props.caseUrl}>{props.caseUrl}</a>
      </p>
      <h2>What happens next</h2>
      {props.acknowledgeBy === null ? (
        <p>{name}'s policy makes no promise about response times; the team will answer on your case page.</p>
      ) : (
        <p>
          {name} promises to acknowledge your report by <strong>{when(props.acknowledgeBy)}</strong>.
        </p>
      )}
    </Layout>
  );
}

export function ReporterCasePage(props: {
  program: LoadedPolicy;
  caseView: ReporterCase;
  token: string;
  csrfToken: string;
  error?: string;
  draft?: string;
  /** A problem with the agreement form, shown beside it. */
  agreementError?: string;
  agreementDraft?: { agree?: string; comment?: string };
  /** The feedback a phase invites (Kitsu's postmortem), when the program asks for it. */
  feedback?: FeedbackView;
  /** The warning before publishing (Kulupu), when the program asks for it. */
  warning?: WarningView;
  /** The reward, once approved (`recognition.reward`). */
  reward?: RewardView;
  /** How the reporter is credited and the form to change it, when the policy promises credit. */
  credit?: CreditView;
}) {
  const { caseView, program, token } = props;
  const labels = new Map(program.policy.reportTemplate.fields.map((field) => [field.id, field.label]));
  const asset = program.policy.scope.inScope.find((a) => a.id === caseView.assetId);
  const base = `/r/${token}`;
  return (
    <Layout title={`Your report to ${program.policy.program.name}`}>
      <h1>{caseView.report.title}</h1>
      {caseView.reference === null ? null : (
        <p class="case-number">
          Case number <strong>{caseView.reference}</strong>: quote it when you write about this report.
        </p>
      )}
      <dl class="facts reporter-facts">
        <dt>Program</dt>
        <dd>
          <a href={`/p/${program.policy.program.slug}`}>{program.policy.program.name}</a>
        </dd>
        <dt>Status</dt>
        <dd>{STATE_NAMES[caseView.state] ?? caseView.state}</dd>
        <AssessmentFacts assessment={caseView.assessment} />
        <dt>Received</dt>
        <dd>{when(caseView.receivedAt)}</dd>
        {caseView.acknowledgeBy === null ? null : (
          <>
            <dt>Acknowledgment promised by</dt>
            <dd>{when(caseView.acknowledgeBy)}</dd>
          </>
        )}
        {asset === undefined ? null : (
          <>
            <dt>Asset</dt>
            <dd>{asset.name}</dd>
          </>
        )}
        <dt>Credit</dt>
        <dd>
          {(props.credit?.choice ?? caseView.report.credit).mode === "anonymous"
            ? "Not credited"
            : ((props.credit?.choice ?? caseView.report.credit).name ?? "")}
        </dd>
      </dl>
      <ReporterPlan program={program} caseView={caseView} />
      <h2>What you sent</h2>
      {Object.entries(caseView.report.fields).map(([fieldId, answer]) => (
        <section>
          <h3>{labels.get(fieldId) ?? fieldId}</h3>
          <pre class="answer">{answer}</pre>
        </section>
      ))}
      {caseView.attachments.length === 0 ? null : (
        <>
          <h2>Attachments</h2>
          <ul>
            {caseView.attachments.map((attachment) => (
              <li>
                <a href={`${base}/attachments/${attachment.id}`} download>
                  {attachment.filename}
                </a>{" "}
                <span class="meta">({attachment.size} bytes)</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>Timeline</h2>
      <ol class="timeline">
        {caseView.timeline.map((event) => (
          <li>
            <p class="meta">
              {when(event.at)} · {eventLabel(event, caseView)}
            </p>
            {event.text === undefined ? null : <pre class="answer">{event.text}</pre>}
          </li>
        ))}
      </ol>
      {caseView.agreementDueAt === null ? (
        props.agreementError === undefined ? null : (
          <p class="error" role="alert">
            {props.agreementError}
          </p>
        )
      ) : (
        <AgreementForm
          action={`${base}/agreement`}
          csrfToken={props.csrfToken}
          dueAt={caseView.agreementDueAt}
          error={props.agreementError}
          draft={props.agreementDraft ?? {}}
        />
      )}
      {props.feedback === undefined ? null : (
        <ReporterFeedback action={`${base}/feedback`} csrfToken={props.csrfToken} feedback={props.feedback} />
      )}
      {props.credit === undefined ? null : (
        <ReporterCredit action={`${base}/credit`} csrfToken={props.csrfToken} credit={props.credit} />
      )}
      {props.reward === undefined ? null : (
        <ReporterReward action={`${base}/reward/decline`} csrfToken={props.csrfToken} view={props.reward} />
      )}
      {props.warning === undefined ? null : (
        <ReporterWarning
          action={`${base}/publication-intent`}
          csrfToken={props.csrfToken}
          warning={props.warning}
        />
      )}
      <h2>Write to the team</h2>
      <form method="post" action={`${base}/messages`} enctype="multipart/form-data">
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        {props.error === undefined ? null : (
          <p class="error" id="message-error" role="alert">
            {props.error}
          </p>
        )}
        <div class="field">
          <label for="message">Message</label>
          <textarea
            id="message"
            name="message"
            required
            aria-describedby={props.error ? "message-error" : undefined}
          >
            {props.draft ?? ""}
          </textarea>
        </div>
        <div class="field">
          <label for="message-attachments">Attachments (optional)</label>
          <input type="file" id="message-attachments" name="attachments" multiple />
        </div>
        <button type="submit">Send</button>
      </form>
    </Layout>
  );
}

/** The team asks whether the fix resolves the report: yes or no, with an optional comment. */
function AgreementForm(props: {
  action: string;
  csrfToken: string;
  dueAt: Date;
  error: string | undefined;
  draft: { agree?: string; comment?: string };
}) {
  return (
    <section aria-labelledby="agreement-heading">
      <h2 id="agreement-heading">Does the fix resolve your report?</h2>
      <p>
        The team has fixed the issue and asks you to confirm by <strong>{when(props.dueAt)}</strong>.
      </p>
      <form method="post" action={props.action}>
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        {props.error === undefined ? null : (
          <p class="error" id="agreement-error" role="alert">
            {props.error}
          </p>
        )}
        <fieldset aria-describedby={props.error === undefined ? undefined : "agreement-error"}>
          <legend>Is the issue you reported resolved?</legend>
          <div class="choice">
            <input
              type="radio"
              id="agree-yes"
              name="agree"
              value="yes"
              checked={props.draft.agree === "yes"}
              required
            />
            <label for="agree-yes">Yes, the fix resolves it</label>
          </div>
          <div class="choice">
            <input type="radio" id="agree-no" name="agree" value="no" checked={props.draft.agree === "no"} />
            <label for="agree-no">No, it is not resolved</label>
          </div>
        </fieldset>
        <div class="field">
          <label for="agreement-comment">Comment (optional)</label>
          <textarea id="agreement-comment" name="comment" maxLength={10_000}>
            {props.draft.comment ?? ""}
          </textarea>
        </div>
        <button type="submit">Send my answer</button>
      </form>
    </section>
  );
}
