import type { Store } from "../store/database.js";

/**
 * Deletes the sign-in ceremonies begun and never finished whose time is up: passkey challenges
 * (`webauthn_challenges`, src/auth/passkey-challenges.ts) and sign-ins sent to an identity
 * provider (`oidc_logins`, src/auth/oidc-logins.ts). Starting a new ceremony already deletes
 * the expired ones, but only when someone starts one: after a burst followed by quiet, rows
 * would stay. The job runner calls this periodically, so the tables hold only live ceremonies
 * whatever the traffic. An expired row answers nothing anyway (taking one checks the time), so
 * deleting it changes no outcome.
 */
export async function deleteExpiredCeremonies(
  store: Store,
  now: Date,
): Promise<{ challenges: number; logins: number }> {
  const at = now.toISOString();
  const challenges = await store.db
    .deleteFrom("webauthn_challenges")
    .where("expires_at", "<=", at)
    .executeTakeFirst();
  const logins = await store.db.deleteFrom("oidc_logins").where("expires_at", "<=", at).executeTakeFirst();
  return { challenges: Number(challenges.numDeletedRows), logins: Number(logins.numDeletedRows) };
}
