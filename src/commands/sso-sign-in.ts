import type { Kysely } from "kysely";
import type { OidcIdentity } from "../auth/oidc-client.js";
import {
  appendSecurityEvents,
  logSecurityEvents,
  pseudonym,
  type SecurityEvent,
} from "../auth/security-log.js";
import { createSession, deleteSession } from "../auth/sessions.js";
import { applyRoleChanges, type GroupMapping, planRoleSync, rolesFromGroups } from "../auth/sso-rules.js";
import { type Role, type TwoFactorLevel, twoFactorRequirement } from "../auth/staff.js";
import { emailProblem, insertUser, membershipsOf, normalizeEmail } from "../auth/users.js";
import type { Store } from "../store/database.js";
import { randomId } from "../store/ids.js";
import type { DatabaseSchema } from "../store/schema.js";
import { keysOf, type NewSession } from "./sign-in.js";

/**
 * Signing a member of staff in with what an identity provider vouched for (the web route ran the
 * OpenID Connect flow: src/auth/oidc-client.ts). The provider's word is taken only for a
 * verified email address. The member is the account with that address; without one, an account
 * is made when the provider's groups give a role here (and not otherwise). At every sign-in the
 * roles the provider gave follow the groups (src/auth/sso-rules.ts): a group gone, its role is
 * gone. The session ends no later than the provider's ID token. Every sign-in, refusal, new
 * account and role change is in the security log.
 *
 * The provider is trusted with the second factor: a session it signs in meets a program's
 * `team.requireTwoFactor: true` (enforce MFA there), not `passkey`.
 */
export interface SsoSignInDeps {
  store: Store;
  programs: {
    all(): readonly {
      policy: { program: { slug: string }; team: { requireTwoFactor: TwoFactorLevel } };
    }[];
  };
  powKey: Buffer;
}

export interface SsoAttempt {
  provider: { id: string; groups: GroupMapping };
  identity: OidcIdentity;
  /** The client's address (logged only as a pseudonym). */
  address: string;
  /** The browser's current session cookie, if any: ended when the sign-in succeeds. */
  previousSession?: string;
  clock: () => Date;
}

export type SsoRefusal =
  /** The provider does not vouch for the address (or gave none). */
  | "email-unverified"
  /** The account is disabled or removed here. */
  | "disabled"
  /** No account here, and no group of theirs gives a role; or their last role went with a group. */
  | "no-role"
  /** The provider's ID token has expired already (by this server's clock). */
  | "expired";

export type SsoDecision =
  | {
      outcome: "signed-in";
      userId: string;
      session: NewSession;
      /** The account was made now, from the groups. */
      provisioned: boolean;
      /** A program of theirs requires a passkey: the passkeys page comes first. */
      mustUsePasskey: boolean;
    }
  | { outcome: "refused"; reason: SsoRefusal };

export async function signInWithSso(deps: SsoSignInDeps, attempt: SsoAttempt): Promise<SsoDecision> {
  const { store } = deps;
  const { identity, provider, clock } = attempt;
  const now = clock();
  const keys = keysOf(deps, clock);
  const base = { method: "oidc", provider: provider.id, address: keys.address(attempt.address) };
  const refuse = async (reason: SsoRefusal, subject: string | null, email?: string): Promise<SsoDecision> => {
    await logSecurityEvents(store, {
      type: "signin.failed",
      actor: "anonymous",
      subject,
      payload: {
        ...base,
        step: "oidc",
        reason,
        // No account: the address is named by a pseudonym only, as at the password step.
        ...(subject === null && email !== undefined
          ? { emailPseudonym: pseudonym(keys.pseudonymKey, "email", email) }
          : {}),
      },
      at: now,
    });
    return { outcome: "refused", reason };
  };

  const email = identity.email === undefined ? undefined : normalizeEmail(identity.email);
  if (email === undefined || !identity.emailVerified || emailProblem(email) !== undefined)
    return refuse("email-unverified", null, email);
  if (identity.expiresAt.getTime() <= now.getTime()) return refuse("expired", null, email);

  const wanted = rolesFromGroups(identity.groups, provider.groups);
  const actor = "system";
  type Outcome = { refused: SsoRefusal; userId: string | null } | { userId: string; provisioned: boolean };
  const result = await store.transaction(async (trx): Promise<Outcome> => {
    const user = await trx
      .selectFrom("users")
      .select(["id", "disabled_at"])
      .where("email", "=", email)
      .executeTakeFirst();
    if (user !== undefined && user.disabled_at !== null) return { refused: "disabled", userId: user.id };
    if (user === undefined) {
      if (wanted.size === 0) return { refused: "no-role", userId: null };
      const userId = randomId();
      await insertUser(trx, userId, email, now);
      const grants = [...wanted].map(([program, role]) => ({ program, role }));
      await trx
        .insertInto("memberships")
        .values(grants.map((g) => ({ user_id: userId, ...g })))
        .execute();
      await trx
        .insertInto("sso_grants")
        .values(
          grants.map((g) => ({
            user_id: userId,
            ...g,
            provider: provider.id,
            granted_at: now.toISOString(),
          })),
        )
        .execute();
      await appendSecurityEvents(trx, store.dialect, [
        {
          type: "user.created",
          actor,
          subject: userId,
          payload: { email, memberships: grants, provider: provider.id, providerSubject: identity.subject },
          at: now,
        },
      ]);
      return { userId, provisioned: true };
    }
    const rolesLeft = await syncRoles(trx, store, { userId: user.id, providerId: provider.id, wanted, now });
    if (rolesLeft === 0) return { refused: "no-role", userId: user.id };
    return { userId: user.id, provisioned: false };
  });
  if ("refused" in result) return refuse(result.refused, result.userId, email);

  if (attempt.previousSession !== undefined) await deleteSession(store, attempt.previousSession);
  const session = await createSession(store, {
    userId: result.userId,
    twoFactorPassed: true,
    ssoProvider: provider.id,
    notAfter: identity.expiresAt,
    now,
  });
  await logSecurityEvents(store, {
    type: "signin.succeeded",
    actor: `user:${result.userId}`,
    subject: result.userId,
    payload: { ...base, providerSubject: identity.subject },
    at: now,
  });
  const memberships = await membershipsOf(store.db, result.userId);
  const programs = deps.programs
    .all()
    .map((p) => ({ slug: p.policy.program.slug, requireTwoFactor: p.policy.team.requireTwoFactor }));
  return {
    outcome: "signed-in",
    userId: result.userId,
    session,
    provisioned: result.provisioned,
    mustUsePasskey: twoFactorRequirement(memberships, programs) === "passkey",
  };
}

/**
 * Brings the roles this provider gave `userId` in line with `wanted`, in the caller's
 * transaction, each change logged. Returns how many roles the member has afterwards.
 */
async function syncRoles(
  trx: Kysely<DatabaseSchema>,
  store: Store,
  input: { userId: string; providerId: string; wanted: ReadonlyMap<string, Role>; now: Date },
): Promise<number> {
  const { userId, providerId, now } = input;
  const memberships = new Map(
    (await membershipsOf(trx, userId)).map((m) => [m.program, m.role] as [string, Role]),
  );
  const grantRows = await trx
    .selectFrom("sso_grants")
    .select(["program", "role"])
    .where("user_id", "=", userId)
    .where("provider", "=", providerId)
    .execute();
  const granted = new Map(grantRows.map((row) => [row.program, row.role] as [string, Role]));
  const changes = planRoleSync({ wanted: input.wanted, memberships, granted });
  const events: SecurityEvent[] = [];
  for (const change of changes) {
    const { program } = change;
    if (change.kind === "grant") {
      await trx
        .insertInto("memberships")
        .values({ user_id: userId, program, role: change.to })
        .onConflict((c) => c.columns(["user_id", "program"]).doUpdateSet({ role: change.to }))
        .execute();
      await trx
        .insertInto("sso_grants")
        .values({
          user_id: userId,
          program,
          provider: providerId,
          role: change.to,
          granted_at: now.toISOString(),
        })
        .onConflict((c) =>
          c
            .columns(["user_id", "program"])
            .doUpdateSet({ provider: providerId, role: change.to, granted_at: now.toISOString() }),
        )
        .execute();
      events.push({
        type: "user.role-changed",
        actor: "system",
        subject: userId,
        payload: { program, from: change.from, to: change.to, provider: providerId },
        at: now,
      });
      continue;
    }
    await trx.deleteFrom("sso_grants").where("user_id", "=", userId).where("program", "=", program).execute();
    if (change.kind === "revoke") {
      await trx
        .deleteFrom("memberships")
        .where("user_id", "=", userId)
        .where("program", "=", program)
        .execute();
      events.push({
        type: "user.membership-removed",
        actor: "system",
        subject: userId,
        payload: { program, role: change.role, provider: providerId, reason: "group-removed" },
        at: now,
      });
    }
  }
  await appendSecurityEvents(trx, store.dialect, events);
  return applyRoleChanges(memberships, changes).size;
}

/**
 * A sign-in that failed before the provider vouched for anyone (an answer this browser did not
 * ask for, a code the provider refused, a check that failed): logged with its reason, no person.
 */
export async function logSsoFailure(
  deps: Pick<SsoSignInDeps, "store" | "powKey">,
  input: { provider: string; reason: string; address: string; clock: () => Date },
): Promise<void> {
  const keys = keysOf(deps, input.clock);
  await logSecurityEvents(deps.store, {
    type: "signin.failed",
    actor: "anonymous",
    subject: null,
    payload: {
      method: "oidc",
      provider: input.provider,
      step: "oidc",
      reason: input.reason,
      address: keys.address(input.address),
    },
    at: input.clock(),
  });
}
