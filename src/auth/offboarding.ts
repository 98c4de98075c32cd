import type { Kysely, Transaction } from "kysely";
import type { Store } from "../store/database.js";
import type { DatabaseSchema } from "../store/schema.js";
import { appendSecurityEvents, type SecurityEvent } from "./security-log.js";
import { ALL_PROGRAMS, type Membership, type Role } from "./staff.js";
import { AccountError, insertSetupLink, membershipsOf, normalizeEmail, type UserRow } from "./users.js";

/**
 * Taking access away. Each command is one transaction that changes the account, ends what it
 * must end at once (browser sessions are deleted, API tokens revoked) and writes the security
 * log, so a member who is disabled, removed or reset cannot use a session or token they already
 * hold for even one more request. Every request checks the account anyway
 * (src/web/staff-session.ts, authenticateApiToken): a disabled account, or one without a
 * password, is refused whatever it presents.
 *
 * - disable: the account stays, with its roles, refused everywhere; `enable` undoes it (its
 *   revoked tokens stay revoked, its sessions stay ended).
 * - remove a membership: the role on one program (or `*`) goes, and with it the member's API
 *   tokens for programs where no role is left.
 * - remove: every role goes, the account is disabled and loses its password, second factor and
 *   pending links. The row stays: case timelines and the security log name people by their id,
 *   and must still say who did what.
 * - reset: the password is cleared at once (not when the link is used), sessions end, tokens
 *   are revoked, earlier unused links stop working, and a new one-time link is made.
 *
 * Their cases (assignments, follows) are released by offboarding-cases.ts, which needs the keys.
 * `actor` is `user:<id>` or `cli`, as in the rest of the security log.
 */
export interface AccessEnded {
  sessionsEnded: number;
  tokensRevoked: number;
}

interface Command {
  userId: string;
  actor: string;
  now: Date;
}

export async function requireUserByEmail(store: Store, email: string): Promise<UserRow> {
  const normalized = normalizeEmail(email);
  const user = await store.db
    .selectFrom("users")
    .selectAll()
    .where("email", "=", normalized)
    .executeTakeFirst();
  if (user === undefined) throw new AccountError("no_such_user", `no user with the email ${normalized}`);
  return user;
}

async function lockedUser(trx: Transaction<DatabaseSchema>, store: Store, userId: string): Promise<UserRow> {
  const query = trx.selectFrom("users").selectAll().where("id", "=", userId);
  const user = await (store.dialect === "postgres" ? query.forUpdate() : query).executeTakeFirst();
  if (user === undefined) throw new AccountError("no_such_user", "no such user");
  return user;
}

async function endSessions(trx: Kysely<DatabaseSchema>, userId: string): Promise<number> {
  const result = await trx.deleteFrom("sessions").where("user_id", "=", userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Revokes the user's live API tokens (all, or those of `programs`) and returns one log event per
 * token. Tokens act for whoever created them, so "the user's tokens" are those they created.
 */
async function revokeTokens(
  trx: Kysely<DatabaseSchema>,
  command: Command,
  reason: string,
  programs?: readonly string[],
): Promise<SecurityEvent[]> {
  if (programs !== undefined && programs.length === 0) return [];
  const live = await trx
    .selectFrom("api_tokens")
    .select(["id", "program"])
    .where("created_by", "=", command.userId)
    .where("revoked_at", "is", null)
    .$if(programs !== undefined, (q) => q.where("program", "in", programs ?? []))
    .execute();
  if (live.length === 0) return [];
  await trx
    .updateTable("api_tokens")
    .set({ revoked_at: command.now.toISOString() })
    .where(
      "id",
      "in",
      live.map((token) => token.id),
    )
    .where("revoked_at", "is", null)
    .execute();
  return live.map((token) => ({
    type: "api-token.revoked",
    actor: command.actor,
    subject: command.userId,
    payload: { tokenId: token.id, program: token.program, reason },
    at: command.now,
  }));
}

/** Cancels the user's unused setup and reset links (a leaked older link must not outlive a reset). */
async function cancelLinks(trx: Kysely<DatabaseSchema>, userId: string): Promise<number> {
  const result = await trx
    .deleteFrom("setup_tokens")
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Refuses the account everywhere at once. Disabling twice changes nothing more. */
export async function disableUser(
  store: Store,
  command: Command,
): Promise<AccessEnded & { changed: boolean }> {
  return store.transaction(async (trx) => {
    const user = await lockedUser(trx, store, command.userId);
    const changed = user.disabled_at === null;
    if (changed)
      await trx
        .updateTable("users")
        .set({ disabled_at: command.now.toISOString() })
        .where("id", "=", user.id)
        .execute();
    // Even when it was disabled already: whatever is still live ends now.
    const sessionsEnded = await endSessions(trx, user.id);
    const revoked = await revokeTokens(trx, command, "user-disabled");
    const events: SecurityEvent[] = [...revoked];
    if (changed)
      events.unshift({
        type: "user.disabled",
        actor: command.actor,
        subject: user.id,
        payload: { sessionsEnded, tokensRevoked: revoked.length },
        at: command.now,
      });
    await appendSecurityEvents(trx, store.dialect, events);
    return { changed, sessionsEnded, tokensRevoked: revoked.length };
  });
}

/** Lets a disabled account sign in again with its password. Its revoked tokens stay revoked. */
export async function enableUser(store: Store, command: Command): Promise<{ changed: boolean }> {
  return store.transaction(async (trx) => {
    const user = await lockedUser(trx, store, command.userId);
    if (user.disabled_at === null) return { changed: false };
    await trx.updateTable("users").set({ disabled_at: null }).where("id", "=", user.id).execute();
    await appendSecurityEvents(trx, store.dialect, [
      { type: "user.enabled", actor: command.actor, subject: user.id, payload: {}, at: command.now },
    ]);
    return { changed: true };
  });
}

/** Revokes every live API token the user made. */
export async function revokeUserTokens(store: Store, command: Command): Promise<{ tokensRevoked: number }> {
  return store.transaction(async (trx) => {
    await lockedUser(trx, store, command.userId);
    const revoked = await revokeTokens(trx, command, "revoked-by-administrator");
    await appendSecurityEvents(trx, store.dialect, revoked);
    return { tokensRevoked: revoked.length };
  });
}

/**
 * Clears the password at once and makes a one-time link to choose a new one (the second factor,
 * when enrolled, is kept and asked for at sign-in as before).
 */
export async function resetPassword(
  store: Store,
  command: Command,
): Promise<AccessEnded & { token: string; expiresAt: Date }> {
  return store.transaction(async (trx) => {
    const user = await lockedUser(trx, store, command.userId);
    if (user.disabled_at !== null)
      throw new AccountError(
        "user_disabled",
        `${user.email} is disabled: enable the account first (embargo user enable ${user.email})`,
      );
    await trx.updateTable("users").set({ password_hash: null }).where("id", "=", user.id).execute();
    const sessionsEnded = await endSessions(trx, user.id);
    const revoked = await revokeTokens(trx, command, "password-reset");
    const linksCancelled = await cancelLinks(trx, user.id);
    const link = await insertSetupLink(trx, user.id, {
      now: command.now,
      actor: command.actor,
      purpose: "reset",
    });
    await appendSecurityEvents(trx, store.dialect, [
      {
        type: "user.password-reset",
        actor: command.actor,
        subject: user.id,
        payload: { sessionsEnded, tokensRevoked: revoked.length, linksCancelled },
        at: command.now,
      },
      ...revoked,
      link.event,
    ]);
    return { sessionsEnded, tokensRevoked: revoked.length, token: link.token, expiresAt: link.expiresAt };
  });
}

/** True when `memberships` give some role on `program`. */
export function keepsProgram(memberships: readonly Membership[], program: string): boolean {
  return memberships.some((m) => m.program === ALL_PROGRAMS || m.program === program);
}

/**
 * Removes the user's role on `program` (a slug or `*`), and revokes their API tokens for the
 * programs where they have no role left. Sessions stay: roles are read at every request.
 */
export async function removeMembership(
  store: Store,
  command: Command & { program: string },
): Promise<{ removed: Role | undefined; remaining: Membership[]; tokensRevoked: number }> {
  return store.transaction(async (trx) => {
    const user = await lockedUser(trx, store, command.userId);
    const removed = await trx
      .deleteFrom("memberships")
      .where("user_id", "=", user.id)
      .where("program", "=", command.program)
      .returning("role")
      .executeTakeFirst();
    const remaining = await membershipsOf(trx, user.id);
    if (removed === undefined) return { removed: undefined, remaining, tokensRevoked: 0 };
    const tokenPrograms = await trx
      .selectFrom("api_tokens")
      .select("program")
      .distinct()
      .where("created_by", "=", user.id)
      .where("revoked_at", "is", null)
      .execute();
    const lost = tokenPrograms.map((t) => t.program).filter((program) => !keepsProgram(remaining, program));
    const revoked = await revokeTokens(trx, command, "membership-removed", lost);
    await appendSecurityEvents(trx, store.dialect, [
      {
        type: "user.membership-removed",
        actor: command.actor,
        subject: user.id,
        payload: { program: command.program, role: removed.role, tokensRevoked: revoked.length },
        at: command.now,
      },
      ...revoked,
    ]);
    return { removed: removed.role, remaining, tokensRevoked: revoked.length };
  });
}

/**
 * Removes the member altogether: every role, the password, the second factor, pending links,
 * sessions and tokens; the account is disabled. The row is kept (see above).
 */
export async function removeUser(
  store: Store,
  command: Command,
): Promise<AccessEnded & { memberships: Membership[] }> {
  return store.transaction(async (trx) => {
    const user = await lockedUser(trx, store, command.userId);
    const memberships = await membershipsOf(trx, user.id);
    await trx.deleteFrom("memberships").where("user_id", "=", user.id).execute();
    await trx
      .updateTable("users")
      .set({
        disabled_at: user.disabled_at ?? command.now.toISOString(),
        password_hash: null,
        totp_secret_ct: null,
        totp_enabled: 0,
        recovery_codes_json: "[]",
      })
      .where("id", "=", user.id)
      .execute();
    // Passkeys are a second factor too (and would sign in alone): they go with the rest.
    await trx.deleteFrom("webauthn_credentials").where("user_id", "=", user.id).execute();
    const sessionsEnded = await endSessions(trx, user.id);
    const revoked = await revokeTokens(trx, command, "user-removed");
    const linksCancelled = await cancelLinks(trx, user.id);
    await appendSecurityEvents(trx, store.dialect, [
      {
        type: "user.removed",
        actor: command.actor,
        subject: user.id,
        payload: {
          memberships: memberships.map((m) => ({ program: m.program, role: m.role })),
          sessionsEnded,
          tokensRevoked: revoked.length,
          linksCancelled,
        },
        at: command.now,
      },
      ...revoked,
    ]);
    return { memberships, sessionsEnded, tokensRevoked: revoked.length };
  });
}
