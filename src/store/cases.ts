import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { decryptBytes, decryptText, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { caseReferenceOf } from "../domain/cases/case-number.js";
import type { CaseClockFacts } from "../domain/clocks/case-clocks.js";
import type { PlanRecords } from "../domain/disclosure/plan.js";
import { aad } from "./aad.js";
import { type NewAttachment, openAttachmentMeta } from "./attachments.js";
import { ERASED_PAYLOAD, openEventPayload } from "./case-keys.js";
import { clockFactsOfRow } from "./clock-facts.js";
import type { Store } from "./database.js";
import { readReporterPlanRecords } from "./disclosure-plan.js";
import {
  attachmentAddedPayload,
  caseReceivedPayload,
  type MailFacts,
  REPORTER_VISIBLE_EVENTS,
  reporterMessagePayload,
} from "./events.js";
import { sha256Hex } from "./ids.js";
import { type ReporterAssessment, reporterAssessmentOf } from "./reporter-assessment.js";
import {
  incidentPhasePayload,
  reporterAgreementPayload,
  reporterFeedbackPayload,
  stateChangedPayload,
  teamReplyPayload,
} from "./staff-events.js";

export type { NewAttachment } from "./attachments.js";
export { REPORTER_VISIBLE_EVENTS } from "./events.js";

/**
 * Case commands for report intake. Each command is one transaction: the case row, its events
 * (hash-chained) and its attachments are committed together or not at all. Everything a
 * reporter wrote is encrypted before the transaction opens.
 */
export interface NewReport {
  program: string;
  source: "web" | "api" | "email";
  assetId: string | null;
  title: string;
  fields: Record<string, string>;
  credit: { mode: "name" | "handle" | "anonymous"; name?: string; link?: string };
  contact: { email?: string; openpgpKey?: string };
  attachments: NewAttachment[];
  receivedAt: Date;
  acknowledgeBy: Date | null;
  /** How a report that came by email was protected (shown on the case). */
  mail?: MailFacts;
}

export interface ReporterCase {
  id: string;
  program: string;
  /** `KITSU-12`, for the reporter to quote; null only for a row written by hand. */
  reference: string | null;
  state: string;
  source: string;
  assetId: string | null;
  receivedAt: Date;
  acknowledgeBy: Date | null;
  report: { title: string; fields: Record<string, string>; credit: NewReport["credit"] };
  contact: NewReport["contact"];
  attachments: {
    id: string;
    filename: string;
    contentType: string;
    size: number;
    createdAt: Date;
    uploadedBy: "reporter" | "team";
  }[];
  timeline: { seq: number; type: string; actor: string; at: Date; text?: string; attachmentIds?: string[] }[];
  /** When the team is waiting for the reporter to agree that the fix resolves their report; null otherwise. */
  agreementDueAt: Date | null;
  /** The reporter's answers to that question, by the seq of their `reporter.agreement` event. */
  agreementAnswers: { seq: number; agree: boolean }[];
  /** The severity and CVSS scores the team assigned, once the case was triaged; null before. */
  assessment: ReporterAssessment | null;
  /**
   * What the reporter's page shows of the disclosure plan (src/web/views/reporter-plan.tsx): the
   * case's clock facts, the moves of the dates they see and what they were told. Never the tasks.
   */
  disclosure?: { facts: CaseClockFacts; records: PlanRecords };
}

export class CaseNotFoundError extends Error {
  readonly code = "embargo.case.notFound";
  constructor(caseId: string) {
    super(`case ${caseId} does not exist`);
    this.name = "CaseNotFoundError";
  }
}

/** A change to a case whose content was erased (src/commands/erase-case.ts): it takes none. */
export class CaseErasedError extends Error {
  readonly code = "embargo.case.erased";
  constructor(caseId: string) {
    super(`case ${caseId} was erased and takes no more changes`);
    this.name = "CaseErasedError";
  }
}

export const reportSchema = z.object({
  title: z.string(),
  fields: z.record(z.string(), z.string()),
  credit: z.object({
    mode: z.enum(["name", "handle", "anonymous"]),
    name: z.string().optional(),
    link: z.string().optional(),
  }),
});
export const contactSchema = z.object({ email: z.string().optional(), openpgpKey: z.string().optional() });

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The case a capability token opens, as its reporter may see it; undefined for any unknown or
 * malformed token. Only the token's sha-256 is stored, so a database leak yields no links.
 */
export async function findCaseForReporter(
  store: Store,
  keyring: Keyring,
  token: string,
): Promise<ReporterCase | undefined> {
  if (!TOKEN.test(token)) return undefined;
  const tokenHash = sha256Hex(token);
  const row = await store.db
    .selectFrom("cases")
    .selectAll()
    .where("reporter_token_hash", "=", tokenHash)
    .executeTakeFirst();
  // The index lookup already matched; compare again in constant time so no code path depends
  // on how much of a stored hash a guess shares.
  if (
    row === undefined ||
    !timingSafeEqual(Buffer.from(row.reporter_token_hash, "hex"), Buffer.from(tokenHash, "hex"))
  ) {
    return undefined;
  }
  const caseId = row.id;
  // Filtered in SQL: payloads of events a reporter may not see are never even decrypted.
  const events = await store.db
    .selectFrom("case_events")
    .select(["seq", "type", "actor", "at", "payload_ct"])
    .where("case_id", "=", caseId)
    .where("type", "in", REPORTER_VISIBLE_EVENTS)
    .orderBy("seq")
    .execute();
  const visibleSeqs = new Set(events.map((event) => event.seq));
  const attachments = (
    await store.db
      .selectFrom("attachments")
      .select(["id", "event_seq", "meta_ct", "size", "created_at", "uploaded_by"])
      .where("case_id", "=", caseId)
      .execute()
  ).filter((attachment) => visibleSeqs.has(attachment.event_seq));

  const envelopes = [row.report_ct, ...events.map((e) => e.payload_ct), ...attachments.map((a) => a.meta_ct)];
  if (row.contact_ct !== null) envelopes.push(row.contact_ct);
  await keyring.ensure(envelopes.map(keyIdOf));

  const report = reportSchema.parse(JSON.parse(decryptText(keyring, row.report_ct, aad.report(caseId))));
  const contact =
    row.contact_ct === null
      ? {}
      : contactSchema.parse(JSON.parse(decryptText(keyring, row.contact_ct, aad.contact(caseId))));
  const agreementAnswers: ReporterCase["agreementAnswers"] = [];
  const timeline = events.map((event) => timelineEntry(keyring, caseId, event, agreementAnswers));
  // Attachments in upload order: the order their ids appear in the timeline.
  const order = new Map(
    timeline.flatMap((entry) => entry.attachmentIds ?? []).map((id, index) => [id, index]),
  );
  const position = (id: string): number => order.get(id) ?? Number.MAX_SAFE_INTEGER;
  attachments.sort((a, b) => position(a.id) - position(b.id));
  return {
    id: caseId,
    program: row.program,
    reference: caseReferenceOf(row.program, row.number),
    state: row.state,
    source: row.source,
    assetId: row.asset_id,
    receivedAt: new Date(row.received_at),
    acknowledgeBy: row.acknowledge_by === null ? null : new Date(row.acknowledge_by),
    report,
    contact,
    attachments: attachments.map((attachment) => ({
      id: attachment.id,
      ...openAttachmentMeta(keyring, caseId, attachment.id, attachment.meta_ct),
      size: attachment.size,
      createdAt: new Date(attachment.created_at),
      uploadedBy: attachment.uploaded_by === "team" ? "team" : "reporter",
    })),
    timeline,
    agreementDueAt: row.agreement_due_at === null ? null : new Date(row.agreement_due_at),
    agreementAnswers,
    assessment: reporterAssessmentOf(row),
    disclosure: {
      facts: clockFactsOfRow(row, undefined),
      records: await readReporterPlanRecords(store.db, keyring, caseId),
    },
  };
}

type TimelineEntry = ReporterCase["timeline"][number];

function timelineEntry(
  keyring: Keyring,
  caseId: string,
  event: { seq: number; type: string; actor: string; at: string; payload_ct: string },
  agreementAnswers: ReporterCase["agreementAnswers"],
): TimelineEntry {
  const payload: unknown = openEventPayload(keyring, event.payload_ct, aad.event(caseId, event.seq));
  const entry: TimelineEntry = {
    seq: event.seq,
    type: event.type,
    // The reporter sees "the team", not which member (user ids are internal).
    actor: event.actor.startsWith("team:") ? "team" : event.actor,
    at: new Date(event.at),
  };
  // Erased (src/store/erasure.ts): the reporter sees that something happened, not what was said.
  if (payload === ERASED_PAYLOAD) return { ...entry, text: "(erased)" };
  switch (event.type) {
    case "reporter.message": {
      const { text, attachmentIds } = reporterMessagePayload.parse(payload);
      return { ...entry, text, attachmentIds };
    }
    case "attachment.added":
      return { ...entry, attachmentIds: [attachmentAddedPayload.parse(payload).attachmentId] };
    case "case.received":
      caseReceivedPayload.parse(payload);
      return entry;
    case "team.reply": {
      const { text, attachmentIds } = teamReplyPayload.parse(payload);
      return { ...entry, text, attachmentIds };
    }
    case "case.state_changed": {
      // Only the message written for the reporter: the payload may name another case (duplicates).
      const { reporterMessage } = stateChangedPayload.parse(payload);
      return reporterMessage === null ? entry : { ...entry, text: reporterMessage };
    }
    case "incident.phase_shared": {
      const { reporterMessage } = incidentPhasePayload.parse(payload);
      return reporterMessage === null ? entry : { ...entry, text: reporterMessage };
    }
    case "reporter.agreement": {
      const { agree, comment } = reporterAgreementPayload.parse(payload);
      agreementAnswers.push({ seq: event.seq, agree });
      return { ...entry, text: comment };
    }
    case "reporter.feedback":
      return { ...entry, text: reporterFeedbackPayload.parse(payload).text };
    default:
      return entry; // a visible type with nothing more to show
  }
}

/**
 * An attachment of a case, decrypted; undefined when the case has no such attachment. By default
 * only attachments of events the reporter may see (REPORTER_VISIBLE_EVENTS) are returned, so the
 * reporter's download route cannot reach a future internal note's files; staff code passes "team".
 */
export async function getAttachment(
  store: Store,
  keyring: Keyring,
  caseId: string,
  attachmentId: string,
  audience: "reporter" | "team" = "reporter",
): Promise<{ filename: string; contentType: string; data: Buffer } | undefined> {
  const row = await store.db
    .selectFrom("attachments")
    .innerJoin("case_events", (join) =>
      join
        .onRef("case_events.case_id", "=", "attachments.case_id")
        .onRef("case_events.seq", "=", "attachments.event_seq"),
    )
    .select(["attachments.meta_ct", "attachments.data"])
    .where("attachments.id", "=", attachmentId)
    .where("attachments.case_id", "=", caseId)
    .$if(audience === "reporter", (query) => query.where("case_events.type", "in", REPORTER_VISIBLE_EVENTS))
    .executeTakeFirst();
  if (row === undefined) return undefined;
  await keyring.ensure([keyIdOf(row.meta_ct), keyIdOf(row.data)]);
  const meta = openAttachmentMeta(keyring, caseId, attachmentId, row.meta_ct);
  return { ...meta, data: decryptBytes(keyring, row.data, aad.attachmentData(caseId, attachmentId)) };
}
