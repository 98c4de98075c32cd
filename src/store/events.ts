import { z } from "zod";
import type { StaffCaseEvent } from "./staff-events.js";

/**
 * Case event types and their payloads. Payloads are stored encrypted (case_events.payload_ct)
 * as canonical JSON and checked with these schemas when read back.
 */
export type Actor = "reporter" | "system" | `team:${string}`;

/** How a message that came by email was protected: shown beside it on the case. */
export const mailFacts = z.object({
  encrypted: z.boolean(),
  /** partial: valid, but over only a part of the message (the rest was added outside it). */
  signature: z.enum(["valid", "partial", "invalid", "unknown-key", "unsigned"]),
  /** The signer's key fingerprint, when the signature could be checked. */
  signer: z.string().nullable(),
  /** Whose key checked it: the one the case already knew, or one that came with this message. */
  signerKey: z.enum(["case", "attached"]).optional(),
  /** Whether the signing key has a user ID with the message's From address. */
  signerNamesFrom: z.boolean().optional(),
  /** The key this message brought is now the case's: answers are encrypted to it. */
  keyKept: z.boolean().optional(),
  /** No receipt went out: the limits on automatic answers were reached (src/mail/answer-limits.ts). */
  notAnswered: z.enum(["address-limit", "host-limit"]).optional(),
});
export type MailFacts = z.infer<typeof mailFacts>;

export const caseReceivedPayload = z.object({
  /** The door the case came through: the web form, the API or email (for an incident the team opened: its form or the API). */
  source: z.enum(["web", "api", "email"]),
  assetId: z.string().nullable(),
  mail: mailFacts.optional(),
});
export const reporterMessagePayload = z.object({
  text: z.string(),
  attachmentIds: z.array(z.string()),
  mail: mailFacts.optional(),
});
export const attachmentAddedPayload = z.object({ attachmentId: z.string() });

export type CaseEvent =
  | { type: "case.received"; payload: z.infer<typeof caseReceivedPayload> }
  | { type: "reporter.message"; payload: z.infer<typeof reporterMessagePayload> }
  | { type: "attachment.added"; payload: z.infer<typeof attachmentAddedPayload> }
  | StaffCaseEvent;

export type CaseEventType = CaseEvent["type"];

/**
 * The event types a reporter may see on their case page. An allow-list, not a deny-list: event
 * types added later (internal notes, triage decisions) stay hidden until listed here on purpose.
 */
export const REPORTER_VISIBLE_EVENTS: readonly string[] = [
  "case.received",
  "reporter.message",
  "attachment.added",
  // Staff side (src/store/staff-events.ts). Internal, and so not listed: team.note, case.assigned,
  // case.triage_updated, case.followed / case.unfollowed, case.duplicate_marked,
  // incident.phase_noted (a phase step the policy does not tell the reporter about),
  // case.fix_released (the team tells the reporter in its own words: a release may be quiet, for
  // hosted customers first, before the public post), case.privacy_incident_marked,
  // case.authority_notified, and the timer's disclosure.phase_due and authority.notification_due.
  "case.acknowledged",
  "team.reply",
  "case.state_changed",
  "case.agreement_requested",
  "reporter.agreement",
  // An incident phase step with a message for the reporter (src/store/incident-phases.ts).
  "incident.phase_shared",
  // The reporter's own feedback when a phase invites it (Kitsu's postmortem; src/commands/postmortem.ts).
  "reporter.feedback",
];
