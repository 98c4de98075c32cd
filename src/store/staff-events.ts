import { z } from "zod";
import type { Json } from "./canonical-json.js";

/**
 * Event types written by the staff commands (src/store/staff-cases.ts) and their payloads.
 * Which of them a reporter sees is decided by REPORTER_VISIBLE_EVENTS in events.ts.
 */
const messagePayload = z.object({ text: z.string(), attachmentIds: z.array(z.string()) });

export const caseAcknowledgedPayload = z.object({ via: z.enum(["acknowledge", "reply"]) });
export const teamReplyPayload = messagePayload.extend({ detailedResponse: z.boolean().optional() });
export const teamNotePayload = messagePayload;
export const caseAssignedPayload = z.object({ from: z.string().nullable(), to: z.string().nullable() });
export const caseFollowPayload = z.object({ userId: z.string() });
/** A case marked confidential or not, and the members named on it (user ids) added or removed. Internal. */
export const confidentialityChangedPayload = z.object({
  confidential: z.boolean(),
  added: z.array(z.string()),
  removed: z.array(z.string()),
});
/**
 * What was erased of the case (src/commands/erase-case.ts), why, the keys destroyed (ids only) and
 * the rows deleted. Written under the data key: the case's own key is gone by then. Internal.
 */
export const caseErasedPayload = z.object({
  scope: z.enum(["content", "contact", "files"]),
  reason: z.string(),
  keys: z.array(z.string()),
  deleted: z.record(z.string(), z.number()),
});
/** `{field: {from, to}}` for every triage field the command changed. */
export const triageUpdatedPayload = z.record(z.string(), z.object({ from: z.json(), to: z.json() }));
/** The domain's state-change payload (from, to, outcome, …) plus what the reporter is told. */
export const stateChangedPayload = z.looseObject({
  from: z.string(),
  to: z.string(),
  outcome: z.string().nullable(),
  reporterMessage: z.string().nullable(),
  agreementDueAt: z.string().nullable(),
});
export const agreementRequestedPayload = z.looseObject({ dueAt: z.string() });
export const reporterAgreementPayload = z.object({ agree: z.boolean(), comment: z.string() });
/** The reporter's feedback when a phase invites it (src/commands/postmortem.ts). Reporter-visible. */
export const reporterFeedbackPayload = z.object({ phaseId: z.string(), text: z.string() });
/** A step of the policy's incident response (src/store/incident-phases.ts). */
export const incidentPhasePayload = z.object({
  phaseId: z.string(),
  action: z.enum(["start", "complete", "skip"]),
  reporterMessage: z.string().nullable(),
});

/** A checklist item (src/domain/incident/checklist.ts) was checked or unchecked. Internal. */
export const checklistMarkedPayload = z.object({
  list: z.string(),
  key: z.string(),
  text: z.string(),
  done: z.boolean(),
  note: z.string(),
});
/**
 * An answer to one of an incident phase's questions; `raisedPriority` when the answer raised the
 * case's priority (a "yes" to a question whose yes means top priority). Internal.
 */
export const phaseAnswerPayload = z.object({
  phaseId: z.string(),
  question: z.string(),
  answer: z.string(),
  raisedPriority: z.string().nullable(),
});

/** The fix was released (`releasedAt`); `previous` when an earlier record was corrected. Internal. */
export const fixReleasedPayload = z.object({ releasedAt: z.string(), previous: z.string().nullable() });
/** The case is a privacy incident since `since`; the authority is to be notified by `notifyBy`. Internal. */
export const privacyIncidentPayload = z.object({ since: z.string(), notifyBy: z.string().nullable() });
/** The authority was notified at `notifiedAt`. Internal. */
export const authorityNotifiedPayload = z.object({ notifiedAt: z.string() });
/** The timer worker: a disclosure phase fell due (src/domain/clocks/disclosure.ts). Internal. */
export const disclosurePhaseDuePayload = z.object({
  phaseId: z.string(),
  day: z.number(),
  relativeTo: z.string(),
  dueAt: z.string(),
  notified: z.array(z.string()),
});
/** The timer worker: the authority notification deadline is near (`warn`) or has passed (`breach`). Internal. */
export const authorityDeadlinePayload = z.object({
  kind: z.enum(["warn", "breach"]),
  dueAt: z.string(),
  notified: z.array(z.string()),
  superseded: z.array(z.string()),
});

export type TriageDiff = { [field: string]: { from: Json; to: Json } };

declare const domainEvent: unique symbol;
/**
 * An event type that came from a domain decision (src/domain/lifecycle) rather than from this
 * list: only `domainEventType` makes one, so a typo in a literal type above is still a type error.
 */
export type DomainEventType = string & { readonly [domainEvent]: true };

const EVENT_TYPE = /^[a-z][a-z0-9]*(\.[a-z][a-z0-9_]*)+$/;

export function domainEventType(type: string): DomainEventType {
  if (!EVENT_TYPE.test(type)) throw new Error(`invalid event type "${type}" from a domain decision`);
  return type as DomainEventType;
}

export type StaffCaseEvent =
  | { type: "case.acknowledged"; payload: z.infer<typeof caseAcknowledgedPayload> }
  | { type: "team.reply"; payload: z.infer<typeof teamReplyPayload> }
  | { type: "team.note"; payload: z.infer<typeof teamNotePayload> }
  | { type: "case.assigned"; payload: z.infer<typeof caseAssignedPayload> }
  | { type: "case.followed" | "case.unfollowed"; payload: z.infer<typeof caseFollowPayload> }
  | { type: "case.confidentiality_changed"; payload: z.infer<typeof confidentialityChangedPayload> }
  | { type: "case.erased"; payload: z.infer<typeof caseErasedPayload> }
  | { type: "case.triage_updated"; payload: TriageDiff }
  | { type: "case.state_changed"; payload: { [key: string]: Json } }
  | { type: "case.agreement_requested"; payload: { [key: string]: Json } }
  | { type: "reporter.agreement"; payload: z.infer<typeof reporterAgreementPayload> }
  | {
      type: "incident.phase_noted" | "incident.phase_shared";
      payload: z.infer<typeof incidentPhasePayload>;
    }
  | { type: "case.checklist_marked"; payload: z.infer<typeof checklistMarkedPayload> }
  | { type: "incident.answer_recorded"; payload: z.infer<typeof phaseAnswerPayload> }
  | { type: "case.fix_released"; payload: z.infer<typeof fixReleasedPayload> }
  | { type: "case.privacy_incident_marked"; payload: z.infer<typeof privacyIncidentPayload> }
  | { type: "case.authority_notified"; payload: z.infer<typeof authorityNotifiedPayload> }
  | { type: "disclosure.phase_due"; payload: z.infer<typeof disclosurePhaseDuePayload> }
  | { type: "authority.notification_due"; payload: z.infer<typeof authorityDeadlinePayload> }
  | { type: DomainEventType; payload: { [key: string]: Json } };

/**
 * A value from outside the store (a domain decision's payload) as JSON for the hash chain:
 * dates become ISO-8601 text, `undefined` members are left out; anything else that JSON cannot
 * hold (functions, NaN, class instances) is a programming error.
 */
export function toJson(value: unknown, path = "payload"): Json {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} is not JSON`);
    return value;
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item, index) => toJson(item, `${path}[${index}]`));
  if (isPlainObject(value)) return toJsonObject(value, path);
  throw new TypeError(`${path}: a ${typeof value} is not JSON`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

export function toJsonObject(value: Record<string, unknown>, path = "payload"): { [key: string]: Json } {
  const result: { [key: string]: Json } = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) result[key] = toJson(member, `${path}.${key}`);
  }
  return result;
}
