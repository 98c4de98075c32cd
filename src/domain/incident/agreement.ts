import type { Policy } from "../../policy/schema.js";

/**
 * The affected party's agreement that the case is resolved (`incident.register.reporterAgreement`,
 * Rocket.Chat: "the affected user or customer must also be in agreement that the incident has
 * been resolved"). Pure: the policy, the case's agreement events and the instant go in.
 *
 * - A gate: while the agreement is required and not given, a case is neither closed as resolved
 *   nor disclosed (src/domain/lifecycle/lifecycle.ts, refusal `agreement-pending`).
 * - Given: the reporter answered yes on their page (`reporter.agreement` with `agree: true`), or
 *   a team member recorded that it was given another way, with a note (`case.agreement_recorded`:
 *   a customer on the phone; the only way for an incident the team opened itself). Only what came
 *   after the latest request counts: a case fixed again is asked again. A "no" keeps it closed.
 * - Reminded: when the wait (`agreement_due_at`) passes without an answer, the reporter is
 *   reminded by mail once and the assignee and followers are told once; the gate keeps holding.
 */

export const AGREEMENT_RECORDED_EVENT = "case.agreement_recorded";
export const AGREEMENT_REMINDED_EVENT = "case.agreement_reminded";
export const AGREEMENT_EVENTS = ["case.agreement_requested", "reporter.agreement", AGREEMENT_RECORDED_EVENT];
export const MAX_AGREEMENT_NOTE = 2_000;

/** Whether the program's policy asks for the agreement. */
export function agreementRequired(policy: Policy): boolean {
  return policy.incident.register?.reporterAgreement?.required === true;
}

export interface AgreementStatus {
  /** given: by the reporter (yes) or recorded by the team; declined: the reporter said no; awaited: neither yet. */
  state: "given" | "declined" | "awaited";
  /** Who gave or declined it: `reporter` or the team member's actor (`team:<id>`); null while awaited. */
  by: string | null;
  at: Date | null;
  /** The team's note, or the reporter's comment. */
  note: string | null;
}

/** The agreement's status from the case's agreement events (AGREEMENT_EVENTS), oldest first. */
export function agreementStatus(
  events: readonly { type: string; actor: string; at: Date; payload: unknown }[],
): AgreementStatus {
  let status: AgreementStatus = { state: "awaited", by: null, at: null, note: null };
  for (const event of events) {
    const payload = (event.payload ?? {}) as { agree?: unknown; comment?: unknown; note?: unknown };
    if (event.type === "case.agreement_requested") {
      status = { state: "awaited", by: null, at: null, note: null };
    } else if (event.type === "reporter.agreement") {
      // A "yes" stands; a later "no" does not take a given agreement back (the reporter can answer only once a request).
      if (status.state === "given") continue;
      status = {
        state: payload.agree === true ? "given" : "declined",
        by: event.actor,
        at: event.at,
        note: typeof payload.comment === "string" && payload.comment !== "" ? payload.comment : null,
      };
    } else if (event.type === AGREEMENT_RECORDED_EVENT) {
      status = {
        state: "given",
        by: event.actor,
        at: event.at,
        note: typeof payload.note === "string" ? payload.note : null,
      };
    }
  }
  return status;
}

/** Checks a team member's note: required, at most MAX_AGREEMENT_NOTE characters; the trimmed note or the problem. */
export function checkAgreementNote(
  note: string,
): { ok: true; note: string } | { ok: false; message: string } {
  const trimmed = note.trim();
  if (trimmed === "")
    return { ok: false, message: "Say how the agreement was given (who agreed, when, by which means)." };
  if (trimmed.length > MAX_AGREEMENT_NOTE)
    return { ok: false, message: `A note can have at most ${MAX_AGREEMENT_NOTE} characters.` };
  return { ok: true, note: trimmed };
}

/** Why the team may not record the agreement now; null when it may. */
export function recordRefusal(policy: Policy, state: string, status: AgreementStatus): string | null {
  if (!agreementRequired(policy)) return "this program's policy asks for no agreement";
  if (state !== "fixed" && state !== "disclosed")
    return "the agreement is recorded once the case is fixed (it is asked for then)";
  if (status.state === "given") return "the agreement was already given";
  return null;
}

/** What the gate tells the person who tried to close as resolved or disclose. */
export function agreementAwaitedText(status: AgreementStatus): string {
  return status.state === "declined"
    ? "the reporter did not agree that the fix resolves the report: work on the fix, or record an agreement given another way (with a note)"
    : "this program waits for the reporter's (or the affected customer's) agreement that the case is resolved: wait for their answer, or record an agreement given another way (with a note)";
}

/** A step the timer worker owes: the wait for the agreement has passed without an answer. */
export interface AgreementReminderStep {
  dueAt: Date;
  /** `${caseId}:agreement-reminder:${ISO instant}`: once per request. */
  idempotencyKey: string;
}

/**
 * The reminder a case owes (its row's `agreement_due_at`, null once answered, recorded or no
 * longer asked): the step when the wait has passed and it was not taken, or when to look again.
 */
export function planAgreementReminder(
  caseId: string,
  agreementDueAt: string | null,
  taken: ReadonlySet<string>,
  now: Date,
): { take: AgreementReminderStep | null; nextAt: Date | null } {
  if (agreementDueAt === null) return { take: null, nextAt: null };
  const dueAt = new Date(agreementDueAt);
  if (Number.isNaN(dueAt.getTime())) return { take: null, nextAt: null };
  const idempotencyKey = `${caseId}:agreement-reminder:${dueAt.toISOString()}`;
  if (taken.has(idempotencyKey)) return { take: null, nextAt: null };
  if (dueAt.getTime() > now.getTime()) return { take: null, nextAt: dueAt };
  return { take: { dueAt, idempotencyKey }, nextAt: null };
}
