import type { StaffCase } from "../../../store/staff-case-read.js";
import { When } from "../staff-common.js";
import { EventDetails } from "./event-details.js";
import type { NameOf } from "./shared.js";

const EVENT_LABELS: Readonly<Record<string, string>> = {
  "case.received": "Report received",
  "reporter.message": "The reporter wrote",
  "attachment.added": "The reporter attached a file",
  "case.acknowledged": "Acknowledged",
  "team.reply": "Reply to the reporter",
  "team.note": "Internal note",
  "case.assigned": "Assignment",
  "case.followed": "Started following",
  "case.unfollowed": "Stopped following",
  "case.confidentiality_changed": "Confidentiality",
  "case.erased": "Erased",
  "case.triage_updated": "Triage updated",
  "case.state_changed": "State changed",
  "case.duplicate_marked": "Marked as a duplicate",
  "case.agreement_requested": "Asked the reporter to agree that the fix resolves the report",
  "reporter.agreement": "The reporter answered",
  "case.agreement_recorded": "Agreement recorded (given another way)",
  "case.agreement_reminded": "Agreement still awaited: reminder queued",
  "reporter.publication_intent": "The reporter's publication warning",
  "reporter.publication_date_reached": "The reporter's publication date has come",
  "incident.phase_noted": "Incident response step",
  "incident.phase_shared": "Incident response step, shared with the reporter",
  "case.checklist_marked": "Checklist",
  "incident.answer_recorded": "Incident question answered",
  "case.background_links_changed": "Background links changed",
  "case.problem_linked": "Linked to a problem",
  "postmortem.root_cause_recorded": "Postmortem: root cause recorded",
  "postmortem.action_item_added": "Postmortem: action item added",
  "postmortem.action_item_changed": "Postmortem: action item changed",
  "postmortem.action_item_done": "Postmortem: action item done",
  "reporter.feedback": "The reporter's feedback",
  "disclosure.users_notified": "Affected users told",
  "case.problem_unlinked": "Unlinked from a problem",
  "announcement.drafted": "Announcement draft saved",
  "announcement.approved": "Announcement approved",
  "announcement.published": "Announcement published",
  "escalation.step": "Escalation",
  "case.fix_released": "Fix release recorded",
  "case.privacy_incident_marked": "Marked as a privacy incident",
  "case.authority_notified": "The authority was notified",
  "disclosure.phase_due": "Disclosure phase due",
  "authority.notification_due": "Authority notification deadline",
  "case.disclosure_task_marked": "Disclosure task",
  "case.disclosure_task_owner_changed": "Disclosure task owner",
  "case.disclosure_date_moved": "Disclosure date moved",
  "disclosure.reporter_told": "Disclosure: the reporter was told",
  "disclosure.task_overdue": "Disclosure task overdue",
  "case.affected_set": "Affected release status",
  "case.release_added": "Release added to the affected matrix",
  "case.identifiers_changed": "CVE id or aliases changed",
  "advisory.drafted": "Advisory drafted",
  "advisory.approved": "Advisory approved",
  "advisory.published": "Advisory published",
  "reward.proposed": "Reward proposed",
  "reward.approved": "Reward approved",
  "reward.paid": "Reward paid",
  "reward.declined": "The reporter declined the reward",
  "reward.withdrawn": "Reward proposal withdrawn",
  "reporter.credit_changed": "The reporter changed how to be credited",
  "case.credit_given": "Credit given",
};

/** Every event on the case, oldest first; those the reporter does not see are marked internal. */
export function Timeline({ found, base, name }: { found: StaffCase; base: string; name: NameOf }) {
  const attachment = new Map(found.attachments.map((a) => [a.id, a]));
  return (
    <>
      <h2>Timeline</h2>
      <ol class="timeline">
        {found.events.map((event) => (
          <li class={event.reporterVisible ? undefined : "internal"}>
            <p class="meta">
              <When date={event.at} /> · {actorText(event.actor, name)} ·{" "}
              {event.type === "case.received" && found.openedBy !== null
                ? "Incident opened"
                : (EVENT_LABELS[event.type] ?? event.type)}
              {event.reporterVisible ? null : <strong class="badge">Internal</strong>}
            </p>
            <EventDetails event={event} name={name} />
            {event.text === undefined || event.text === "" ? null : (
              <pre class="answer">
                {event.type === "case.state_changed" || event.type === "incident.phase_shared"
                  ? `The reporter was told: ${event.text}`
                  : event.text}
              </pre>
            )}
            {(event.attachmentIds ?? []).length === 0 ? null : (
              <ul class="files">
                {(event.attachmentIds ?? []).map((id) => (
                  <li>
                    <a href={`${base}/attachments/${id}`} download>
                      {attachment.get(id)?.filename ?? id}
                    </a>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </>
  );
}

function actorText(actor: string, name: (userId: string) => string): string {
  if (actor === "reporter") return "Reporter";
  if (actor === "system") return "Embargo";
  return actor.startsWith("team:") ? name(actor.slice("team:".length)) : actor;
}
