import type { Staff } from "../auth/staff.js";
import type { LoadedPolicy } from "../policy/loader.js";
import { caseAccessFactsOf } from "../store/case-lookup.js";
import { getCaseForStaff, type StaffCase } from "../store/staff-case-read.js";
import type { WebContext } from "./context.js";
import { type CaseAccess, caseNotFound, requireAccessToCase } from "./permissions.js";

/**
 * Finding a case for a member of staff, with the permission check done here and nowhere else
 * (the staff pages and the staff JSON API both come through this). The rules are
 * src/web/permissions.ts's: 404 for a case outside the member's programs (or none at all, or one
 * of a program this instance no longer serves), 403 to work a case they may only read.
 */
type Deps = Pick<WebContext, "store" | "keyring" | "programs">;

/** A case the member may `access`, and its program: enough for a command. */
export interface CaseTarget {
  id: string;
  program: LoadedPolicy;
}

/** The case itself too (decrypted: its report, timeline and attachments' facts). */
export interface LoadedCase extends CaseTarget {
  found: StaffCase;
}

/** Checks access and finds the program, without reading the case (commands read it themselves). */
export async function caseTarget(
  deps: Deps,
  staff: Staff,
  id: string,
  access: CaseAccess,
): Promise<CaseTarget> {
  // The assignee too: a member limited to assigned cases sees only theirs (404 for the others).
  const slug = requireAccessToCase(staff, await caseAccessFactsOf(deps.store, id), access);
  const program = deps.programs.get(slug);
  if (program === undefined) throw caseNotFound();
  return { id, program };
}

/** Checks access, then reads the case. */
export async function loadCase(
  deps: Deps,
  staff: Staff,
  id: string,
  access: CaseAccess,
): Promise<LoadedCase> {
  const target = await caseTarget(deps, staff, id, access);
  return { ...target, found: await readStaffCase(deps, id) };
}

/** The case as it is now, for a target already checked (before and after a change). */
export async function readStaffCase(deps: Pick<Deps, "store" | "keyring">, id: string): Promise<StaffCase> {
  const found = await getCaseForStaff(deps.store, deps.keyring, id);
  if (found === undefined) throw caseNotFound();
  return found;
}
