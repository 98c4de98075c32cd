import { decryptText, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { caseReferenceOf } from "../domain/cases/case-number.js";
import { aad } from "./aad.js";
import { openAttachmentMeta } from "./attachments.js";
import type { Json } from "./canonical-json.js";
import { ERASED_PAYLOAD, openEventPayload } from "./case-keys.js";
import { contactSchema, type NewReport, reportSchema } from "./cases.js";
import type { Store } from "./database.js";
import { attachmentAddedPayload, REPORTER_VISIBLE_EVENTS, reporterMessagePayload } from "./events.js";
import {
  incidentPhasePayload,
  reporterAgreementPayload,
  reporterFeedbackPayload,
  stateChangedPayload,
  teamReplyPayload,
} from "./staff-events.js";
import type { CvssValue } from "./staff-validation.js";

/**
 * The staff side of the case store: the case as a responder sees it, and the commands of triage
 * and conversation. Each command is one transaction: it locks the case row (FOR UPDATE on
 * PostgreSQL; SQLite transactions hold the write lock), appends its events to the case's hash
 * chain, applies its changes, and recomputes `next_due_at`; or, when it throws, writes nothing.
 * A command that would change nothing (acknowledging twice, assigning the same person) writes
 * nothing and says so in its result. Who may run which command is decided above the store.
 */

// ---------------------------------------------------------------------------------------------
// Reading

export interface StaffEvent {
  seq: number;
  type: string;
  actor: string;
  at: Date;
  /** Whether the reporter sees this event on their case page. */
  reporterVisible: boolean;
  payload: Json;
  /** The message of a reply, note or reporter message; what the reporter was told on a state change. */
  text?: string;
  attachmentIds?: string[];
}

export interface StaffAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  createdAt: Date;
  uploadedBy: "reporter" | "team";
  eventSeq: number;
  /** False for the files of internal notes. */
  reporterVisible: boolean;
}

export interface StaffCase {
  id: string;
  program: string;
  /** Its number in the program; null only for a row written by hand (bench fixtures). */
  number: number | null;
  /** `KITSU-12` (src/domain/cases/case-number.ts); null without a number. */
  reference: string | null;
  state: string;
  source: string;
  /** The team member who opened the case as an incident; null for a report. */
  openedBy: string | null;
  assetId: string | null;
  receivedAt: Date;
  updatedAt: Date;
  acknowledgeBy: Date | null;
  report: { title: string; fields: Record<string, string>; credit: NewReport["credit"] };
  contact: NewReport["contact"];
  assignee: string | null;
  followers: string[];
  tags: string[];
  triage: {
    priority: string | null;
    severity: string | null;
    dueAt: Date | null;
    cvss31: CvssValue | null;
    cvss40: CvssValue | null;
    cwe: string | null;
  };
  outcome: string | null;
  duplicateOf: string | null;
  acknowledgedAt: Date | null;
  firstTeamReplyAt: Date | null;
  detailedResponseAt: Date | null;
  triagedAt: Date | null;
  fixedAt: Date | null;
  closedAt: Date | null;
  agreementDueAt: Date | null;
  nextDueAt: Date | null;
  fixReleasedAt: Date | null;
  privacyIncidentAt: Date | null;
  authorityNotifyBy: Date | null;
  authorityNotifiedAt: Date | null;
  /** What was erased and when (src/store/erasure.ts): the content, the contact details, the files. */
  erased: { content: Date | null; contact: Date | null; files: Date | null };
  attachments: StaffAttachment[];
  events: StaffEvent[];
}

const toDate = (value: string | null): Date | null => (value === null ? null : new Date(value));
const cvssOf = (vector: string | null, score: number | null): CvssValue | null =>
  vector === null || score === null ? null : { vector, score };

/** Everything about a case, internal notes and their files included; undefined when there is no such case. */
export async function getCaseForStaff(
  store: Store,
  keyring: Keyring,
  caseId: string,
): Promise<StaffCase | undefined> {
  const row = await store.db.selectFrom("cases").selectAll().where("id", "=", caseId).executeTakeFirst();
  if (row === undefined) return undefined;
  const [events, attachments, tags, followers] = await Promise.all([
    store.db
      .selectFrom("case_events")
      .select(["seq", "type", "actor", "at", "payload_ct"])
      .where("case_id", "=", caseId)
      .orderBy("seq")
      .execute(),
    store.db
      .selectFrom("attachments")
      .select(["id", "event_seq", "meta_ct", "size", "created_at", "uploaded_by"])
      .where("case_id", "=", caseId)
      .orderBy("event_seq")
      .orderBy("created_at")
      .execute(),
    store.db.selectFrom("case_tags").select("tag").where("case_id", "=", caseId).orderBy("tag").execute(),
    store.db
      .selectFrom("case_followers")
      .select("user_id")
      .where("case_id", "=", caseId)
      .orderBy("created_at")
      .orderBy("user_id")
      .execute(),
  ]);
  const envelopes = [row.report_ct, ...events.map((e) => e.payload_ct), ...attachments.map((a) => a.meta_ct)];
  if (row.contact_ct !== null) envelopes.push(row.contact_ct);
  await keyring.ensure(envelopes.map(keyIdOf));

  const visibleSeqs = new Set(
    events.filter((event) => REPORTER_VISIBLE_EVENTS.includes(event.type)).map((e) => e.seq),
  );
  return {
    id: row.id,
    program: row.program,
    number: row.number ?? null,
    reference: caseReferenceOf(row.program, row.number),
    state: row.state,
    source: row.source,
    openedBy: row.opened_by,
    assetId: row.asset_id,
    receivedAt: new Date(row.received_at),
    updatedAt: new Date(row.updated_at),
    acknowledgeBy: toDate(row.acknowledge_by),
    report: reportSchema.parse(JSON.parse(decryptText(keyring, row.report_ct, aad.report(caseId)))),
    contact:
      row.contact_ct === null
        ? {}
        : contactSchema.parse(JSON.parse(decryptText(keyring, row.contact_ct, aad.contact(caseId)))),
    assignee: row.assignee,
    followers: followers.map((follower) => follower.user_id),
    tags: tags.map((tag) => tag.tag),
    triage: {
      priority: row.priority,
      severity: row.severity,
      dueAt: toDate(row.due_at),
      cvss31: cvssOf(row.cvss31_vector, row.cvss31_score),
      cvss40: cvssOf(row.cvss40_vector, row.cvss40_score),
      cwe: row.cwe,
    },
    outcome: row.outcome,
    duplicateOf: row.duplicate_of,
    acknowledgedAt: toDate(row.acknowledged_at),
    firstTeamReplyAt: toDate(row.first_team_reply_at),
    detailedResponseAt: toDate(row.detailed_response_at),
    triagedAt: toDate(row.triaged_at),
    fixedAt: toDate(row.fixed_at),
    closedAt: toDate(row.closed_at),
    agreementDueAt: toDate(row.agreement_due_at),
    nextDueAt: toDate(row.next_due_at),
    fixReleasedAt: toDate(row.fix_released_at),
    privacyIncidentAt: toDate(row.privacy_incident_at),
    authorityNotifyBy: toDate(row.authority_notify_by),
    authorityNotifiedAt: toDate(row.authority_notified_at),
    erased: {
      content: toDate(row.erased_at ?? null),
      contact: toDate(row.contact_erased_at ?? null),
      files: toDate(row.files_erased_at ?? null),
    },
    attachments: attachments.map((attachment) => ({
      id: attachment.id,
      ...openAttachmentMeta(keyring, caseId, attachment.id, attachment.meta_ct),
      size: attachment.size,
      createdAt: new Date(attachment.created_at),
      uploadedBy: attachment.uploaded_by === "team" ? "team" : "reporter",
      eventSeq: attachment.event_seq,
      reporterVisible: visibleSeqs.has(attachment.event_seq),
    })),
    events: events.map((event) => {
      const payload: Json = openEventPayload(keyring, event.payload_ct, aad.event(caseId, event.seq));
      return {
        seq: event.seq,
        type: event.type,
        actor: event.actor,
        at: new Date(event.at),
        reporterVisible: visibleSeqs.has(event.seq),
        payload,
        ...eventText(event.type, payload),
      };
    }),
  };
}

/** The text and files of the event types that carry them. */
function eventText(type: string, payload: Json): { text?: string; attachmentIds?: string[] } {
  // An erased case's events keep their type and time; what they said is gone.
  if (payload === ERASED_PAYLOAD) return { text: "(erased)" };
  switch (type) {
    case "team.reply":
    case "team.note": {
      const { text, attachmentIds } = teamReplyPayload.parse(payload);
      return { text, attachmentIds };
    }
    case "reporter.message": {
      const { text, attachmentIds } = reporterMessagePayload.parse(payload);
      return { text, attachmentIds };
    }
    case "attachment.added":
      return { attachmentIds: [attachmentAddedPayload.parse(payload).attachmentId] };
    case "case.state_changed": {
      const { reporterMessage } = stateChangedPayload.parse(payload);
      return reporterMessage === null ? {} : { text: reporterMessage };
    }
    case "reporter.agreement":
      return { text: reporterAgreementPayload.parse(payload).comment };
    case "reporter.feedback":
      return { text: reporterFeedbackPayload.parse(payload).text };
    case "incident.phase_noted":
    case "incident.phase_shared": {
      const { reporterMessage } = incidentPhasePayload.parse(payload);
      return reporterMessage === null ? {} : { text: reporterMessage };
    }
    default:
      return {};
  }
}
