import { randomBytes } from "node:crypto";
import type { Store } from "../store/database.js";
import { sha256Hex } from "../store/ids.js";
import type { SessionsTable } from "../store/schema.js";

/**
 * Browser sessions. The cookie holds 32 random bytes (base64url); the database holds only their
 * sha-256, so a copy of the database cannot be used to sign in. A session ends after
 * SESSION_IDLE_MS without a request, SESSION_ABSOLUTE_MS after sign-in whatever happens, or at
 * sign-out. A new id is made at every sign-in step (never reused from before: no fixation).
 *
 * A session whose user has TOTP enabled (or a passkey) but has not passed it yet is "pending": it
 * only lets the browser reach the second step's page, and lives PENDING_SESSION_MS.
 */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 3600_000;
export const PENDING_SESSION_MS = 10 * 60_000;
/** last_seen_at is written at most this often (a write per request would be wasteful). */
export const TOUCH_INTERVAL_MS = 60_000;

const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

export type SessionRow = SessionsTable;

export function sessionIdHash(cookieValue: string): string {
  return sha256Hex(cookieValue);
}

/** Starts a session; returns the cookie value (shown to the browser only) and when it ends. */
export async function createSession(
  store: Store,
  input: {
    userId: string;
    twoFactorPassed: boolean;
    pending?: boolean;
    /** How the second factor was passed: a program may require a passkey. */
    secondFactor?: "totp" | "recovery-code" | "passkey";
    /** Signed in through this identity provider (single sign-on; policy `team.requireSso`). */
    ssoProvider?: string;
    /** The session ends by then at the latest (the provider's ID token's expiry). */
    notAfter?: Date;
    now: Date;
  },
): Promise<{ cookieValue: string; expiresAt: Date }> {
  const cookieValue = randomBytes(32).toString("base64url");
  const lifetime = input.pending === true ? PENDING_SESSION_MS : SESSION_ABSOLUTE_MS;
  const usual = input.now.getTime() + lifetime;
  const expiresAt = new Date(
    input.notAfter === undefined ? usual : Math.min(usual, input.notAfter.getTime()),
  );
  const now = input.now.toISOString();
  await store.db
    .insertInto("sessions")
    .values({
      id_hash: sessionIdHash(cookieValue),
      user_id: input.userId,
      created_at: now,
      last_seen_at: now,
      expires_at: expiresAt.toISOString(),
      two_factor_passed: input.twoFactorPassed ? 1 : 0,
      pending: input.pending === true ? 1 : 0,
      second_factor: input.twoFactorPassed ? (input.secondFactor ?? null) : null,
      ...(input.ssoProvider === undefined ? {} : { sso_provider: input.ssoProvider }),
    })
    .execute();
  // Housekeeping on a path that is rare: this user's ended sessions.
  await store.db
    .deleteFrom("sessions")
    .where("user_id", "=", input.userId)
    .where("expires_at", "<=", now)
    .execute();
  return { cookieValue, expiresAt };
}

/** Why a session is not usable, or undefined when it is. */
export function sessionEnded(session: SessionRow, now: Date): "expired" | "idle" | undefined {
  if (now.toISOString() >= session.expires_at) return "expired";
  if (now.getTime() - new Date(session.last_seen_at).getTime() >= SESSION_IDLE_MS) return "idle";
  return undefined;
}

/** The live session behind a cookie value; an ended one is deleted and not returned. */
export async function findSession(
  store: Store,
  cookieValue: string,
  now: Date,
): Promise<SessionRow | undefined> {
  if (!COOKIE_VALUE.test(cookieValue)) return undefined;
  const idHash = sessionIdHash(cookieValue);
  const session = await store.db
    .selectFrom("sessions")
    .selectAll()
    .where("id_hash", "=", idHash)
    .executeTakeFirst();
  if (session === undefined) return undefined;
  if (sessionEnded(session, now) !== undefined) {
    await store.db.deleteFrom("sessions").where("id_hash", "=", idHash).execute();
    return undefined;
  }
  return session;
}

/** Notes activity (for the idle time-out), at most once per TOUCH_INTERVAL_MS. */
export async function touchSession(store: Store, session: SessionRow, now: Date): Promise<void> {
  if (now.getTime() - new Date(session.last_seen_at).getTime() < TOUCH_INTERVAL_MS) return;
  await store.db
    .updateTable("sessions")
    .set({ last_seen_at: now.toISOString() })
    .where("id_hash", "=", session.id_hash)
    .execute();
}

export async function deleteSession(store: Store, cookieValue: string): Promise<void> {
  if (!COOKIE_VALUE.test(cookieValue)) return;
  await store.db.deleteFrom("sessions").where("id_hash", "=", sessionIdHash(cookieValue)).execute();
}

export async function deleteUserSessions(store: Store, userId: string): Promise<void> {
  await store.db.deleteFrom("sessions").where("user_id", "=", userId).execute();
}

/** Marks the session as having passed the second factor (after enrolling TOTP from the account page). */
export async function markTwoFactorPassed(store: Store, idHash: string): Promise<void> {
  await store.db
    .updateTable("sessions")
    .set({ two_factor_passed: 1 })
    .where("id_hash", "=", idHash)
    .execute();
}

/** Marks the session as having signed in with a passkey (after adding one from the account page). */
export async function markPasskeyPassed(store: Store, idHash: string): Promise<void> {
  await store.db
    .updateTable("sessions")
    .set({ two_factor_passed: 1, second_factor: "passkey" })
    .where("id_hash", "=", idHash)
    .execute();
}

/** Deletes every ended session (for a periodic job; sign-in also cleans up per user). */
export async function deleteEndedSessions(store: Store, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - SESSION_IDLE_MS).toISOString();
  const result = await store.db
    .deleteFrom("sessions")
    .where((eb) => eb.or([eb("expires_at", "<=", now.toISOString()), eb("last_seen_at", "<=", cutoff)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
