import type { Store } from "../store/database.js";
import { sha256Hex } from "../store/ids.js";

/**
 * Sign-ins sent to an identity provider and not back yet (`oidc_logins`). The PKCE verifier and
 * the nonce stay here, server-side; the browser carries only the `state` (in the provider's
 * redirect) and a cookie of its own that the row is bound to. A row lives LOGIN_TTL_MS, works
 * once (taking it deletes it) and only for the browser that began it. In the database, not in
 * memory, so that the instance the provider sends the browser back to need not be the one that
 * sent it there.
 */
export const LOGIN_TTL_MS = 10 * 60_000;

export interface PendingLogin {
  provider: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** sha-256 of the browser's binding cookie. */
  bindingHash: string;
  next: string | null;
}

/** Stores a sign-in begun; every browser's expired ones go. */
export async function savePendingLogin(store: Store, login: PendingLogin, now: Date): Promise<void> {
  const at = now.toISOString();
  await store.transaction(async (trx) => {
    await trx.deleteFrom("oidc_logins").where("expires_at", "<=", at).execute();
    await trx
      .insertInto("oidc_logins")
      .values({
        state_hash: sha256Hex(login.state),
        provider: login.provider,
        binding_hash: login.bindingHash,
        code_verifier: login.codeVerifier,
        nonce: login.nonce,
        next: login.next,
        created_at: at,
        expires_at: new Date(now.getTime() + LOGIN_TTL_MS).toISOString(),
      })
      .execute();
  });
}

/**
 * Takes (deletes) the sign-in that `state` names, if this browser began it with this provider
 * and it has not expired. Deleting first makes it single-use even when two requests race.
 */
export async function takePendingLogin(
  store: Store,
  input: { provider: string; state: string; bindingHash: string; now: Date },
): Promise<Omit<PendingLogin, "bindingHash"> | undefined> {
  const row = await store.db
    .deleteFrom("oidc_logins")
    .where("state_hash", "=", sha256Hex(input.state))
    .where("provider", "=", input.provider)
    .where("binding_hash", "=", input.bindingHash)
    .returning(["code_verifier", "nonce", "next", "expires_at"])
    .executeTakeFirst();
  if (row === undefined || row.expires_at <= input.now.toISOString()) return undefined;
  return {
    provider: input.provider,
    state: input.state,
    nonce: row.nonce,
    codeVerifier: row.code_verifier,
    next: row.next,
  };
}
