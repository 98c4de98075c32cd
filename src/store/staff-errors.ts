import type { TransitionDecision } from "../domain/lifecycle/index.js";

/**
 * Errors of the staff case commands, each with a stable code (routes map them to HTTP statuses:
 * invalid input 400, a refused transition or a state conflict 409). Messages name no report content.
 */
export class StaffCommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "StaffCommandError";
  }
}

/** The command's input is malformed: an unknown priority, a bad CVSS vector, an empty reply. */
export class InvalidCaseCommandError extends StaffCommandError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super("embargo.case.invalid", message);
    this.name = "InvalidCaseCommandError";
  }
}

export type RefusedDecision = Extract<TransitionDecision, { ok: false }>;

/** The lifecycle refused the move; nothing was written. `decision.allowed` lists the moves that are. */
export class TransitionRefused extends StaffCommandError {
  constructor(readonly decision: RefusedDecision) {
    super("embargo.case.transitionRefused", decision.message);
    this.name = "TransitionRefused";
  }
}

/** A duplicate must point at an existing case of the same program. */
export class DuplicateOfUnknownError extends StaffCommandError {
  constructor(duplicateOf: string) {
    super("embargo.case.duplicateOfUnknown", `case ${duplicateOf} does not exist in this program`);
    this.name = "DuplicateOfUnknownError";
  }
}

/** The reporter answered, but no agreement is being asked for (never asked, or already answered). */
export class AgreementNotPendingError extends StaffCommandError {
  constructor() {
    super("embargo.case.agreementNotPending", "this case is not waiting for the reporter's agreement");
    this.name = "AgreementNotPendingError";
  }
}

/** An inbox cursor that this code did not make (or that was altered). */
export class InvalidCursorError extends StaffCommandError {
  constructor() {
    super("embargo.inbox.badCursor", "invalid inbox cursor");
    this.name = "InvalidCursorError";
  }
}

/** The policy's incident phases do not allow this step now (out of order, not skippable, done); nothing was written. */
export class IncidentPhaseRefused extends StaffCommandError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super("embargo.case.incidentPhaseRefused", message);
    this.name = "IncidentPhaseRefused";
  }
}

/** "The authority was notified" on a case that is not marked a privacy incident; nothing was written. */
export class NotAPrivacyIncidentError extends StaffCommandError {
  constructor() {
    super("embargo.case.notAPrivacyIncident", "this case is not marked as a privacy incident");
    this.name = "NotAPrivacyIncidentError";
  }
}
