import type { TeamMember } from "../../auth/team.js";
import type { CaseClock } from "../../domain/clocks/case-clocks.js";
import type { DisclosurePhaseItem, EmbargoEnd } from "../../domain/clocks/disclosure.js";
import { CVSS_FORM_FIELDS, type CvssSelections } from "../../domain/cvss/calculator.js";
import {
  decidePhase,
  PHASE_ACTIONS,
  type PhaseAction,
  type PhaseRecord,
  type PhaseState,
  phaseStates,
} from "../../domain/incident/phases.js";
import type { CaseState, ClosingOutcome } from "../../domain/lifecycle/index.js";
import { whyNotAnswered } from "../../mail/answer-limits.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import { PRIORITIES, SEVERITIES } from "../../policy/schema.js";
import type { StaffCase, StaffEvent } from "../../store/staff-cases.js";
import { type DuplicateHint, localTimeInput } from "../../workspace/case-work.js";
import { TRIAGE_FIELDS } from "../triage-form.js";
import { CvssCalculator, CvssScore, selectionsOf } from "./cvss-calculator.js";
import {
  Csrf,
  describedBy,
  type Errors,
  FieldError,
  FormError,
  Notice,
  outcomeLabel,
  StaffLayout,
  stateLabel,
  When,
} from "./staff-common.js";

/**
 * A case as the team sees it: the report (decrypted), the reporter's contact, the attachments,
 * the full timeline with internal notes marked, the clocks, triage and likely duplicates; and,
 * for those who may work the case, one plain POST form per action. Viewers get no forms.
 */
export const CASE_NOTICES: Readonly<Record<string, string>> = {
  acknowledged: "The case is acknowledged. The reporter sees it on their case page.",
  replied: "Your reply was sent to the reporter.",
  noted: "Internal note added. The reporter does not see it.",
  assigned: "Assignee saved.",
  followed: "You follow this case.",
  unfollowed: "You no longer follow this case.",
  triaged: "Triage saved.",
  unchanged: "Nothing changed.",
  moved: "State changed. The reporter was told on their case page.",
  phase: "Incident response step recorded. When the policy says so, the reporter sees it on their case page.",
  "fix-released": "Fix release recorded. The disclosure phases run from it. The reporter is not told.",
  "privacy-incident":
    "Marked as a privacy incident: the clock to notify the authority runs. The reporter is not told.",
  "authority-notified": "Recorded that the authority was notified: its clock has stopped.",
};

/** What a form sent, to show it again beside its errors. */
export interface Draft {
  fields: Record<string, string>;
  lists: Record<string, string[]>;
}

export interface CasePageProps {
  csrfToken: string;
  email: string;
  userId: string;
  canWork: boolean;
  program: LoadedPolicy;
  found: StaffCase;
  /** User id → email, for actors, assignee and followers. */
  names: ReadonlyMap<string, string>;
  /** Who may be assigned: members who may work this program. */
  assignable: TeamMember[];
  clocks: CaseClock[];
  /** The policy's disclosure plan on this case (src/domain/clocks/disclosure.ts). */
  disclosure: { embargo: EmbargoEnd | null; phases: DisclosurePhaseItem[] };
  duplicates: DuplicateHint[];
  fingerprint: string | undefined;
  /** Under first-reporter-only credit, the case (this one or its original) whose reporter keeps the credit. */
  keepsCredit?: string;
  allowed: CaseState[];
  outcomes: ClosingOutcome[];
  dueDate: string;
  notice?: string;
  errors: Errors;
  draft?: Draft;
}

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
  "case.triage_updated": "Triage updated",
  "case.state_changed": "State changed",
  "case.duplicate_marked": "Marked as a duplicate",
  "case.agreement_requested": "Asked the reporter to agree that the fix resolves the report",
  "reporter.agreement": "The reporter answered",
  "incident.phase_noted": "Incident response step",
  "incident.phase_shared": "Incident response step, shared with the reporter",
  "escalation.step": "Escalation",
  "case.fix_released": "Fix release recorded",
  "case.privacy_incident_marked": "Marked as a privacy incident",
  "case.authority_notified": "The authority was notified",
  "disclosure.phase_due": "Disclosure phase due",
  "authority.notification_due": "Authority notification deadline",
};

const ESCALATION_KIND_LABELS: Readonly<Record<string, string>> = {
  warn: "Warning: the clock is running out",
  breach: "Breach: the promise was not kept",
  repeat: "Reminder: still overdue",
};

type Json = StaffEvent["payload"];

function isObject(value: Json): value is { [key: string]: Json } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

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

export function CasePage(props: CasePageProps) {
  const { found, program, errors } = props;
  const policy = program.policy;
  const name = (userId: string | null) => (userId === null ? "nobody" : (props.names.get(userId) ?? userId));
  const asset = policy.scope.inScope.find((a) => a.id === found.assetId);
  const labels = new Map(policy.reportTemplate.fields.map((field) => [field.id, field.label]));
  const attachment = new Map(found.attachments.map((a) => [a.id, a]));
  const base = `/cases/${found.id}`;
  const following = found.followers.includes(props.userId);
  return (
    <StaffLayout title={found.report.title} csrfToken={props.csrfToken} email={props.email}>
      <p class="meta">
        <a href="/inbox">Inbox</a> › {policy.program.name} › case <code>{found.id}</code>
      </p>
      <h1>{found.report.title}</h1>
      <Notice text={props.notice} />
      {errors.size === 0 ? null : (
        <div class="errors" role="alert">
          <p>The form has a problem; see the message beside the field.</p>
        </div>
      )}
      <dl class="facts">
        <dt>Program</dt>
        <dd>{policy.program.name}</dd>
        <dt>State</dt>
        <dd>
          {stateLabel(found.state)}
          {found.outcome === null ? null : ` (${outcomeLabel(found.outcome)})`}
          {found.duplicateOf === null ? null : (
            <>
              {" "}
              of <a href={`/cases/${found.duplicateOf}`}>{found.duplicateOf}</a>
            </>
          )}
        </dd>
        <dt>Received</dt>
        <dd>
          <When date={found.receivedAt} /> via {found.source}
        </dd>
        <dt>Asset</dt>
        <dd>{asset?.name ?? found.assetId ?? "—"}</dd>
        <dt>Assignee</dt>
        <dd>{found.assignee === null ? "Unassigned" : name(found.assignee)}</dd>
        <dt>Followers</dt>
        <dd>{found.followers.length === 0 ? "—" : found.followers.map(name).join(", ")}</dd>
        <dt>Tags</dt>
        <dd>{found.tags.length === 0 ? "—" : found.tags.join(", ")}</dd>
        {found.agreementDueAt === null ? null : (
          <>
            <dt>Reporter's agreement</dt>
            <dd>
              asked, due <When date={found.agreementDueAt} />
            </dd>
          </>
        )}
      </dl>

      <h2>Clocks</h2>
      {props.clocks.length === 0 && props.disclosure.embargo === null ? (
        <p>{policy.program.name}'s policy promises no response times.</p>
      ) : (
        <section class="table-scroll" aria-label="Clocks" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Promise</th>
                <th scope="col">Due</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {props.clocks.map((clock) => (
                <tr class={`clock-${clock.state}`}>
                  <th scope="row">
                    {clock.label}
                    {clock.promise === null ? null : <span class="meta block">{clock.promise}</span>}
                  </th>
                  <td>
                    <When date={clock.dueAt} />
                  </td>
                  <td
                    class={clock.state === "overdue" || clock.state === "missed" ? "clock overdue" : "clock"}
                  >
                    {clock.text}
                  </td>
                </tr>
              ))}
              {props.disclosure.embargo === null ? null : <EmbargoRow embargo={props.disclosure.embargo} />}
            </tbody>
          </table>
        </section>
      )}

      <h2>What the reporter sent</h2>
      {Object.entries(found.report.fields).map(([fieldId, answer]) => (
        <section>
          <h3>{labels.get(fieldId) ?? fieldId}</h3>
          <pre class="answer">{answer}</pre>
        </section>
      ))}
      <h3>Credit</h3>
      <p>
        {found.report.credit.mode === "anonymous"
          ? "Not credited (anonymous)"
          : `${found.report.credit.name ?? ""} (${found.report.credit.mode})`}
        {found.report.credit.link === undefined ? null : <> · {found.report.credit.link}</>}
      </p>
      {props.keepsCredit === undefined ? null : (
        <p class="meta">
          Only the first reporter is credited:{" "}
          {props.keepsCredit === found.id ? (
            "this case, received first, keeps the credit."
          ) : (
            <>
              the original, <a href={`/cases/${props.keepsCredit}`}>{props.keepsCredit}</a>, received first,
              keeps the credit.
            </>
          )}
        </p>
      )}

      <h2>Reporter contact</h2>
      <dl class="facts">
        <dt>Email</dt>
        <dd>{found.contact.email ?? "none given"}</dd>
        <dt>OpenPGP key</dt>
        <dd>
          {found.contact.openpgpKey === undefined ? (
            "none given"
          ) : props.fingerprint === undefined ? (
            "given, but it does not read as an OpenPGP key"
          ) : (
            <code class="vector">{props.fingerprint}</code>
          )}
        </dd>
      </dl>

      <h2>Attachments</h2>
      {found.attachments.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {found.attachments.map((file) => (
            <li>
              <a href={`${base}/attachments/${file.id}`} download>
                {file.filename}
              </a>{" "}
              <span class="meta">
                ({file.size} bytes, from the {file.uploadedBy}
                {file.reporterVisible ? "" : ", internal"})
              </span>
            </li>
          ))}
        </ul>
      )}

      <h2>Timeline</h2>
      <ol class="timeline">
        {found.events.map((event) => (
          <li class={event.reporterVisible ? undefined : "internal"}>
            <p class="meta">
              <When date={event.at} /> · {actorText(event.actor, name)} ·{" "}
              {EVENT_LABELS[event.type] ?? event.type}
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

      {props.canWork ? <Actions {...props} base={base} following={following} /> : null}

      <h2>Triage</h2>
      <dl class="facts" id="triage-facts">
        <dt>Priority</dt>
        <dd>{found.triage.priority ?? "—"}</dd>
        <dt>Severity</dt>
        <dd>{found.triage.severity ?? "—"}</dd>
        <dt>Due</dt>
        <dd>
          <When date={found.triage.dueAt} />
        </dd>
        <dt>CWE</dt>
        <dd>{found.triage.cwe ?? "—"}</dd>
        <dt>CVSS 3.1</dt>
        <dd>
          <CvssScore value={found.triage.cvss31} />
        </dd>
        <dt>CVSS 4.0</dt>
        <dd>
          <CvssScore value={found.triage.cvss40} />
        </dd>
      </dl>
      {props.canWork ? <TriageForm {...props} base={base} /> : null}

      <h2>Likely duplicates</h2>
      {props.duplicates.length === 0 ? (
        <p>No similar case in this program.</p>
      ) : (
        <ul>
          {props.duplicates.map((hint) => (
            <li>
              <a href={`/cases/${hint.id}`}>{hint.title}</a>{" "}
              <span class="meta">
                (<code>{hint.id}</code>, score {hint.score.toFixed(2)}: {hint.reasons.join(", ")})
              </span>
            </li>
          ))}
        </ul>
      )}

      {policy.incident.phases.length === 0 ? null : <IncidentPhases {...props} base={base} />}

      <Disclosure {...props} base={base} />

      {props.canWork ? <LifecycleForm {...props} base={base} /> : null}
    </StaffLayout>
  );
}

function actorText(actor: string, name: (userId: string) => string): string {
  if (actor === "reporter") return "Reporter";
  if (actor === "system") return "Embargo";
  return actor.startsWith("team:") ? name(actor.slice("team:".length)) : actor;
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

function EventDetails({ event, name }: { event: StaffEvent; name: (userId: string | null) => string }) {
  const payload = event.payload;
  if (!isObject(payload)) return null;
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
    case "incident.phase_noted":
    case "incident.phase_shared":
      return (
        <p>
          {PHASE_ACTION_LABELS[String(payload.action)] ?? String(payload.action)} {String(payload.phaseId)}
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

function Actions(props: CasePageProps & { base: string; following: boolean }) {
  const { found, errors, base } = props;
  const draft = props.draft?.fields ?? {};
  return (
    <section aria-labelledby="actions-heading">
      <h2 id="actions-heading">Work on this case</h2>
      {found.acknowledgedAt === null ? (
        <form method="post" action={`${base}/acknowledge`}>
          <Csrf token={props.csrfToken} />
          <p>The reporter has not been told that the team has the report.</p>
          <button type="submit">Acknowledge receipt</button>
        </form>
      ) : (
        <p>
          Acknowledged <When date={found.acknowledgedAt} />.
        </p>
      )}

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

      <h3>Assignee and followers</h3>
      <form method="post" action={`${base}/assign`}>
        <Csrf token={props.csrfToken} />
        <div class="field">
          <label for="assignee">Assignee</label>
          <FieldError errors={errors} field="assignee" />
          <select id="assignee" name="assignee" aria-describedby={describedBy(errors, "assignee")}>
            <option value="" selected={found.assignee === null}>
              Unassigned
            </option>
            {props.assignable.map((member) => (
              <option value={member.id} selected={found.assignee === member.id}>
                {member.email}
                {member.id === props.userId ? " (me)" : ""}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Save assignee</button>
      </form>
      <form method="post" action={`${base}/${props.following ? "unfollow" : "follow"}`}>
        <Csrf token={props.csrfToken} />
        <p>{props.following ? "You follow this case." : "You do not follow this case."}</p>
        <button type="submit">{props.following ? "Stop following" : "Follow this case"}</button>
      </form>
    </section>
  );
}

function TriageForm(props: CasePageProps & { base: string }) {
  const { found, errors, program } = props;
  const policy = program.policy;
  const draft = props.draft;
  const value = (field: string, current: string) => draft?.fields[field] ?? current;
  const sourceTags = policy.incident.register?.sourceTags ?? [];
  const chosenSourceTags =
    draft?.lists[TRIAGE_FIELDS.sourceTags] ?? found.tags.filter((t) => sourceTags.includes(t));
  const otherTags = found.tags.filter((tag) => !sourceTags.includes(tag)).join(", ");
  const priorities = policy.incident.register?.priorities ?? PRIORITIES;
  const priority = value(TRIAGE_FIELDS.priority, found.triage.priority ?? "");
  const selections = (version: "3.1" | "4.0"): CvssSelections => {
    if (draft === undefined)
      return selectionsOf(version === "3.1" ? found.triage.cvss31 : found.triage.cvss40);
    const prefix = `${CVSS_FORM_FIELDS.metric(version, "")}`;
    const chosen: CvssSelections = {};
    for (const [field, values] of Object.entries(draft.lists)) {
      if (field.startsWith(prefix) && values[0] !== undefined) chosen[field.slice(prefix.length)] = values[0];
    }
    return chosen;
  };
  const field = (name: string) => ({ "aria-describedby": describedBy(errors, name) });
  return (
    <form method="post" action={`${props.base}/triage`} class="triage">
      <Csrf token={props.csrfToken} />
      <fieldset>
        <legend>Priority</legend>
        <FieldError errors={errors} field={TRIAGE_FIELDS.priority} />
        <div class="choices">
          {[["", "Not set"] as const, ...priorities.map((p) => [p, p] as const)].map(([option, text]) => (
            <span class="choice">
              <input
                type="radio"
                id={`priority-${option || "none"}`}
                name={TRIAGE_FIELDS.priority}
                value={option}
                checked={priority === option}
              />
              <label for={`priority-${option || "none"}`}>{text}</label>
            </span>
          ))}
        </div>
      </fieldset>
      <div class="field">
        <label for={TRIAGE_FIELDS.dueDate}>Due date</label>
        <p class="help" id="due-date-help">
          The end of that day in {policy.serviceLevels.calendar.timeZone}.
        </p>
        <FieldError errors={errors} field={TRIAGE_FIELDS.dueDate} />
        <input
          type="date"
          id={TRIAGE_FIELDS.dueDate}
          name={TRIAGE_FIELDS.dueDate}
          value={value(TRIAGE_FIELDS.dueDate, props.dueDate)}
          aria-describedby={describedBy(errors, TRIAGE_FIELDS.dueDate, "due-date-help")}
        />
      </div>
      <div class="field">
        <label for={TRIAGE_FIELDS.asset}>Asset</label>
        <FieldError errors={errors} field={TRIAGE_FIELDS.asset} />
        <select id={TRIAGE_FIELDS.asset} name={TRIAGE_FIELDS.asset} {...field(TRIAGE_FIELDS.asset)}>
          <option value="">Not set</option>
          {policy.scope.inScope.map((a) => (
            <option value={a.id} selected={value(TRIAGE_FIELDS.asset, found.assetId ?? "") === a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </div>
      {sourceTags.length === 0 ? null : (
        <fieldset>
          <legend>Source</legend>
          <div class="choices">
            {sourceTags.map((tag) => (
              <span class="choice">
                <input
                  type="checkbox"
                  id={`source-tag-${tag}`}
                  name={TRIAGE_FIELDS.sourceTags}
                  value={tag}
                  checked={chosenSourceTags.includes(tag)}
                />
                <label for={`source-tag-${tag}`}>{tag}</label>
              </span>
            ))}
          </div>
        </fieldset>
      )}
      <div class="field">
        <label for={TRIAGE_FIELDS.tags}>{sourceTags.length === 0 ? "Tags" : "Other tags"}</label>
        <p class="help" id="tags-help">
          Separated by commas: letters, digits, ".", "_", ":" or "-".
        </p>
        <FieldError errors={errors} field={TRIAGE_FIELDS.tags} />
        <input
          type="text"
          id={TRIAGE_FIELDS.tags}
          name={TRIAGE_FIELDS.tags}
          value={value(TRIAGE_FIELDS.tags, otherTags)}
          aria-describedby={describedBy(errors, TRIAGE_FIELDS.tags, "tags-help")}
        />
      </div>
      <div class="field">
        <label for={TRIAGE_FIELDS.cwe}>CWE</label>
        <p class="help" id="cwe-help">
          Such as CWE-79 or 79. <a href="/cwe">Look one up</a>.
        </p>
        <FieldError errors={errors} field={TRIAGE_FIELDS.cwe} />
        <input
          type="text"
          id={TRIAGE_FIELDS.cwe}
          name={TRIAGE_FIELDS.cwe}
          value={value(TRIAGE_FIELDS.cwe, found.triage.cwe ?? "")}
          maxLength={20}
          aria-describedby={describedBy(errors, TRIAGE_FIELDS.cwe, "cwe-help")}
        />
      </div>
      <div class="field">
        <label for={CVSS_FORM_FIELDS.vector}>
          Paste a CVSS vector (3.1 or 4.0; it wins over the calculators)
        </label>
        <FieldError errors={errors} field={CVSS_FORM_FIELDS.vector} />
        <input
          type="text"
          id={CVSS_FORM_FIELDS.vector}
          name={CVSS_FORM_FIELDS.vector}
          value={draft?.fields[CVSS_FORM_FIELDS.vector] ?? ""}
          spellcheck={false}
          autocapitalize="none"
          maxLength={300}
          {...field(CVSS_FORM_FIELDS.vector)}
        />
      </div>
      <CvssCalculator
        version="3.1"
        current={found.triage.cvss31}
        selections={selections("3.1")}
        errors={errors}
      />
      <CvssCalculator
        version="4.0"
        current={found.triage.cvss40}
        selections={selections("4.0")}
        errors={errors}
      />
      <div class="field">
        <label for={TRIAGE_FIELDS.severity}>Severity without a CVSS score</label>
        <p class="help" id="severity-help">
          A CVSS score decides the severity (4.0 before 3.1); this applies only when there is none.
        </p>
        <FieldError errors={errors} field={TRIAGE_FIELDS.severity} />
        <select
          id={TRIAGE_FIELDS.severity}
          name={TRIAGE_FIELDS.severity}
          aria-describedby={describedBy(errors, TRIAGE_FIELDS.severity, "severity-help")}
        >
          <option value="">Not set</option>
          {SEVERITIES.map((s) => (
            <option value={s} selected={value(TRIAGE_FIELDS.severity, found.triage.severity ?? "") === s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <button type="submit">Save triage</button>
    </form>
  );
}

function LifecycleForm(props: CasePageProps & { base: string }) {
  const { errors, found } = props;
  const draft = props.draft?.fields ?? {};
  const closable = props.allowed.includes("closed");
  return (
    <section aria-labelledby="lifecycle-heading">
      <h2 id="lifecycle-heading">Move the case</h2>
      {props.allowed.length === 0 ? (
        <p>No move is possible from {stateLabel(found.state)}.</p>
      ) : (
        <form method="post" action={`${props.base}/transition`}>
          <Csrf token={props.csrfToken} />
          <FieldError errors={errors} field="transition" />
          <div class="field">
            <label for="to">New state (from {stateLabel(found.state)})</label>
            <FieldError errors={errors} field="to" />
            <select id="to" name="to" aria-describedby={describedBy(errors, "to")}>
              {props.allowed.map((state) => (
                <option value={state} selected={draft.to === state}>
                  {stateLabel(state)}
                </option>
              ))}
            </select>
          </div>
          {closable ? (
            <>
              <div class="field">
                <label for="outcome">Outcome (required when closing)</label>
                <FieldError errors={errors} field="outcome" />
                <select id="outcome" name="outcome" aria-describedby={describedBy(errors, "outcome")}>
                  <option value="">Choose when closing</option>
                  {props.outcomes.map((outcome) => (
                    <option value={outcome} selected={draft.outcome === outcome}>
                      {outcomeLabel(outcome)}
                    </option>
                  ))}
                </select>
              </div>
              <div class="field">
                <label for="duplicate-of">Original case (when closing as a duplicate)</label>
                <FieldError errors={errors} field="duplicate-of" />
                <select
                  id="duplicate-of"
                  name="duplicate-of"
                  aria-describedby={describedBy(errors, "duplicate-of")}
                >
                  <option value="">None chosen</option>
                  {props.duplicates.map((hint) => (
                    <option value={hint.id} selected={draft["duplicate-of"] === hint.id}>
                      {hint.title} ({hint.id})
                    </option>
                  ))}
                </select>
              </div>
              <div class="field">
                <label for="duplicate-of-other">Or the id of another case</label>
                <input
                  type="text"
                  id="duplicate-of-other"
                  name="duplicate-of-other"
                  value={draft["duplicate-of-other"] ?? ""}
                  maxLength={64}
                  spellcheck={false}
                  autocapitalize="none"
                />
              </div>
            </>
          ) : null}
          <button type="submit">Move</button>
        </form>
      )}
    </section>
  );
}

const PHASE_ACTION_LABELS: Readonly<Record<string, string>> = {
  start: "Started",
  complete: "Completed",
  skip: "Skipped",
};
const PHASE_BUTTONS: Readonly<Record<PhaseAction, string>> = {
  start: "Start",
  complete: "Complete",
  skip: "Skip",
};
const PHASE_STATE_LABELS: Readonly<Record<PhaseState, string>> = {
  pending: "not started",
  started: "in progress",
  completed: "completed",
  skipped: "skipped",
};

/** The steps of the incident response recorded on the case, oldest first. */
export function phaseRecordsOf(found: StaffCase): PhaseRecord[] {
  return found.events.flatMap((event) => {
    if (event.type !== "incident.phase_noted" && event.type !== "incident.phase_shared") return [];
    const payload = event.payload;
    if (!isObject(payload) || typeof payload.phaseId !== "string" || typeof payload.action !== "string")
      return [];
    const action = PHASE_ACTIONS.find((known) => known === payload.action);
    return action === undefined ? [] : [{ phaseId: payload.phaseId, action }];
  });
}

/** The policy's incident phases with their state on this case; buttons for the steps allowed now. */
function IncidentPhases(props: CasePageProps & { base: string }) {
  const phases = props.program.policy.incident.phases;
  const records = phaseRecordsOf(props.found);
  return (
    <section aria-labelledby="incident-heading">
      <h2 id="incident-heading">Incident response</h2>
      <FormError errors={props.errors} field="incident-phase" />
      <ol class="phases">
        {phaseStates(phases, records).map(({ phase, state }) => {
          const allowed = props.canWork
            ? PHASE_ACTIONS.filter((action) => decidePhase(phases, records, { phaseId: phase.id, action }).ok)
            : [];
          return (
            <li>
              <strong>{phase.name}</strong> <span class="meta">({PHASE_STATE_LABELS[state]})</span>
              {phase.description === undefined ? null : <p>{phase.description}</p>}
              {allowed.map((action) => (
                <form method="post" action={`${props.base}/incident-phase`} class="inline">
                  <Csrf token={props.csrfToken} />
                  <input type="hidden" name="phase" value={phase.id} />
                  <input type="hidden" name="action" value={action} />
                  <button type="submit">
                    {PHASE_BUTTONS[action]} {phase.name}
                  </button>
                </form>
              ))}
            </li>
          );
        })}
      </ol>
    </section>
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
      </td>
      <td class="clock">{embargo.text}</td>
    </tr>
  );
}

const RELATIVE_TO: Readonly<Record<DisclosurePhaseItem["relativeTo"], string>> = {
  "fix-release": "after the fix release",
  received: "after the report was received",
};

/**
 * The fix release, the policy's disclosure phases as dated items (what to do, for whom), and the
 * privacy incident with its authority notification; forms for those who may work the case.
 */
function Disclosure(props: CasePageProps & { base: string }) {
  const { found, errors, program } = props;
  const policy = program.policy;
  const timeZone = policy.serviceLevels.calendar.timeZone;
  const draft = props.draft?.fields ?? {};
  const phases = props.disclosure.phases;
  const authority = policy.disclosure.authorityNotification;
  return (
    <section aria-labelledby="disclosure-heading">
      <h2 id="disclosure-heading">Disclosure</h2>
      <dl class="facts">
        <dt>Fix released</dt>
        <dd>{found.fixReleasedAt === null ? "not recorded" : <When date={found.fixReleasedAt} />}</dd>
      </dl>
      {props.canWork ? (
        <form method="post" action={`${props.base}/fix-release`}>
          <Csrf token={props.csrfToken} />
          <div class="field">
            <label for="released-at">
              {found.fixReleasedAt === null ? "Record the fix release" : "Correct the fix release"}
            </label>
            <p class="help" id="released-at-help">
              When the fix was released, in {timeZone}; leave empty for now. Internal: the reporter is not
              told (reply to tell them).
            </p>
            <FieldError errors={errors} field="released-at" />
            <input
              type="datetime-local"
              id="released-at"
              name="released-at"
              value={draft["released-at"] ?? localTimeInput(found.fixReleasedAt, timeZone)}
              aria-describedby={describedBy(errors, "released-at", "released-at-help")}
            />
          </div>
          <button type="submit">Record the fix release</button>
        </form>
      ) : null}

      {phases.length === 0 ? null : (
        <>
          <h3>Disclosure phases</h3>
          <ol class="phases">
            {phases.map((phase) => (
              <li class={`disclosure-phase-${phase.state}`}>
                <strong>
                  Day {phase.day} – {phase.name}
                </strong>
                :{" "}
                {phase.dueAt === null ? null : (
                  <>
                    due <When date={phase.dueAt} />{" "}
                  </>
                )}
                <span class={phase.state === "due" ? "clock overdue" : "clock"}>({phase.text})</span>
                <span class="meta block">
                  {phase.day} days {RELATIVE_TO[phase.relativeTo]}
                  {phase.audiences.length === 0 ? "" : ` · for ${phase.audiences.join(", ")}`}
                </span>
                <ul>
                  {phase.actions.map((action) => (
                    <li>{action.text}</li>
                  ))}
                </ul>
              </li>
            ))}
          </ol>
        </>
      )}

      {authority === undefined && found.privacyIncidentAt === null ? null : (
        <>
          <h3>Privacy incident</h3>
          {found.privacyIncidentAt === null ? (
            <p>
              Not marked as a privacy incident.
              {authority === undefined
                ? null
                : ` A privacy incident must be reported to ${authority.authority ?? "the authority"} in time; marking the case starts that clock.`}
            </p>
          ) : (
            <dl class="facts">
              <dt>Privacy incident since</dt>
              <dd>
                <When date={found.privacyIncidentAt} />
              </dd>
              <dt>Notify the authority by</dt>
              <dd>
                <When date={found.authorityNotifyBy} />
              </dd>
              <dt>Authority notified</dt>
              <dd>
                {found.authorityNotifiedAt === null ? "not yet" : <When date={found.authorityNotifiedAt} />}
              </dd>
            </dl>
          )}
          {!props.canWork ? null : found.privacyIncidentAt === null ? (
            authority === undefined ? null : (
              <form method="post" action={`${props.base}/privacy-incident`}>
                <Csrf token={props.csrfToken} />
                <div class="field">
                  <label for="privacy-since">Privacy incident since</label>
                  <p class="help" id="privacy-since-help">
                    When the team became aware of it, in {timeZone}; leave empty for now. Internal.
                  </p>
                  <FieldError errors={errors} field="privacy-since" />
                  <input
                    type="datetime-local"
                    id="privacy-since"
                    name="privacy-since"
                    value={draft["privacy-since"] ?? ""}
                    aria-describedby={describedBy(errors, "privacy-since", "privacy-since-help")}
                  />
                </div>
                <button type="submit">Mark as a privacy incident</button>
              </form>
            )
          ) : found.authorityNotifiedAt !== null ? null : (
            <form method="post" action={`${props.base}/authority-notified`}>
              <Csrf token={props.csrfToken} />
              <div class="field">
                <label for="authority-notified-at">The authority was notified at</label>
                <p class="help" id="authority-notified-at-help">
                  In {timeZone}; leave empty for now. Internal.
                </p>
                <FieldError errors={errors} field="authority-notified-at" />
                <input
                  type="datetime-local"
                  id="authority-notified-at"
                  name="authority-notified-at"
                  value={draft["authority-notified-at"] ?? ""}
                  aria-describedby={describedBy(
                    errors,
                    "authority-notified-at",
                    "authority-notified-at-help",
                  )}
                />
              </div>
              <button type="submit">Record that the authority was notified</button>
            </form>
          )}
        </>
      )}
    </section>
  );
}
