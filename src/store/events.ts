import { z } from "zod";
import type { StaffCaseEvent } from "./staff-events.js";

/**
 * Case event types and their payloads. Payloads are stored encrypted (case_events.payload_ct)
 * as canonical JSON and checked with these schemas when read back.
 */
export type Actor = "reporter" | "system" | `team:${string}`;

export const caseReceivedPayload = z.object({
  source: z.enum(["web", "api", "email"]),
  assetId: z.string().nullable(),
});
export const reporterMessagePayload = z.object({ text: z.string(), attachmentIds: z.array(z.string()) });
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
  // incident.phase_noted (a phase step the policy does not tell the reporter about).
  "case.acknowledged",
  "team.reply",
  "case.state_changed",
  "case.agreement_requested",
  "reporter.agreement",
  // An incident phase step with a message for the reporter (src/store/incident-phases.ts).
  "incident.phase_shared",
];
