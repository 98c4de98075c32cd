import type { VNode } from "preact";
import { renderToStaticMarkup } from "preact-render-to-string";
import { announcementDue } from "../../../domain/announcements/decisions.js";
import { announcementHistory } from "../../../domain/announcements/history.js";
import { incidentWorkOf } from "../../../store/incident-work.js";
import { CaseAdvisory } from "./advisory.js";
import { AffectedReleases } from "./affected.js";
import { Agreement } from "./agreement.js";
import { Announcement } from "./announcement.js";
import { BackgroundLinks } from "./background-links.js";
import { Confidential } from "./confidential.js";
import { Coordinator } from "./coordinator.js";
import { Credit } from "./credit.js";
import { Disclosure } from "./disclosure.js";
import { Postmortem } from "./postmortem.js";
import { ProblemManagement } from "./problem.js";
import { Register } from "./register.js";
import { RewardPanel } from "./reward.js";
import type { NameOf, PanelProps } from "./shared.js";
import { UserNotification } from "./user-notification.js";

type Props = PanelProps & { name: NameOf };

interface Fold {
  /** The summary's words: the panel's own heading. */
  label: string;
  /** Event types (or prefixes ending in "." or "_") that mean something is recorded in the panel. */
  events: readonly string[];
  panel: (props: Props) => VNode | null;
  /** Whether the panel waits on the team even with nothing recorded in it yet. */
  due?: (props: Props) => boolean;
}

/**
 * The case's other work, one panel each (disclosure, affected releases, advisory, credit, reward,
 * the incident register…), in the order the page has always shown them. Only the panels the
 * program's policy uses appear.
 */
const FOLDS: readonly Fold[] = [
  { label: "Background links", events: ["case.background_links_changed"], panel: BackgroundLinks },
  { label: "Postmortem", events: ["postmortem."], panel: Postmortem },
  { label: "Incident register", events: ["case.checklist_marked"], panel: Register },
  {
    label: "Agreement that the case is resolved",
    events: ["case.agreement_", "reporter.agreement"],
    panel: Agreement,
  },
  { label: "Problem management", events: ["case.problem_"], panel: ProblemManagement },
  { label: "Coordinator", events: ["case.checklist_marked"], panel: Coordinator },
  {
    label: "Disclosure",
    events: [
      "case.fix_released",
      "case.disclosure_",
      "disclosure.phase_due",
      "disclosure.reporter_told",
      "disclosure.task_overdue",
      "case.privacy_incident_marked",
      "case.authority_notified",
    ],
    panel: Disclosure,
  },
  {
    label: "Affected releases",
    events: ["case.affected_set", "case.release_added", "case.identifiers_changed"],
    panel: AffectedReleases,
  },
  { label: "Tell affected users", events: ["disclosure.users_notified"], panel: UserNotification },
  { label: "Reward", events: ["reward."], panel: RewardPanel },
  {
    label: "Public announcement",
    events: ["announcement."],
    panel: Announcement,
    due: ({ program, found }) =>
      announcementDue(
        program.policy.incident.phases,
        incidentWorkOf(found.events).phases,
        announcementHistory(found.events),
      ) !== null,
  },
  { label: "Advisory", events: ["advisory."], panel: CaseAdvisory },
  { label: "Credit", events: ["case.credit_given", "reporter.credit_changed"], panel: Credit },
  { label: "Confidential", events: ["case.confidentiality_changed"], panel: Confidential },
];

function recorded(fold: Fold, types: readonly string[]): boolean {
  return types.some((type) =>
    fold.events.some((event) => (/[._]$/.test(event) ? type.startsWith(event) : type === event)),
  );
}

/**
 * The panels folded (<details>, no JavaScript needed), so that a case page is its report and
 * conversation, not a wall of forms. A panel opens by itself once something is recorded in it,
 * when something in it is due or overdue, and when one of its forms comes back with an error (the
 * message must be seen).
 */
export function Folds(props: Props) {
  const types = props.found.events.map((event) => event.type);
  return (
    <>
      {FOLDS.map((fold) => {
        const panel = fold.panel(props);
        if (panel === null) return null;
        // Rendered on its own first, to see what it holds: nothing (a panel with no content for
        // this program), or an error to show. The page renders fresh nodes: preact marks the ones
        // it renders.
        const html = renderToStaticMarkup(panel);
        if (html === "") return null;
        const open =
          recorded(fold, types) ||
          fold.due?.(props) === true ||
          html.includes('class="error"') ||
          html.includes('class="clock overdue"');
        return (
          <details class="fold" open={open}>
            <summary>{fold.label}</summary>
            {fold.panel(props)}
          </details>
        );
      })}
    </>
  );
}
