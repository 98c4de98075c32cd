/**
 * Who a staff request acts as, and the rules that turn memberships into roles. Pure: no I/O.
 *
 * A membership gives a user a role on one program (its slug) or on every program (`*`). Roles
 * are ordered viewer < responder < admin; where several apply, the highest wins.
 */
export const ROLES = ["viewer", "responder", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** A program slug or `*` (every program). */
export const ALL_PROGRAMS = "*";

export interface Membership {
  program: string;
  role: Role;
}

/** The identity of a request made by a member of staff (set by src/web/staff-session.ts). */
export interface Staff {
  userId: string;
  email: string;
  /** The second factor was checked: a TOTP or recovery code at sign-in, or an API token. */
  twoFactor: boolean;
  /**
   * Role per program slug or `*`. Programs whose policy requires two-factor sign-in are left
   * out (and `*` is narrowed to the other programs) when `twoFactor` is false.
   */
  roles: Map<string, Role>;
  /** Set when the request came with an API token (which acts for its creator, narrowed to one program and role). */
  apiTokenId?: string;
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/** The higher of two roles (undefined counts as none). */
export function higherRole(a: Role | undefined, b: Role | undefined): Role | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return roleRank(a) >= roleRank(b) ? a : b;
}

/** The role `staff` has on `program`: its own membership or `*`, whichever is higher. */
export function roleFor(staff: Pick<Staff, "roles">, program: string): Role | undefined {
  const own = program === ALL_PROGRAMS ? undefined : staff.roles.get(program);
  return higherRole(own, staff.roles.get(ALL_PROGRAMS));
}

/** True when `staff` has at least `minimum` on `program`. */
export function hasRole(staff: Pick<Staff, "roles">, program: string, minimum: Role): boolean {
  const role = roleFor(staff, program);
  return role !== undefined && roleRank(role) >= roleRank(minimum);
}

/** What the two-factor rule needs to know about a program. */
export interface ProgramTwoFactor {
  slug: string;
  requireTwoFactor: boolean;
}

/**
 * Policy `team.requireTwoFactor`: a user must use TOTP when any program they are a member of
 * requires it. A `*` membership covers every program, so it needs TOTP as soon as one does.
 */
export function twoFactorRequired(
  memberships: readonly Pick<Membership, "program">[],
  programs: readonly ProgramTwoFactor[],
): boolean {
  const requiring = new Set(programs.filter((p) => p.requireTwoFactor).map((p) => p.slug));
  return memberships.some((m) =>
    m.program === ALL_PROGRAMS ? requiring.size > 0 : requiring.has(m.program),
  );
}

/**
 * The roles a session may use. With the second factor passed, every membership; without it,
 * none on a program that requires two-factor sign-in: such a program cannot be used until the
 * user has enrolled TOTP and signed in with it. A `*` membership is then narrowed to the
 * programs that do not require it.
 */
export function usableRoles(
  memberships: readonly Membership[],
  programs: readonly ProgramTwoFactor[],
  twoFactor: boolean,
): Map<string, Role> {
  const roles = new Map<string, Role>();
  const put = (program: string, role: Role) => {
    const best = higherRole(roles.get(program), role);
    if (best !== undefined) roles.set(program, best);
  };
  const requiring = new Set(programs.filter((p) => p.requireTwoFactor).map((p) => p.slug));
  for (const { program, role } of memberships) {
    if (twoFactor) put(program, role);
    else if (program !== ALL_PROGRAMS) {
      if (!requiring.has(program)) put(program, role);
    } else if (requiring.size === 0) put(ALL_PROGRAMS, role);
    else for (const p of programs) if (!p.requireTwoFactor) put(p.slug, role);
  }
  return roles;
}
