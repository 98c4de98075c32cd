import type { Store } from "../store/database.js";
import { ALL_PROGRAMS, higherRole, type Role } from "./staff.js";

/**
 * The team of a program, for choosing an assignee and for showing who did what: the users with
 * a role on the program (their own membership or one on every program, the higher one winning).
 * Disabled accounts are left out.
 */
export interface TeamMember {
  id: string;
  email: string;
  role: Role;
}

export async function teamOfProgram(store: Store, program: string): Promise<TeamMember[]> {
  const rows = await store.db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select(["users.id", "users.email", "memberships.role"])
    .where("memberships.program", "in", [program, ALL_PROGRAMS])
    .where("users.disabled_at", "is", null)
    .orderBy("users.email")
    .execute();
  const members = new Map<string, TeamMember>();
  for (const row of rows) {
    const role = higherRole(members.get(row.id)?.role, row.role) ?? row.role;
    members.set(row.id, { id: row.id, email: row.email, role });
  }
  return [...members.values()];
}

/** The email address of each user id that exists (for showing assignees, followers, authors). */
export async function emailsOf(store: Store, userIds: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return new Map();
  const rows = await store.db.selectFrom("users").select(["id", "email"]).where("id", "in", ids).execute();
  return new Map(rows.map((row) => [row.id, row.email]));
}
