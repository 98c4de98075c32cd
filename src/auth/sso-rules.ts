import { ALL_PROGRAMS, higherRole, type Membership, type Role } from "./staff.js";

/**
 * The rules of single sign-on, pure (values in, decisions out; src/commands/sso-sign-in.ts does
 * the reading and writing):
 *
 * - which roles a provider's groups give (`rolesFromGroups`);
 * - how a member's roles follow the groups at each sign-in (`planRoleSync`): the roles the
 *   provider gave are brought in line with the groups the member has now; roles given by hand
 *   are never touched;
 * - policy `team.requireSso`: which programs a session may use, by how it signed in
 *   (`withoutSsoPrograms`), and whether a member may sign in with a password at all
 *   (`passwordRefusedBy`).
 */

/** A group → roles mapping of one provider (src/oidc-setting.ts). */
export type GroupMapping = ReadonlyMap<string, readonly Membership[]>;

/** The role per program the member's groups give; several groups on one program: the highest. */
export function rolesFromGroups(groups: readonly string[], mapping: GroupMapping): Map<string, Role> {
  const roles = new Map<string, Role>();
  for (const group of new Set(groups))
    for (const { program, role } of mapping.get(group) ?? []) {
      const best = higherRole(roles.get(program), role);
      if (best !== undefined) roles.set(program, best);
    }
  return roles;
}

/** One change to a member's roles on one program, and whether the provider owns it afterwards. */
export type RoleChange =
  /** A membership the provider gives (new, or its role changed). */
  | { kind: "grant"; program: string; from: Role | null; to: Role }
  /** A membership the provider gave and the groups no longer give: it goes. */
  | { kind: "revoke"; program: string; role: Role }
  /** The provider's record of a grant goes, the membership stays (someone changed it by hand). */
  | { kind: "forget"; program: string };

/**
 * What to change so that the roles the provider gave match `wanted` (from the groups now).
 * `memberships`: the member's roles now; `granted`: which of them this provider gave, with the
 * role it gave. A membership the provider gave whose role was changed by hand since is the
 * team's now: it is forgotten as a grant and left alone. A membership given by hand is left
 * alone too, even when the groups would give a different role on that program.
 */
export function planRoleSync(input: {
  wanted: ReadonlyMap<string, Role>;
  memberships: ReadonlyMap<string, Role>;
  granted: ReadonlyMap<string, Role>;
}): RoleChange[] {
  const { wanted, memberships, granted } = input;
  const changes: RoleChange[] = [];
  const programs = [...new Set([...wanted.keys(), ...granted.keys()])].sort();
  for (const program of programs) {
    const want = wanted.get(program);
    const have = memberships.get(program);
    const gave = granted.get(program);
    const ours = gave !== undefined && have === gave;
    if (gave !== undefined && have !== undefined && !ours) {
      changes.push({ kind: "forget", program });
      continue;
    }
    if (want === undefined) {
      if (ours) changes.push({ kind: "revoke", program, role: have });
      else if (gave !== undefined) changes.push({ kind: "forget", program }); // membership gone meanwhile
      continue;
    }
    if (have === undefined) changes.push({ kind: "grant", program, from: null, to: want });
    else if (ours && have !== want) changes.push({ kind: "grant", program, from: have, to: want });
    // else: the provider's grant is as wanted, or the membership was given by hand.
  }
  return changes;
}

/** The memberships after `changes` (to know whether any role is left). */
export function applyRoleChanges(
  memberships: ReadonlyMap<string, Role>,
  changes: readonly RoleChange[],
): Map<string, Role> {
  const after = new Map(memberships);
  for (const change of changes) {
    if (change.kind === "grant") after.set(change.program, change.to);
    else if (change.kind === "revoke") after.delete(change.program);
  }
  return after;
}

/** Policy `team.requireSso`: absent or false, any provider (true), or the provider with this id. */
export type SsoRequirement = boolean | string | undefined;

export interface ProgramSso {
  slug: string;
  requireSso?: SsoRequirement;
}

/** Whether a session signed in with `provider` (null: not by SSO) meets a program's requirement. */
export function meetsSso(requirement: SsoRequirement, provider: string | null): boolean {
  if (requirement === undefined || requirement === false) return true;
  if (provider === null) return false;
  return requirement === true || requirement === provider;
}

/**
 * The roles a session may use, given how it signed in: none on a program whose `requireSso` the
 * session does not meet. A `*` role is narrowed to the programs it meets (as usableRoles does
 * for the second factor).
 */
export function withoutSsoPrograms(
  roles: ReadonlyMap<string, Role>,
  programs: readonly ProgramSso[],
  provider: string | null,
): Map<string, Role> {
  const withheld = new Set(programs.filter((p) => !meetsSso(p.requireSso, provider)).map((p) => p.slug));
  if (withheld.size === 0) return new Map(roles);
  const usable = new Map<string, Role>();
  const put = (program: string, role: Role) => {
    const best = higherRole(usable.get(program), role);
    if (best !== undefined) usable.set(program, best);
  };
  for (const [program, role] of roles) {
    if (program !== ALL_PROGRAMS) {
      if (!withheld.has(program)) put(program, role);
    } else for (const p of programs) if (!withheld.has(p.slug)) put(p.slug, role);
  }
  return usable;
}

/**
 * The first program among the member's own memberships that requires SSO: a password does not
 * sign them in. A `*` membership alone does not refuse the password (the installation's
 * administrators keep a way in when the provider is down); withoutSsoPrograms still keeps them
 * out of the programs that require SSO.
 */
export function passwordRefusedBy(
  memberships: readonly Pick<Membership, "program">[],
  programs: readonly ProgramSso[],
): ProgramSso | undefined {
  const own = new Set(memberships.map((m) => m.program));
  return programs.find((p) => own.has(p.slug) && !meetsSso(p.requireSso, null));
}

/**
 * What the configured providers and the program policies say of each other that cannot work:
 * a `team.requireSso` naming a provider that is not configured (or `true` with none at all)
 * would keep every member out of that program, and a group mapping naming a program no policy
 * defines would give roles on nothing. Checked at start (src/server.ts: the start stops) and at
 * every policy reload (src/programs/reload.ts: the reload is refused, the old set stays).
 */
export function ssoSetupProblems(
  providers: readonly { id: string; groups: ReadonlyMap<string, readonly { program: string }[]> }[],
  programs: readonly ProgramSso[],
): string[] {
  const problems: string[] = [];
  const ids = providers.map((p) => p.id);
  const configured = ids.length === 0 ? "none is configured" : `configured: ${ids.join(", ")}`;
  for (const { slug, requireSso } of programs) {
    if (typeof requireSso === "string" && !ids.includes(requireSso))
      problems.push(
        `program "${slug}": team.requireSso names the identity provider "${requireSso}", which is not configured (${configured}; EMBARGO_OIDC_PROVIDERS)`,
      );
    if (requireSso === true && ids.length === 0)
      problems.push(`program "${slug}": team.requireSso is true, but no identity provider is configured`);
  }
  const slugs = new Set(programs.map((p) => p.slug));
  for (const provider of providers)
    for (const [group, grants] of provider.groups)
      for (const { program } of grants)
        if (program !== ALL_PROGRAMS && !slugs.has(program))
          problems.push(
            `identity provider "${provider.id}": group "${group}" gives a role on program "${program}", which no policy defines`,
          );
  return problems;
}

/** Each policy's slug and `team.requireSso`, as ssoSetupProblems takes them. */
export function programsSso(
  policies: readonly { policy: { program: { slug: string }; team: { requireSso?: SsoRequirement } } }[],
): ProgramSso[] {
  return policies.map(({ policy }) => ({ slug: policy.program.slug, requireSso: policy.team.requireSso }));
}
