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
  /** `assigned`: the role covers only the cases assigned to the member or their team group (absent: all). */
  scope?: MembershipScope;
}

export const MEMBERSHIP_SCOPES = ["all", "assigned"] as const;
export type MembershipScope = (typeof MEMBERSHIP_SCOPES)[number];

/** The identity of a request made by a member of staff (set by src/web/staff-session.ts). */
export interface Staff {
  userId: string;
  email: string;
  /** The second factor was checked: a TOTP or recovery code at sign-in, or an API token. */
  twoFactor: boolean;
  /** The session signed in with a passkey (phishing-resistant): `team.requireTwoFactor: passkey`. */
  passkey?: boolean;
  /**
   * Role per program slug or `*`. Programs whose policy requires two-factor sign-in are left
   * out (and `*` is narrowed to the other programs) when `twoFactor` is false.
   */
  roles: Map<string, Role>;
  /**
   * Programs where the member's role covers only some cases (src/auth/assigned-scope.ts): the
   * assignee values that are theirs there (their user id, `group:<id>` of their team groups).
   */
  assignedOnly?: ReadonlyMap<string, readonly string[]>;
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

/**
 * Policy `team.requireTwoFactor`, and how strongly a session signed in, on one scale: `false`
 * (a password), `true` (a second factor: TOTP, a recovery code or a passkey), `"passkey"` (a
 * passkey: phishing-resistant, as a code typed into a look-alike site is not).
 */
export type TwoFactorLevel = boolean | "passkey";

/** What the two-factor rule needs to know about a program. */
export interface ProgramTwoFactor {
  slug: string;
  requireTwoFactor: TwoFactorLevel;
}

const rank = (level: TwoFactorLevel): number => (level === "passkey" ? 2 : level ? 1 : 0);

/** Whether a session that signed in at `level` meets a program's `requirement`. */
export function meetsTwoFactor(requirement: TwoFactorLevel, level: TwoFactorLevel): boolean {
  return rank(level) >= rank(requirement);
}

/** How strongly `staff` signed in, on the requirement's scale. */
export function twoFactorLevelOf(staff: Pick<Staff, "twoFactor" | "passkey">): TwoFactorLevel {
  return staff.passkey === true ? "passkey" : staff.twoFactor;
}

/**
 * The strongest requirement among the programs of `memberships` (a `*` membership covers every
 * program, so it takes the strongest of all).
 */
export function twoFactorRequirement(
  memberships: readonly Pick<Membership, "program">[],
  programs: readonly ProgramTwoFactor[],
): TwoFactorLevel {
  const everywhere = memberships.some((m) => m.program === ALL_PROGRAMS);
  const own = new Set(memberships.map((m) => m.program));
  let strongest: TwoFactorLevel = false;
  for (const p of programs)
    if ((everywhere || own.has(p.slug)) && !meetsTwoFactor(p.requireTwoFactor, strongest))
      strongest = p.requireTwoFactor;
  return strongest;
}

/**
 * Policy `team.requireTwoFactor`: a user must use a second factor when any program they are a
 * member of requires it. A `*` membership covers every program, so it needs one as soon as one does.
 */
export function twoFactorRequired(
  memberships: readonly Pick<Membership, "program">[],
  programs: readonly ProgramTwoFactor[],
): boolean {
  return twoFactorRequirement(memberships, programs) !== false;
}

/**
 * The roles a session may use: none on a program whose requirement the session's sign-in does
 * not meet (a second factor, or a passkey): such a program cannot be used until the user has
 * enrolled one and signed in with it. A `*` membership is then narrowed to the programs whose
 * requirement it meets. `twoFactor` is the session's level (true/false: a second factor or not).
 */
export function usableRoles(
  memberships: readonly Membership[],
  programs: readonly ProgramTwoFactor[],
  twoFactor: TwoFactorLevel,
): Map<string, Role> {
  const roles = new Map<string, Role>();
  const put = (program: string, role: Role) => {
    const best = higherRole(roles.get(program), role);
    if (best !== undefined) roles.set(program, best);
  };
  const withheld = new Set(
    programs.filter((p) => !meetsTwoFactor(p.requireTwoFactor, twoFactor)).map((p) => p.slug),
  );
  for (const { program, role } of memberships) {
    if (program !== ALL_PROGRAMS) {
      if (!withheld.has(program)) put(program, role);
    } else if (withheld.size === 0) put(ALL_PROGRAMS, role);
    else for (const p of programs) if (!withheld.has(p.slug)) put(p.slug, role);
  }
  return roles;
}
