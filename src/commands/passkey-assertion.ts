import { type Passkey, passkeyLogId, recordPasskeyUse } from "../auth/passkeys.js";
import { logSecurityEvents } from "../auth/security-log.js";
import {
  type AuthenticationResponse,
  counterWentBack,
  type RelyingParty,
  verifyAssertion,
} from "../auth/webauthn.js";
import type { Store } from "../store/database.js";

/**
 * What every use of a passkey shares (signing in with it alone, the second step after a password,
 * confirming new recovery codes): its signature checked against the challenge, and its signature
 * counter moved. A counter that did not go up (for a key that keeps one), or that another request
 * moved first, marks a copied key: refused, and logged as `passkey.cloned` with who presented it.
 * Checked only after the signature holds, so a forged answer cannot get a member's key flagged.
 */
export async function acceptPasskeyAnswer(
  store: Store,
  rp: RelyingParty,
  input: {
    passkey: Passkey;
    response: AuthenticationResponse;
    challenge: string;
    requireUserVerification: boolean;
    /** The security log's actor: `anonymous` while signing in, the member once signed in. */
    actor: string;
    /** The signing-in browser's address, as the log keeps it (a pseudonym). */
    address?: string;
    now: Date;
  },
): Promise<"accepted" | "invalid" | "cloned"> {
  const { passkey, now } = input;
  const checked = await verifyAssertion(
    rp,
    input.response,
    input.challenge,
    passkey,
    input.requireUserVerification,
  );
  if (checked === undefined) return "invalid";
  const moved =
    !counterWentBack(passkey.counter, checked.counter) &&
    (await recordPasskeyUse(store, {
      id: passkey.id,
      counterBefore: passkey.counter,
      counter: checked.counter,
      now,
    }));
  if (moved) return "accepted";
  await logSecurityEvents(store, {
    type: "passkey.cloned",
    actor: input.actor,
    subject: passkey.userId,
    payload: {
      passkey: passkeyLogId(passkey.id),
      counter: checked.counter,
      stored: passkey.counter,
      ...(input.address === undefined ? {} : { address: input.address }),
    },
    at: now,
  });
  return "cloned";
}
