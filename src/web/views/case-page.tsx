import { Actions } from "./case-page/actions.js";
import { Assignment } from "./case-page/assignment.js";
import { Clocks } from "./case-page/clocks.js";
import { Duplicates } from "./case-page/duplicates.js";
import { Folds } from "./case-page/folds.js";
import { IncidentPhases } from "./case-page/incident-phases.js";
import { LifecycleForm } from "./case-page/lifecycle.js";
import { Attachments, Contact, Report } from "./case-page/report.js";
import type { CasePageProps, NameOf } from "./case-page/shared.js";
import { CaseStatus } from "./case-page/status.js";
import { Timeline } from "./case-page/timeline.js";
import { Triage } from "./case-page/triage.js";
import { Notice, StaffLayout } from "./staff-common.js";

// The panels live in ./case-page/, one file each; this module composes them and keeps the names
// the routes import.
export { phaseRecordsOf } from "./case-page/incident-phases.js";
export type { CasePageProps, Draft } from "./case-page/shared.js";

/** The notice shown above the case after a form redirects back to it with ?notice=<key>. */
export const CASE_NOTICES: Readonly<Record<string, string>> = {
  acknowledged: "The case is acknowledged. The reporter sees it on their case page.",
  replied: "Your reply is on the reporter's case page. A mail telling them is queued.",
  "replied-unsent":
    "Your reply is on the reporter's case page. Mail is not configured, so no mail tells them: it waits in the queue until an administrator sets up mail.",
  noted: "Internal note added. The reporter does not see it.",
  assigned: "Assignee saved.",
  followed: "You follow this case.",
  unfollowed: "You no longer follow this case.",
  triaged: "Triage saved.",
  unchanged: "Nothing changed.",
  confidentiality:
    "Confidentiality saved: only the members named on the case see it, when it is confidential.",
  moved: "State changed. The reporter was told on their case page.",
  phase: "Incident response step recorded. When the policy says so, the reporter sees it on their case page.",
  checklist: "Checklist saved.",
  answered: "Answer recorded.",
  "answered-priority": "Answer recorded. The case is ongoing, so its priority was raised to the top.",
  "fix-released": "Fix release recorded. The disclosure phases run from it. The reporter is not told.",
  "privacy-incident":
    "Marked as a privacy incident: the clock to notify the authority runs. The reporter is not told.",
  "authority-notified": "Recorded that the authority was notified: its clock has stopped.",
  postmortem: "Postmortem saved. Internal: the reporter does not see it.",
  "user-notification": "Saved the task to tell affected users. Internal: the reporter is not told.",
  announcement: "Announcement updated. Its panel shows the draft, its review and where it is published.",
  "background-links": "Background links saved. The reporter does not see them.",
  "incident-opened": "Incident opened. It has no reporter: nobody outside the team is told.",
  "problem-opened": "Problem opened from this case, and the case linked to it. The reporter does not see it.",
  "problem-linked": "The case is linked to the problem. The reporter does not see it.",
  "problem-unlinked": "The case is no longer linked to the problem.",
  "disclosure-plan": "Disclosure plan saved. Internal: the reporter does not see tasks.",
  "disclosure-moved":
    "Date moved. The plan uses it from now on; when the reporter sees the date, they are told with the reason.",
  affected:
    "Affected release saved. The reporter does not see it; once the case is disclosed, it is published.",
  "release-added": "Release added to the case's matrix, under investigation until you set it.",
  identifiers: "CVE id and aliases saved.",
  "related-cases": "Related cases saved.",
  "credit-given": "Marked: the reporter is credited there. Internal: the reporter does not see it.",
  reward: "Reward saved. Internal until approved: the reporter sees an approved reward on their page.",
  "reward-approved":
    "Reward approved. The reporter sees it on their page and is told by mail when they gave an address.",
  "reward-paid": "Payment recorded.",
  agreement:
    "Agreement recorded: the case may be closed as resolved or disclosed. Internal: the reporter does not see the note.",
};

/**
 * A case as the team sees it: the report (decrypted), the reporter's contact, the attachments,
 * the full timeline with internal notes marked, the clocks, triage and likely duplicates; and,
 * for those who may work the case, one plain POST form per action. Viewers get no forms.
 *
 * Two columns on a wide screen (assets/embargo.css, .case-layout): the report, the conversation
 * and the other work (folded panels) on the left; on the right the status and next action, then
 * the move, triage (calculators folded), assignee, clocks and likely duplicates. On a phone, one
 * column in the source's order: status first, then the report, then the rest of the sidebar.
 */
export function CasePage(props: CasePageProps) {
  const { found, program, errors } = props;
  const policy = program.policy;
  const name: NameOf = (userId) => (userId === null ? "nobody" : (props.names.get(userId) ?? userId));
  const base = `/cases/${found.id}`;
  const panel = { ...props, base };
  return (
    <StaffLayout
      title={found.report.title}
      csrfToken={props.csrfToken}
      email={props.email}
      scripts={props.canWork ? ["/assets/cvss-live.js"] : undefined}
    >
      <p class="meta">
        <a href="/inbox">Inbox</a> › {policy.program.name} › case <code>{found.id}</code>
      </p>
      <h1>{found.report.title}</h1>
      {found.reference === null ? null : <p class="case-number">Case {found.reference}</p>}
      <Notice text={props.notice} />
      {errors.size === 0 ? null : (
        <div class="errors" role="alert">
          <p>The form has a problem; see the message beside the field.</p>
        </div>
      )}
      <div class="case-layout">
        <CaseStatus {...panel} name={name} />

        <div class="case-main">
          <Report found={found} program={program} keepsCredit={props.keepsCredit} />

          <Contact found={found} fingerprint={props.fingerprint} />

          <Attachments found={found} base={base} />

          <Timeline found={found} base={base} name={name} />

          {props.canWork ? <Actions {...panel} /> : null}

          {policy.incident.phases.length === 0 ? null : <IncidentPhases {...panel} />}

          <Folds {...panel} name={name} />
        </div>

        <aside class="case-side" aria-label="Triage, assignee and clocks">
          {props.canWork ? <LifecycleForm {...panel} /> : null}

          <Triage {...panel} />

          {props.canWork ? <Assignment {...panel} /> : null}

          <Clocks program={program} clocks={props.clocks} disclosure={props.disclosure} />

          <Duplicates duplicates={props.duplicates} />
        </aside>
      </div>
    </StaffLayout>
  );
}
