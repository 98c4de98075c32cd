import { saveChallenge, takeChallenge } from "../auth/passkey-challenges.js";
import { findPasskey, listPasskeys } from "../auth/passkeys.js";
import { newRecoveryCodes } from "../auth/recovery-codes.js";
import { replaceRecoveryCodes } from "../auth/user-totp.js";
import type { UserRow } from "../auth/users.js";
import {
  type AuthenticationResponse,
  authenticationOptions,
  challengeOf,
  type RelyingParty,
} from "../auth/webauthn.js";
import type { Store } from "../store/database.js";
import { acceptPasskeyAnswer } from "./passkey-assertion.js";

/**
 * New recovery codes, confirmed with one of the member's passkeys. With TOTP the account page
 * asks for a current code; a member whose only second factor is a passkey has no code to type,
 * so the page's script asks one of their passkeys instead. A signed-in session alone is not
 * enough: its cookie may be stolen, and new codes would outlive it.
 *
 * The challenge is stored as a "second-factor" one bound to the signed-in session's id hash
 * (the purposes are fixed by the table's check constraint). It cannot be spent at the sign-in's
 * second step: that step takes only challenges bound to a *pending* session's hash, and a
 * session that is signed in is not pending (a completed sign-in gets a new session id).
 */
export interface PasskeyConfirmDeps {
  store: Store;
  rp: RelyingParty;
}

export type PasskeyConfirmRefusal = "no-passkey" | "challenge" | "unknown-credential" | "invalid" | "cloned";

export type PasskeyConfirmDecision =
  | { outcome: "refused"; reason: PasskeyConfirmRefusal }
  | { outcome: "confirmed"; recoveryCodes: string[] };

/** The options for the browser: a challenge for one of this member's passkeys; none without one. */
export async function beginRecoveryCodesWithPasskey(
  deps: PasskeyConfirmDeps,
  input: { user: UserRow; sessionIdHash: string; now: Date },
) {
  const passkeys = await listPasskeys(deps.store, input.user.id);
  if (passkeys.length === 0) return { outcome: "refused", reason: "no-passkey" } as const;
  const options = await authenticationOptions(deps.rp, passkeys);
  await saveChallenge(deps.store, {
    challenge: options.challenge,
    purpose: "second-factor",
    bindingHash: input.sessionIdHash,
    userId: input.user.id,
    now: input.now,
  });
  return { outcome: "options", options } as const;
}

/** Checks the passkey's answer; when it holds, replaces the member's recovery codes (logged). */
export async function recoveryCodesWithPasskey(
  deps: PasskeyConfirmDeps,
  input: { user: UserRow; sessionIdHash: string; response: AuthenticationResponse; now: Date },
): Promise<PasskeyConfirmDecision> {
  const { store } = deps;
  const { user, response, now } = input;
  // As with a wrong TOTP code here, a refusal is not logged (a cloned key is, below).
  const refuse = (reason: PasskeyConfirmRefusal): PasskeyConfirmDecision => ({ outcome: "refused", reason });
  const challenge = challengeOf(response);
  const taken =
    challenge === undefined
      ? undefined
      : await takeChallenge(store, {
          challenge,
          purpose: "second-factor",
          bindingHash: input.sessionIdHash,
          now,
        });
  if (challenge === undefined || taken === undefined || taken.userId !== user.id) return refuse("challenge");
  const passkey = await findPasskey(store, response.id);
  // Another member's passkey is as unknown as none at all.
  if (passkey === undefined || passkey.userId !== user.id) return refuse("unknown-credential");
  // Presence of the member's own key is what is asked (the options prefer user verification,
  // as at the second step after a password): this session already signed in.
  const answer = await acceptPasskeyAnswer(store, deps.rp, {
    passkey,
    response,
    challenge,
    requireUserVerification: false,
    actor: `user:${user.id}`,
    now,
  });
  if (answer !== "accepted") return refuse(answer);
  const recovery = await newRecoveryCodes();
  await replaceRecoveryCodes(store, { userId: user.id, recoveryHashesJson: recovery.hashesJson, now });
  return { outcome: "confirmed", recoveryCodes: recovery.codes };
}
