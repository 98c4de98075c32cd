import type { Store } from "../store/database.js";
import { sha256Hex } from "../store/ids.js";

/**
 * The challenges of passkey ceremonies begun and not finished (`webauthn_challenges`). A
 * challenge is random (32 bytes, from @simplewebauthn/server), lives CHALLENGE_TTL_MS, works
 * once, and only for the browser that asked for it: the row is bound to the hash of what that
 * browser holds (its session's id hash, or for a sign-in without a session a cookie of its
 * own). Only the challenge's sha-256 is stored: a copy of the table answers no ceremony. Kept
 * in the database, not in memory, so that any instance can finish what another began.
 */
export const CHALLENGE_TTL_MS = 5 * 60_000;

export type ChallengePurpose = "register" | "sign-in" | "second-factor";

export interface NewChallenge {
  /** The challenge as sent to the browser (base64url). */
  challenge: string;
  purpose: ChallengePurpose;
  bindingHash: string;
  /** The member registering or at their second step; null for a sign-in with a passkey alone. */
  userId: string | null;
  now: Date;
}

/**
 * Stores a new challenge. The browser's earlier unfinished one for the same purpose goes (one at
 * a time per browser), and so do every browser's expired ones.
 */
export async function saveChallenge(store: Store, input: NewChallenge): Promise<void> {
  const now = input.now.toISOString();
  await store.transaction(async (trx) => {
    await trx
      .deleteFrom("webauthn_challenges")
      .where((eb) =>
        eb.or([
          eb("expires_at", "<=", now),
          eb.and([eb("binding_hash", "=", input.bindingHash), eb("purpose", "=", input.purpose)]),
        ]),
      )
      .execute();
    await trx
      .insertInto("webauthn_challenges")
      .values({
        challenge_hash: sha256Hex(input.challenge),
        purpose: input.purpose,
        binding_hash: input.bindingHash,
        user_id: input.userId,
        created_at: now,
        expires_at: new Date(input.now.getTime() + CHALLENGE_TTL_MS).toISOString(),
      })
      .execute();
  });
}

/**
 * Takes (deletes) the challenge the browser answered, if it was given to this browser for this
 * purpose and has not expired. Deleting first makes it single-use even when two requests race:
 * only one of them deletes the row.
 */
export async function takeChallenge(
  store: Store,
  input: { challenge: string; purpose: ChallengePurpose; bindingHash: string; now: Date },
): Promise<{ userId: string | null } | undefined> {
  const row = await store.db
    .deleteFrom("webauthn_challenges")
    .where("challenge_hash", "=", sha256Hex(input.challenge))
    .where("purpose", "=", input.purpose)
    .where("binding_hash", "=", input.bindingHash)
    .returning(["user_id", "expires_at"])
    .executeTakeFirst();
  if (row === undefined || row.expires_at <= input.now.toISOString()) return undefined;
  return { userId: row.user_id };
}
