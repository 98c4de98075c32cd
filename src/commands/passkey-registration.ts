import { saveChallenge, takeChallenge } from "../auth/passkey-challenges.js";
import { addPasskey, listPasskeys, MAX_PASSKEYS } from "../auth/passkeys.js";
import { newRecoveryCodes, parseRecoveryHashes } from "../auth/recovery-codes.js";
import { markPasskeyPassed } from "../auth/sessions.js";
import { replaceRecoveryCodes } from "../auth/user-totp.js";
import type { UserRow } from "../auth/users.js";
import {
  challengeOf,
  type RegistrationResponse,
  type RelyingParty,
  registrationOptions,
  verifyRegistration,
} from "../auth/webauthn.js";
import type { Store } from "../store/database.js";

/**
 * A signed-in member adds a passkey from their account page: options bound to their session,
 * then the browser's answer checked and stored. The session that added it counts from then on as
 * one that signed in with a passkey, as enrolling TOTP marks the session that did it: the member
 * just proved they hold the key, in a session that already met the sign-in rules.
 *
 * A member whose first second factor this is gets recovery codes (the way in when the key is
 * lost), shown once; one with TOTP keeps theirs.
 */
export interface RegistrationDeps {
  store: Store;
  rp: RelyingParty;
}

export async function beginPasskeyRegistration(
  deps: RegistrationDeps,
  input: { user: UserRow; sessionIdHash: string; now: Date },
) {
  const existing = await listPasskeys(deps.store, input.user.id);
  if (existing.length >= MAX_PASSKEYS) return { outcome: "too-many" as const };
  const options = await registrationOptions(deps.rp, input.user, existing);
  await saveChallenge(deps.store, {
    challenge: options.challenge,
    purpose: "register",
    bindingHash: input.sessionIdHash,
    userId: input.user.id,
    now: input.now,
  });
  return { outcome: "options" as const, options };
}

export type RegistrationDecision =
  | { outcome: "added"; id: string; recoveryCodes?: string[] }
  | { outcome: "refused"; reason: "challenge" | "invalid" | "exists" | "too-many" };

export async function finishPasskeyRegistration(
  deps: RegistrationDeps,
  input: { user: UserRow; sessionIdHash: string; response: RegistrationResponse; name: string; now: Date },
): Promise<RegistrationDecision> {
  const { store } = deps;
  const { user, now } = input;
  const challenge = challengeOf(input.response);
  const taken =
    challenge === undefined
      ? undefined
      : await takeChallenge(store, { challenge, purpose: "register", bindingHash: input.sessionIdHash, now });
  if (challenge === undefined || taken === undefined || taken.userId !== user.id)
    return { outcome: "refused", reason: "challenge" };
  const registered = await verifyRegistration(deps.rp, input.response, challenge);
  if (registered === undefined) return { outcome: "refused", reason: "invalid" };
  const added = await addPasskey(store, { userId: user.id, ...registered, name: input.name, now });
  if (added !== "added") return { outcome: "refused", reason: added };

  await markPasskeyPassed(store, input.sessionIdHash);
  if (user.totp_enabled === 1 || parseRecoveryHashes(user.recovery_codes_json).length > 0)
    return { outcome: "added", id: registered.id };
  const recovery = await newRecoveryCodes();
  await replaceRecoveryCodes(store, { userId: user.id, recoveryHashesJson: recovery.hashesJson, now });
  return { outcome: "added", id: registered.id, recoveryCodes: recovery.codes };
}
