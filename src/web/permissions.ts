import { ALL_PROGRAMS, hasRole, type Membership, type Staff } from "../auth/staff.js";
import { namedOn } from "../domain/cases/confidentiality.js";
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
type Who = Pick<Staff, "roles" | "assignedOnly">;

/**
 * Viewer or more on the program, over all of its cases: what program-wide pages (advisories,
 * problems, policy, metrics, exports) need. A member limited to assigned cases on the program has
 * no program-wide right: those pages are not found for them, as for a stranger.
 */
export function canViewCase(staff: Who, program: string): boolean {
  return hasRole(staff, program, "viewer") && staff.assignedOnly?.has(program) !== true;
}

/**
 * What decides who may see one case: its program, its assignee (a user id, `group:<id>`, null)
 * and, for a confidential case, the members named on it.
 */
export interface CaseFacts {
  program: string;
  assignee: string | null;
  confidential?: boolean;
  members?: readonly string[];
}

/**
 * May `staff` read this case: a role on its program over all of its cases, or a role limited to
 * assigned cases and the case assigned to them or a team group of theirs. A confidential case
 * only for the members named on it (src/domain/cases/confidentiality.ts), administrators included.
 */
export function canSeeCase(staff: Who & { userId?: string }, kase: CaseFacts): boolean {
  if (!hasRole(staff, kase.program, "viewer")) return false;
  if (
    kase.confidential === true &&
    !namedOn({ confidential: true, members: kase.members ?? [] }, staff.userId ?? "")
  )
    return false;
  const mine = staff.assignedOnly?.get(kase.program);
  return mine === undefined || (kase.assignee !== null && mine.includes(kase.assignee));
}

/**
 * The inbox's reach: the programs whose cases `staff` may list, and on those limited to assigned
 * cases, the assignee values that are theirs (the store keeps only those cases).
 */
export function inboxReach(
  staff: Who,
  programs: readonly string[],
): { programs: string[]; assignedOnly: Record<string, readonly string[]> } {
  const reach = programs.filter((program) => hasRole(staff, program, "viewer"));
  const assignedOnly: Record<string, readonly string[]> = {};
  for (const program of reach) {
    const mine = staff.assignedOnly?.get(program);
    if (mine !== undefined) assignedOnly[program] = mine;
  }
  return { programs: reach, assignedOnly };
}

/**
 * What the store needs to keep a list of cases (likely duplicates, related cases) to those `staff`
 * may see: `canSeeCase` as SQL (src/store/case-visibility.ts).
 */
export function caseViewerOf(staff: Who & { userId: string }): {
  assignedOnly: Record<string, readonly string[]>;
  member: string;
} {
  return { assignedOnly: Object.fromEntries(staff.assignedOnly ?? []), member: staff.userId };
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

/**
 * requireCaseAccess for one case, its assignee known: a member limited to assigned cases gets 404
 * for any other case of the program, exactly as for a case of another program.
 */
export function requireAccessToCase(
  staff: Who & { userId?: string },
  kase: CaseFacts | undefined,
  access: CaseAccess,
): string {
  if (kase === undefined || !canSeeCase(staff, kase)) throw caseNotFound();
  if (access === "work" && !canWorkCase(staff, kase.program))
    throw new HttpError(
      403,
      "forbidden",
      "Your role on this program lets you read its cases, not work on them.",
    );
  return kase.program;
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
