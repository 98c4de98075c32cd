import { whyNotAnswered } from "../../../mail/answer-limits.js";
import type { StaffEvent } from "../../../store/staff-case-read.js";
import { outcomeLabel, stateLabel, When } from "../staff-common.js";
import { isObject, type Json, type NameOf } from "./shared.js";

const ESCALATION_KIND_LABELS: Readonly<Record<string, string>> = {
  warn: "Warning: the clock is running out",
  breach: "Breach: the promise was not kept",
  repeat: "Reminder: still overdue",
};

/** An incident step as the timeline tells it (the buttons' words are in ./incident-phases.tsx). */
const PHASE_ACTION_LABELS: Readonly<Record<string, string>> = {
  start: "Started",
  complete: "Completed",
  skip: "Skipped",
};

function jsonText(value: Json | undefined): string {
  if (value === undefined || value === null || value === "") return "—";
  if (Array.isArray(value)) return value.length === 0 ? "—" : value.map(jsonText).join(", ");
  if (isObject(value)) {
    if (typeof value.vector === "string" && typeof value.score === "number")
      return `${value.vector} (${value.score})`;
    return JSON.stringify(value);
  }
  return String(value);
}

const SIGNATURE_WORDS: Readonly<Record<string, string>> = {
  valid: "signature valid",
  partial: "signature valid for only part of the message: the rest was added outside it",
  invalid: "signature INVALID (altered, or not made by the key it names)",
  "unknown-key": "signed by a key we do not have",
  unsigned: "not signed",
};

/**
 * How a message that came by email was protected: "by email, encrypted, signature valid (key
 * ABCD…, the key this case already knew)". A key that came with the message proves only that its
 * holder signed, not who they are: said so, and whether the key even names the From address.
 */
function mailLine(mail: Record<string, unknown>): string {
  const signature = SIGNATURE_WORDS[String(mail.signature)] ?? String(mail.signature);
  const whose =
    mail.signerKey === "case"
      ? ", the key this case already knew"
      : mail.signerKey === "attached"
        ? `, a key that came with this message${mail.signerNamesFrom === true ? " and names the From address" : " and does not name the From address"}`
        : "";
  const signer = typeof mail.signer === "string" ? ` (key ${mail.signer}${whose})` : "";
  const kept = mail.keyKept === true ? "; the key it brought is now the reporter's, for answers" : "";
  const unanswered =
    mail.notAnswered === "address-limit" || mail.notAnswered === "host-limit"
      ? `; no receipt was sent: ${whyNotAnswered(mail.notAnswered)}`
      : "";
  return `by email, ${mail.encrypted === true ? "encrypted" : "not encrypted"}, ${signature}${signer}${kept}${unanswered}`;
}

/** What an event's payload says, in words, below its line in the timeline. */
export function EventDetails({ event, name }: { event: StaffEvent; name: NameOf }) {
  const payload = event.payload;
  // Erased with its case (src/store/erasure.ts): the timeline says so in the event's text.
  if (!isObject(payload) || payload.erased === true) return null;
  switch (event.type) {
    case "case.received":
    case "reporter.message":
      return payload.mail !== undefined && isObject(payload.mail) ? (
        <p class="meta">{mailLine(payload.mail)}</p>
      ) : null;
    case "team.reply":
      return payload.detailedResponse === true ? <p class="meta">Marked as the detailed response.</p> : null;
    case "case.assigned":
      return (
        <p>
          {typeof payload.to === "string" ? `Assigned to ${name(payload.to)}` : "Unassigned"}
          {typeof payload.from === "string" ? ` (was ${name(payload.from)})` : ""}
        </p>
      );
    case "case.erased": {
      const what: Readonly<Record<string, string>> = {
        content: "Everything the case said",
        contact: "The reporter's contact details",
        files: "The files",
      };
      return (
        <p>
          {what[String(payload.scope)] ?? "Data"} erased: {String(payload.reason ?? "")}
        </p>
      );
    }
    case "case.confidentiality_changed": {
      const names = (list: Json | undefined) =>
        (Array.isArray(list) ? list : []).map((id) => (typeof id === "string" ? name(id) : "")).join(", ");
      return (
        <p>
          {payload.confidential === true ? "Confidential" : "Not confidential"}
          {names(payload.added) === "" ? "" : `; named: ${names(payload.added)}`}
          {names(payload.removed) === "" ? "" : `; no longer named: ${names(payload.removed)}`}
        </p>
      );
    }
    case "case.followed":
    case "case.unfollowed":
      return null;
    case "case.triage_updated":
      return (
        <ul class="diff">
          {Object.entries(payload).map(([field, change]) => (
            <li>
              {field}:{" "}
              {isObject(change) ? `${jsonText(change.from)} → ${jsonText(change.to)}` : jsonText(change)}
            </li>
          ))}
        </ul>
      );
    case "case.state_changed":
      return (
        <p>
          {stateLabel(String(payload.from))} → {stateLabel(String(payload.to))}
          {typeof payload.outcome === "string" ? ` (${outcomeLabel(payload.outcome)})` : ""}
        </p>
      );
    case "case.duplicate_marked":
      return typeof payload.duplicateOf === "string" ? (
        <p>
          Original: <a href={`/cases/${payload.duplicateOf}`}>{payload.duplicateOf}</a>
        </p>
      ) : null;
    case "case.agreement_requested":
      return typeof payload.dueAt === "string" ? (
        <p>
          Due <When date={new Date(payload.dueAt)} />
        </p>
      ) : null;
    case "reporter.agreement":
      return <p>{payload.agree === true ? "Agrees that the fix resolves the report." : "Does not agree."}</p>;
    case "case.agreement_recorded":
      return typeof payload.note === "string" ? <p>How it was given: {payload.note}</p> : null;
    case "reporter.publication_intent":
      return typeof payload.publishOn === "string" ? (
        <>
          <p>Intends to publish on {payload.publishOn}.</p>
          {typeof payload.message === "string" && payload.message !== "" ? (
            <pre class="answer">{payload.message}</pre>
          ) : null}
        </>
      ) : (
        <p>Withdrew the publication date.</p>
      );
    case "incident.phase_noted":
    case "incident.phase_shared":
      return (
        <p>
          {PHASE_ACTION_LABELS[String(payload.action)] ?? String(payload.action)} {String(payload.phaseId)}
        </p>
      );
    case "case.checklist_marked":
      return (
        <p>
          {payload.done === true ? "Checked" : "Unchecked"}: {String(payload.text)}
          {typeof payload.note === "string" && payload.note !== "" ? ` (${payload.note})` : null}
        </p>
      );
    case "incident.answer_recorded":
      return (
        <p>
          {String(payload.question)} {String(payload.answer)}
          {typeof payload.raisedPriority === "string"
            ? ` (priority raised to ${payload.raisedPriority})`
            : null}
        </p>
      );
    // The disclosure plan (src/domain/disclosure/plan.ts).
    case "case.disclosure_date_moved":
      return (
        <p>
          {payload.what === "embargo"
            ? "The embargo end"
            : `Phase ${String(payload.what).replace(/^phase:/, "")}`}{" "}
          moved
          {typeof payload.from === "string" ? (
            <>
              {" "}
              from <When date={new Date(payload.from)} />
            </>
          ) : null}{" "}
          to <When date={new Date(String(payload.to))} />
          {payload.reporterSees === true ? " (the reporter is told)" : ""}. Reason: {String(payload.reason)}
        </p>
      );
    case "case.disclosure_task_marked":
      return (
        <p>
          {payload.done === true ? "Done" : "Open again"}: {String(payload.text)}
        </p>
      );
    case "case.disclosure_task_owner_changed":
      return (
        <p>
          {String(payload.text)}: owner{" "}
          {typeof payload.owner === "string" ? name(payload.owner) : "the case's assignee"}
        </p>
      );
    case "disclosure.reporter_told":
      return (
        <p>
          {payload.kind === "may-publish"
            ? "They may publish"
            : payload.kind === "embargo-ended"
              ? "The embargo ended"
              : "A date they see moved"}{" "}
          (<When date={new Date(String(payload.date))} />)
          {payload.mailed === true ? "; mailed" : "; no address to mail"}
        </p>
      );
    case "case.fix_released":
      return (
        <p>
          Released <When date={new Date(String(payload.releasedAt))} />
          {typeof payload.previous === "string" ? (
            <>
              {" "}
              (was <When date={new Date(payload.previous)} />)
            </>
          ) : null}
        </p>
      );
    case "case.privacy_incident_marked":
      return (
        <p>
          Since <When date={new Date(String(payload.since))} />
          {typeof payload.notifyBy === "string" ? (
            <>
              ; notify the authority by <When date={new Date(payload.notifyBy)} />
            </>
          ) : null}
        </p>
      );
    case "case.authority_notified":
      return (
        <p>
          Notified <When date={new Date(String(payload.notifiedAt))} />
        </p>
      );
    case "disclosure.phase_due":
    case "authority.notification_due":
      return (
        <p>
          {event.type === "disclosure.phase_due"
            ? `Phase ${String(payload.phaseId)} (day ${String(payload.day)})`
            : payload.kind === "warn"
              ? "Warning: the deadline is near"
              : "Breach: the deadline has passed"}
          ; told:{" "}
          {Array.isArray(payload.notified) && payload.notified.length > 0
            ? payload.notified.join(", ")
            : "nobody"}
        </p>
      );
    case "escalation.step":
      return (
        <p>
          {ESCALATION_KIND_LABELS[String(payload.kind)] ?? String(payload.kind)} ({String(payload.clockId)}
          {payload.kind === "repeat" ? ` #${String(payload.n)}` : ""}); told:{" "}
          {Array.isArray(payload.notified) && payload.notified.length > 0
            ? payload.notified.join(", ")
            : "nobody"}
        </p>
      );
    default:
      return null;
  }
}
