import { ALL_PROGRAMS, hasRole, type Membership, type Staff } from "../auth/staff.js";
import { HttpError } from "./errors.js";

/**
 * Who may do what with a case: the one place these rules live. Routes ask these questions and
 * nothing else; roles come from src/auth/staff.ts (a membership on the program or on every
 * program, the higher one winning; programs that require two-factor sign-in are already left out
 * of a session that has not passed it).
 *
 * - A viewer of a program may read its cases: the report, the timeline with internal notes, the
 *   attachments, the clocks.
 * - A responder may also work them: acknowledge, reply, write notes, assign, follow, triage and
 *   move them through the lifecycle.
 * - An administrator may also manage the program (API tokens, team).
 *
 * Members (the /admin/members page): an administrator of a program sees the members with a role
 * on it, and may remove a role on a program they administer. Disabling, enabling, removing an
 * account or revoking its tokens acts on all of its programs, so it needs an administrator of
 * every one of them (an administrator of every program, for a `*` member or one with no role
 * left). Whoever may not see a member is told it does not exist (404).
 *
 * Someone who may not read a case is told it does not exist (404), never that it is forbidden:
 * a 403 would confirm that a case with that id exists. Someone who may read it but not work it
 * gets 403 when they try.
 */
type Who = Pick<Staff, "roles">;

/** Viewer or more on the case's program. */
export function canViewCase(staff: Who, program: string): boolean {
  return hasRole(staff, program, "viewer");
}

/** Responder or more on the case's program. */
export function canWorkCase(staff: Who, program: string): boolean {
  return hasRole(staff, program, "responder");
}

/** Administrator of the program. */
export function canAdmin(staff: Who, program: string): boolean {
  return hasRole(staff, program, "admin");
}

/** The programs (of `programs`) whose cases `staff` may read: the inbox shows only these. */
export function viewablePrograms(staff: Who, programs: readonly string[]): string[] {
  return programs.filter((program) => canViewCase(staff, program));
}

export type CaseAccess = "view" | "work";

/**
 * Throws unless `staff` may `access` a case of `program`: 404 when they may not even read it
 * (or there is no such case: `program` undefined), 403 when they may read but not work it.
 */
export function requireCaseAccess(staff: Who, program: string | undefined, access: CaseAccess): string {
  if (program === undefined || !canViewCase(staff, program)) throw caseNotFound();
  if (access === "work" && !canWorkCase(staff, program))
    throw new HttpError(
      403,
      "forbidden",
      "Your role on this program lets you read its cases, not work on them.",
    );
  return program;
}

export const caseNotFound = () => new HttpError(404, "not_found", "Case not found.");

type Roles = readonly Pick<Membership, "program">[];

/** May `staff` see this member (one of the programs they administer is among the member's)? */
export function canSeeMember(staff: Who, memberships: Roles): boolean {
  if (canAdmin(staff, ALL_PROGRAMS)) return true;
  return memberships.some((m) => m.program === ALL_PROGRAMS || canAdmin(staff, m.program));
}

/** May `staff` disable, enable or remove this member's account, or revoke its tokens? */
export function canManageAccount(staff: Who, memberships: Roles): boolean {
  if (canAdmin(staff, ALL_PROGRAMS)) return true;
  return (
    memberships.length > 0 &&
    memberships.every((m) => m.program !== ALL_PROGRAMS && canAdmin(staff, m.program))
  );
}

/** May `staff` remove a role on `program` (a slug, or `*` for every program)? */
export function canRemoveMembership(staff: Who, program: string): boolean {
  return canAdmin(staff, program);
}
