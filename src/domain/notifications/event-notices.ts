import type { Policy } from "../../policy/schema.js";
import {
  type CasePeople,
  newReportList,
  type Recipient,
  resolveNotifyList,
  webhooksFor,
} from "./recipients.js";

/**
 * Who is told of new events on a case, and what. Pure: the timer worker hands in the events it
 * has not looked at yet (decrypted), the case's people and the policy; it gets back one notice per
 * recipient that sums up all of those events (a reply that also acknowledges is one mail, not two).
 *
 * - A new report: the policy's `notifications.newReport` list (default: points of contact) and the
 *   webhooks subscribed to `new-report`.
 * - Team changes: the assignee and followers, never the team member who made the change; a new
 *   assignee is told even when not following; webhooks subscribed to `case-changes`.
 * - The reporter, when they gave an address: every step they can see on their page that the team
 *   made (acknowledgement, replies, state changes, shared incident phases, agreement requests).
 *
 * Lines say what happened without report content; `content` carries the words of messages for
 * channels the policy marks confidential (the shell decides). Team members are named (by
 * `nameOf`) only to the team's email and confidential webhooks; other webhooks read "A team
 * member" (see NameOf).
 */
export interface CaseEventFact {
  seq: number;
  type: string;
  actor: string;
  payload: Readonly<Record<string, unknown>>;
}

export interface NoticeLine {
  text: string;
  /** Message text or reporter-facing words, for confidential channels only. */
  content: string | null;
}

export interface EventNotice {
  recipient: Recipient;
  audience: "team" | "reporter";
  /** The most telling event type of the batch (`case.received`, `team.reply`, …). */
  event: string;
  lines: NoticeLine[];
}

const TEAM_EVENTS = new Set([
  "reporter.message",
  "team.reply",
  "team.note",
  "case.acknowledged",
  "case.assigned",
  "case.state_changed",
  "case.triage_updated",
  "case.duplicate_marked",
  "reporter.agreement",
  "incident.phase_noted",
  "incident.phase_shared",
  "case.fix_released",
  "case.privacy_incident_marked",
  "case.authority_notified",
]);

const REPORTER_EVENTS = new Set([
  "case.acknowledged",
  "team.reply",
  "case.state_changed",
  "case.agreement_requested",
  "incident.phase_shared",
  // A reward approved by a second team member (src/commands/rewards.ts): the reporter sees it on their page.
  "reward.approved",
]);

/** States whose news asks something of the reporter, or ends their case. */
const STATES_THE_REPORTER_MUST_HEAR = new Set(["needs-info", "closed"]);

/**
 * Whether the reporter is mailed about `event` (`incident.keepReporterInformed`). Their case page
 * shows every step either way. A program that promises to keep them informed (Kitsu,
 * privacytools) mails each step: every state change and every incident phase shared with them.
 * Others mail only what asks something of the reporter or answers them: the acknowledgement,
 * the team's replies, a request for information or for their agreement, and the closing.
 */
export function reporterHears(policy: Policy, event: CaseEventFact): boolean {
  if (!REPORTER_EVENTS.has(event.type)) return false;
  if (policy.incident.keepReporterInformed) return true;
  if (event.type === "incident.phase_shared") return false;
  if (event.type === "case.state_changed")
    return STATES_THE_REPORTER_MUST_HEAR.has(str(event.payload.to) ?? "");
  return true;
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/**
 * How a notice names team members. Users have no display name besides their sign-in address
 * (src/store/schema.ts), and a staff address in a chat room or a third-party service is an
 * identifier handed to whoever reads or hosts it (phishing, a target for the embargoed issue).
 * So only channels trusted with the case itself name people: the team's own email (its
 * recipients are the program's members and contacts, who see the same names on the case page)
 * and webhooks the policy marks `confidential`. Other webhooks read "A team member".
 */
type NameOf = (userId: string | null) => string;

/** Who did it, on a channel that does not name team members. */
const anonymousWho: NameOf = (userId) => (userId === null ? "Someone" : "A team member");
/** The object of a sentence ("assigned the case to …") on such a channel. */
const anonymousWhom: NameOf = () => "a team member";

/** Whether a recipient may read team members' names (see NameOf). */
function namesTeamMembers(policy: Policy, recipient: Recipient): boolean {
  if (recipient.kind !== "webhook") return true;
  return policy.notifications.webhooks.find((webhook) => webhook.id === recipient.id)?.confidential === true;
}

function teamLine(event: CaseEventFact, nameOf: NameOf, whomOf: NameOf = nameOf): NoticeLine | null {
  const p = event.payload;
  const who = nameOf(event.actor.startsWith("team:") ? event.actor.slice(5) : null);
  switch (event.type) {
    case "reporter.message":
      return { text: "The reporter sent a message.", content: str(p.text) };
    case "team.reply":
      return { text: `${who} replied to the reporter.`, content: str(p.text) };
    case "team.note":
      return { text: `${who} added an internal note.`, content: str(p.text) };
    case "case.acknowledged":
      return { text: `${who} acknowledged the report.`, content: null };
    case "case.assigned": {
      const whom = p.to === null ? "nobody" : whomOf(str(p.to));
      // A new case goes to the register's default assignee: the system assigns, no one did.
      return event.actor === "system"
        ? { text: `The case was assigned to ${whom}, the policy's default assignee.`, content: null }
        : { text: `${who} assigned the case to ${whom}.`, content: null };
    }
    case "case.state_changed":
      return { text: `${who} moved the case from ${str(p.from)} to ${str(p.to)}.`, content: null };
    case "case.triage_updated":
      return { text: `${who} changed the triage: ${Object.keys(p).sort().join(", ")}.`, content: null };
    case "case.duplicate_marked":
      return { text: `${who} marked the case as a duplicate.`, content: null };
    case "reporter.agreement":
      return {
        text: `The reporter ${p.agree === true ? "agreed" : "did not agree"} that the fix resolves their report.`,
        content: str(p.comment),
      };
    case "incident.phase_noted":
    case "incident.phase_shared":
      return { text: `${who}: incident phase ${str(p.phaseId)}, ${str(p.action)}.`, content: null };
    case "case.fix_released":
      return { text: `${who} recorded that the fix was released (${str(p.releasedAt)}).`, content: null };
    case "case.privacy_incident_marked":
      return { text: `${who} marked the case as a privacy incident (since ${str(p.since)}).`, content: null };
    case "case.authority_notified":
      return {
        text: `${who} recorded that the authority was notified (${str(p.notifiedAt)}).`,
        content: null,
      };
    default:
      return null;
  }
}

function reporterLine(event: CaseEventFact): NoticeLine | null {
  const p = event.payload;
  switch (event.type) {
    case "case.acknowledged":
      return { text: "The team acknowledged your report.", content: null };
    case "team.reply":
      return { text: "The team replied to your report.", content: str(p.text) };
    case "case.state_changed":
      return { text: `Your report is now ${str(p.to)}.`, content: str(p.reporterMessage) };
    case "case.agreement_requested":
      return { text: "The team asks whether the fix resolves your report.", content: null };
    case "incident.phase_shared":
      return { text: "There is news on the incident response.", content: str(p.reporterMessage) };
    case "reward.approved":
      // No amount in mail: the reporter reads it on their private page.
      return { text: "The team approved a reward for your report. See it on your case page.", content: null };
    default:
      return null;
  }
}

export function planEventNotices(
  policy: Policy,
  events: readonly CaseEventFact[],
  people: CasePeople,
  nameOf: NameOf,
): EventNotice[] {
  const notices: EventNotice[] = [];
  const received = events.find((event) => event.type === "case.received");
  if (received !== undefined) {
    const recipients = [
      ...resolveNotifyList(newReportList(policy), policy, people),
      ...webhooksFor(policy, "new-report"),
    ];
    for (const recipient of recipients) {
      notices.push({
        recipient,
        audience: "team",
        event: "case.received",
        lines: [
          {
            // An incident the team opened itself (src/commands/open-incident.ts) is no report.
            text: received.actor.startsWith("team:")
              ? "The team opened an incident."
              : "A new report was received.",
            content: null,
          },
        ],
      });
    }
  }

  const teamEvents = events.filter((event) => TEAM_EVENTS.has(event.type));
  // Each team member hears of what others did; the change's author is left out per event.
  const perUser = new Map<string, { recipient: Recipient; lines: NoticeLine[]; event: string }>();
  for (const event of teamEvents) {
    const named = teamLine(event, nameOf);
    if (named === null) continue;
    const anonymous = teamLine(event, anonymousWho, anonymousWhom) ?? named;
    const actorId = event.actor.startsWith("team:") ? event.actor.slice(5) : null;
    const audience = resolveNotifyList(
      ["assignee", "followers"],
      policy,
      people,
      actorId === null ? [] : [actorId],
    );
    const newAssignee = event.type === "case.assigned" ? str(event.payload.to) : null;
    if (newAssignee !== null && newAssignee !== actorId && people.assignee?.id === newAssignee) {
      audience.push({ kind: "user", ...people.assignee });
    }
    for (const recipient of [...audience, ...webhooksFor(policy, "case-changes")]) {
      const key = recipient.kind === "webhook" ? `webhook:${recipient.id}` : recipient.email.toLowerCase();
      const line = namesTeamMembers(policy, recipient) ? named : anonymous;
      const entry = perUser.get(key) ?? { recipient, lines: [], event: event.type };
      if (!entry.lines.some((existing) => existing.text === line.text)) entry.lines.push(line);
      entry.event = event.type;
      perUser.set(key, entry);
    }
  }
  for (const entry of perUser.values()) {
    notices.push({ recipient: entry.recipient, audience: "team", event: entry.event, lines: entry.lines });
  }

  if (people.reporterEmail !== null) {
    const lines = events
      .filter((event) => reporterHears(policy, event) && event.actor !== "reporter")
      .map(reporterLine)
      .filter((line): line is NoticeLine => line !== null);
    if (lines.length > 0) {
      const last = events.filter((event) => REPORTER_EVENTS.has(event.type)).at(-1);
      notices.push({
        recipient: { kind: "reporter", email: people.reporterEmail },
        audience: "reporter",
        event: last?.type ?? "case.updated",
        lines,
      });
    }
  }
  return notices;
}
