import { AgreementRecordRefused } from "../commands/agreement.js";
import { AnnouncementSlugTaken } from "../commands/announcements.js";
import { FollowersOffError } from "../commands/assignment.js";
import { IdentifierTaken } from "../commands/case-identifiers.js";
import { CaseErasedError, CaseNotFoundError } from "../store/cases.js";
import {
  AgreementNotPendingError,
  DuplicateOfUnknownError,
  IncidentPhaseRefused,
  InvalidCaseCommandError,
  InvalidCursorError,
  NotAPrivacyIncidentError,
  StaffCommandError,
  TransitionRefused,
} from "../store/staff-errors.js";
import { HttpError } from "./errors.js";

/**
 * The case store's errors as HTTP errors, defined once (the app's error handler and the pages
 * that show an error beside a field both use this):
 * - a transition the lifecycle does not allow: 409 `transition_not_allowed`, with `allowed`;
 * - a transition that lacks what it needs (an outcome, the original of a duplicate): 400, naming
 *   the field, with `allowed`;
 * - a transition the incident register's gates hold back (no due date to leave triage, the
 *   resolution checklist open, the classification missing to close as resolved): 409
 *   `transition_blocked`, the message naming what is missing: the case must change first;
 * - malformed input (a bad vector, an unknown asset, an empty reply): 400 naming the field;
 * - an answer nobody asked for (no agreement pending): 409; an unknown case: 404; an erased
 *   case: 410;
 * - an incident phase step the policy's phases do not allow now: 409 `phase_not_allowed`;
 * - "the authority was notified" on a case that is not a privacy incident: 409;
 * - following a case of a program whose register has no followers: 409 `followers_off`;
 * - a CVE id or alias another case of the program has: 409 `identifier_taken`, naming that case.
 */
export function caseCommandHttpError(error: unknown): HttpError | undefined {
  if (error instanceof CaseNotFoundError) return new HttpError(404, "not_found", "Case not found.");
  if (error instanceof CaseErasedError)
    return new HttpError(410, "case_erased", "This case was erased and takes no more changes.");
  if (!(error instanceof StaffCommandError)) return undefined;
  const message = sentence(error.message);
  if (error instanceof TransitionRefused) {
    const { code, allowed } = error.decision;
    if (code === "not-allowed")
      return new HttpError(409, "transition_not_allowed", message, undefined, { allowed });
    if (
      code === "due-date-required" ||
      code === "resolution-incomplete" ||
      code === "classification-required" ||
      code === "agreement-pending" ||
      code === "production-releases-unfixed"
    )
      return new HttpError(409, "transition_blocked", message, undefined, { allowed, reason: code });
    const field = code === "duplicate-of-required" ? "duplicateOf" : "outcome";
    return new HttpError(400, "invalid_transition", message, [{ field, message }], { allowed });
  }
  if (error instanceof InvalidCaseCommandError)
    return new HttpError(400, "invalid_request", message, [{ field: error.field, message }]);
  if (error instanceof DuplicateOfUnknownError)
    return new HttpError(400, "invalid_transition", message, [{ field: "duplicateOf", message }]);
  if (error instanceof IncidentPhaseRefused) return new HttpError(409, "phase_not_allowed", message);
  if (error instanceof FollowersOffError) return new HttpError(409, "followers_off", message);
  if (error instanceof IdentifierTaken)
    return new HttpError(409, "identifier_taken", message, [{ field: error.field, message }]);
  if (error instanceof AnnouncementSlugTaken)
    return new HttpError(409, "slug_taken", message, [{ field: "slug", message }]);
  if (error instanceof AgreementNotPendingError) return new HttpError(409, "agreement_not_pending", message);
  if (error instanceof AgreementRecordRefused)
    return new HttpError(409, "agreement_not_awaited", message, [{ field: "agreement", message }]);
  if (error instanceof InvalidCursorError) return new HttpError(400, "invalid_cursor", message);
  if (error instanceof NotAPrivacyIncidentError)
    return new HttpError(409, "not_a_privacy_incident", message, [{ field: "notifiedAt", message }]);
  return new HttpError(400, "invalid_request", message);
}

/** Store messages are lower-case fragments; clients get sentences. */
function sentence(text: string): string {
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
