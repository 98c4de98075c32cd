import { type ChallengePurpose, saveChallenge, takeChallenge } from "../auth/passkey-challenges.js";
import { findPasskey, listPasskeys, passkeyLogId } from "../auth/passkeys.js";
import { logSecurityEvents } from "../auth/security-log.js";
import { createSession, deleteSession } from "../auth/sessions.js";
import type { Limit } from "../auth/signin-throttle.js";
import { getUser, type UserRow } from "../auth/users.js";
import {
  type AuthenticationResponse,
  authenticationOptions,
  challengeOf,
  type RelyingParty,
} from "../auth/webauthn.js";
import { acceptPasskeyAnswer } from "./passkey-assertion.js";
import { keysOf, type NewSession, type SignInDeps } from "./sign-in.js";

/**
 * Signing in with a passkey: alone (a discoverable credential with user verification is both
 * factors: something held, and the PIN or fingerprint that unlocks it), or as the second step
 * after a password. No HTTP here: the route asks for options, hands the browser's answer over,
 * and turns the decision into a cookie or a refusal. Every refusal and success is in the
 * security log; the sign-in throttle counts attempts on the member once the passkey names them.
 */
export interface PasskeySignInDeps extends SignInDeps {
  rp: RelyingParty;
}

/** Who is signing in: anyone (the passkey will say who), or the member of a pending session. */
export type PasskeyStep = { kind: "alone" } | { kind: "second-factor"; user: UserRow };

export interface PasskeyAttempt {
  step: PasskeyStep;
  response: AuthenticationResponse;
  /** What binds the challenge to this browser (see passkey-challenges.ts). */
  bindingHash: string;
  address: string;
  previousSession?: string;
  clock: () => Date;
}

export type PasskeyRefusal =
  /** No challenge of ours for this browser: made up, used already, or expired. */
  | "challenge"
  /** No such passkey (or, at the second step, not the member's). */
  | "unknown-credential"
  /** The signature, origin, RP ID, or user verification did not check out, or the account cannot sign in. */
  | "invalid"
  /** The signature counter went back: a copy of the key. */
  | "cloned";

export type PasskeySignInDecision =
  | { outcome: "signed-in"; userId: string; session: NewSession }
  | { outcome: "refused"; reason: PasskeyRefusal }
  | { outcome: "throttled"; limit: Limit; retryAfterSeconds: number };

const purposeOf = (step: PasskeyStep): ChallengePurpose =>
  step.kind === "alone" ? "sign-in" : "second-factor";

/** Begins a sign-in: stores a challenge for this browser, returns the options for the browser. */
export async function beginPasskeySignIn(
  deps: Pick<PasskeySignInDeps, "store" | "rp">,
  input: { step: PasskeyStep; bindingHash: string; now: Date },
) {
  const allow = input.step.kind === "alone" ? undefined : await listPasskeys(deps.store, input.step.user.id);
  const options = await authenticationOptions(deps.rp, allow);
  await saveChallenge(deps.store, {
    challenge: options.challenge,
    purpose: purposeOf(input.step),
    bindingHash: input.bindingHash,
    userId: input.step.kind === "alone" ? null : input.step.user.id,
    now: input.now,
  });
  return options;
}

/** Finishes a sign-in: checks the browser's answer and, when it holds, starts a session. */
export async function signInWithPasskey(
  deps: PasskeySignInDeps,
  attempt: PasskeyAttempt,
): Promise<PasskeySignInDecision> {
  const { store } = deps;
  const { clock, step, response } = attempt;
  const keys = keysOf(deps, clock);
  const address = keys.address(attempt.address);
  const now = clock();
  const known = step.kind === "alone" ? undefined : step.user;
  const refuse = async (reason: PasskeyRefusal, subject: string | null): Promise<PasskeySignInDecision> => {
    await logSecurityEvents(store, {
      type: "signin.failed",
      actor: "anonymous",
      subject,
      payload: { step: "passkey", reason, address },
      at: now,
    });
    return { outcome: "refused", reason };
  };

  const challenge = challengeOf(response);
  const taken =
    challenge === undefined
      ? undefined
      : await takeChallenge(store, {
          challenge,
          purpose: purposeOf(step),
          bindingHash: attempt.bindingHash,
          now,
        });
  if (challenge === undefined || taken === undefined || (known !== undefined && taken.userId !== known.id))
    return refuse("challenge", known?.id ?? null);

  const passkey = await findPasskey(store, response.id);
  // At the second step, another member's passkey is as unknown as none at all.
  if (passkey === undefined || (known !== undefined && passkey.userId !== known.id))
    return refuse("unknown-credential", known?.id ?? null);
  const user = known ?? (await getUser(store, passkey.userId));
  // A disabled account, or one whose password was reset (no password until the link is used),
  // cannot sign in, whatever it presents (as src/web/staff-session.ts refuses its sessions).
  if (user === undefined || user.disabled_at !== null || user.password_hash === null)
    return refuse("invalid", passkey.userId);

  const gate = await keys.throttle.reserve(user.email, attempt.address);
  if (!gate.ok) return { outcome: "throttled", limit: gate.limit, retryAfterSeconds: gate.retryAfterSeconds };

  const answer = await acceptPasskeyAnswer(store, deps.rp, {
    passkey,
    response,
    challenge,
    requireUserVerification: step.kind === "alone",
    actor: "anonymous",
    address,
    now,
  });
  if (answer !== "accepted") return refuse(answer, user.id);

  await keys.throttle.settle(gate.reservation, "signed-in");
  if (attempt.previousSession !== undefined) await deleteSession(store, attempt.previousSession);
  const session = await createSession(store, {
    userId: user.id,
    twoFactorPassed: true,
    secondFactor: "passkey",
    now: clock(),
  });
  await logSecurityEvents(store, {
    type: "signin.succeeded",
    actor: `user:${user.id}`,
    subject: user.id,
    payload: {
      method: step.kind === "alone" ? "passkey" : "password+passkey",
      passkey: passkeyLogId(passkey.id),
      address,
    },
    at: now,
  });
  return { outcome: "signed-in", userId: user.id, session };
}
