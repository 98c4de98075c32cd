import { hkdfSync } from "node:crypto";
import { hasPasskeys } from "../auth/passkeys.js";
import { PASSWORD_MAX_LENGTH, verifyNothing, verifyPassword } from "../auth/passwords.js";
import { useRecoveryCode } from "../auth/recovery-codes.js";
import { logSecurityEvents, pseudonym, type SecurityEvent } from "../auth/security-log.js";
import { createSession, deleteSession } from "../auth/sessions.js";
import { SigninLimits } from "../auth/signin-limits.js";
import type { Limit } from "../auth/signin-throttle.js";
import { passwordRefusedBy, type SsoRequirement } from "../auth/sso-rules.js";
import { ALL_PROGRAMS, type TwoFactorLevel, twoFactorRequired, twoFactorRequirement } from "../auth/staff.js";
import { checkTotp, looksLikeTotpCode } from "../auth/totp.js";
import { acceptTotpStep, consumeRecoveryCode, openTotpSecret } from "../auth/user-totp.js";
import { findUserByEmail, membershipsOf, normalizeEmail, type UserRow } from "../auth/users.js";
import type { KeySource } from "../crypto/envelope.js";
import type { Store } from "../store/database.js";

/**
 * Signing a member of staff in: the password, then (when they have one) the second factor. No
 * HTTP here: the web route reads the form, calls this, and turns the decision into a cookie, a
 * redirect or a page. Every attempt goes through the sign-in throttle (signin-limits.ts) and
 * leaves its entry in the security log.
 */

/** What signing in needs; the web's context has all of it. */
export interface SignInDeps {
  store: Store;
  keyring: KeySource;
  /** The served programs: which ones require a second factor. */
  programs: {
    all(): readonly {
      policy: {
        program: { slug: string };
        team: { requireTwoFactor: TwoFactorLevel; requireSso?: SsoRequirement };
      };
    }[];
  };
  /** The instances' shared secret: keys the throttle's counters and the log's pseudonyms. */
  powKey: Buffer;
}

interface Attempt {
  /** The client's address, as the throttle counts it (the address itself is never logged). */
  address: string;
  /** The browser's current session cookie, if any: ended when a sign-in step succeeds. */
  previousSession?: string;
  clock: () => Date;
}

/** The first step: email and password as typed. */
export interface PasswordAttempt extends Attempt {
  email: string;
  password: string;
}

/** The second step: a TOTP or recovery code from the user whose password step passed. */
export interface SecondFactorAttempt extends Attempt {
  /** The user of the pending session (the route found it from the cookie). */
  user: UserRow;
  secondFactor: string;
}

/** A new session, for the browser's cookie. */
export interface NewSession {
  cookieValue: string;
  expiresAt: Date;
}

export type SignInDecision =
  | {
      outcome: "signed-in";
      userId: string;
      session: NewSession;
      /** A program of theirs requires a second factor they do not have yet: they must enrol. */
      mustEnrolTotp: boolean;
      /**
       * A program of theirs requires a passkey and this sign-in used none: they must add one (or
       * sign in with theirs) before they work there.
       */
      mustUsePasskey: boolean;
      /** Set when a recovery code was used: how many are left. */
      recoveryCodesLeft?: number;
    }
  /** The password was right; a pending session now waits for the second factor. */
  | { outcome: "needs-second-factor"; userId: string; session: NewSession }
  | {
      outcome: "refused";
      step: "password" | "totp" | "recovery-code";
      /**
       * `replayed`: a right code, but used already (by another request, or before).
       * `sso-required`: the right password, but `program` takes its members through single
       * sign-on only (policy `team.requireSso`).
       */
      reason: "invalid" | "replayed" | "sso-required";
      program?: string;
    }
  | { outcome: "throttled"; limit: Limit; retryAfterSeconds: number };

/** A password longer than this is refused without hashing it (argon2 on megabytes is a DoS). */
const LONGEST_PASSWORD_CHECKED = PASSWORD_MAX_LENGTH * 2;

/** The password step, or the second-factor step when the attempt carries a code. */
export function signIn(
  deps: SignInDeps,
  attempt: PasswordAttempt | SecondFactorAttempt,
): Promise<SignInDecision> {
  return "secondFactor" in attempt ? signInSecondFactor(deps, attempt) : signInPassword(deps, attempt);
}

export async function signInPassword(deps: SignInDeps, attempt: PasswordAttempt): Promise<SignInDecision> {
  const { store } = deps;
  const { clock } = attempt;
  const keys = keysOf(deps, clock);
  const email = normalizeEmail(attempt.email);
  const { password } = attempt;

  // Counted before the password is checked: a burst cannot get more checks than the rules allow.
  const gate = await keys.throttle.reserve(email, attempt.address);
  if (!gate.ok) return { outcome: "throttled", limit: gate.limit, retryAfterSeconds: gate.retryAfterSeconds };

  const user = email === "" ? undefined : await findUserByEmail(store, email);
  const hash = user !== undefined && user.disabled_at === null ? user.password_hash : null;
  const ok =
    hash !== null && password.length <= LONGEST_PASSWORD_CHECKED
      ? await verifyPassword(hash, password)
      : await verifyNothing(password.slice(0, PASSWORD_MAX_LENGTH));
  if (!ok || user === undefined) {
    await logSecurityEvents(store, {
      type: "signin.failed",
      actor: "anonymous",
      subject: user?.id ?? null,
      payload: {
        step: "password",
        address: keys.address(attempt.address),
        // An unknown account is named by a pseudonym only: the log must not collect typed emails.
        ...(user === undefined ? { emailPseudonym: pseudonym(keys.pseudonymKey, "email", email) } : {}),
      },
      at: clock(),
    });
    return { outcome: "refused", step: "password", reason: "invalid" };
  }
  // Told only to whoever knows the password: the account's programs are nobody else's business.
  const ssoOnly = passwordRefusedBy(await membershipsOf(store.db, user.id), programsSso(deps));
  if (ssoOnly !== undefined) {
    await keys.throttle.settle(gate.reservation, "refund");
    await logSecurityEvents(store, {
      type: "signin.failed",
      actor: "anonymous",
      subject: user.id,
      payload: {
        step: "password",
        reason: "sso-required",
        program: ssoOnly.slug,
        address: keys.address(attempt.address),
      },
      at: clock(),
    });
    return { outcome: "refused", step: "password", reason: "sso-required", program: ssoOnly.slug };
  }
  await endPreviousSession(store, attempt);

  // A passkey is a second factor too: the password alone no longer signs its owner in.
  if (user.totp_enabled === 1 || (await hasPasskeys(store, user.id))) {
    // The password alone clears nothing: the second factor's failures keep counting.
    await keys.throttle.settle(gate.reservation, "refund");
    const session = await createSession(store, {
      userId: user.id,
      twoFactorPassed: false,
      pending: true,
      now: clock(),
    });
    return { outcome: "needs-second-factor", userId: user.id, session };
  }
  await keys.throttle.settle(gate.reservation, "signed-in");
  const session = await createSession(store, { userId: user.id, twoFactorPassed: false, now: clock() });
  await logSecurityEvents(store, {
    type: "signin.succeeded",
    actor: `user:${user.id}`,
    subject: user.id,
    payload: { method: "password", address: keys.address(attempt.address) },
    at: clock(),
  });
  const requirement = await twoFactorRequirementOf(deps, user.id);
  return {
    outcome: "signed-in",
    userId: user.id,
    session,
    mustEnrolTotp: requirement !== false,
    mustUsePasskey: requirement === "passkey",
  };
}

export async function signInSecondFactor(
  deps: SignInDeps,
  attempt: SecondFactorAttempt,
): Promise<SignInDecision> {
  const { store } = deps;
  const { user, clock } = attempt;
  const keys = keysOf(deps, clock);
  const code = attempt.secondFactor.trim();

  const gate = await keys.throttle.reserve(user.email, attempt.address);
  if (!gate.ok) return { outcome: "throttled", limit: gate.limit, retryAfterSeconds: gate.retryAfterSeconds };

  const now = clock();
  let method: "totp" | "recovery-code" = "totp";
  let failure: "invalid" | "replayed" | undefined;
  let recoveryLeft: number | undefined;
  // An enrolment begun and never confirmed leaves a secret too: only an enabled one counts.
  if (looksLikeTotpCode(code) && user.totp_enabled === 1 && user.totp_secret_ct !== null) {
    const secret = openTotpSecret(deps.keyring, user.id, user.totp_secret_ct);
    const check = await checkTotp(secret, code, now, user.totp_last_step);
    if (!check.ok) failure = check.reason;
    else if (!(await acceptTotpStep(store, user.id, check.step))) failure = "replayed";
  } else {
    method = "recovery-code";
    const used = await useRecoveryCode(user.recovery_codes_json, code);
    if (used === undefined) failure = "invalid";
    else if (!(await consumeRecoveryCode(store, user.id, user.recovery_codes_json, used.remainingJson)))
      failure = "replayed";
    else recoveryLeft = used.remaining;
  }

  if (failure !== undefined) {
    await logSecurityEvents(store, {
      type: "signin.failed",
      actor: "anonymous",
      subject: user.id,
      payload: { step: method, reason: failure, address: keys.address(attempt.address) },
      at: now,
    });
    return { outcome: "refused", step: method, reason: failure };
  }
  await keys.throttle.settle(gate.reservation, "signed-in");
  await endPreviousSession(store, attempt);
  const session = await createSession(store, {
    userId: user.id,
    twoFactorPassed: true,
    secondFactor: method,
    now: clock(),
  });
  const events: SecurityEvent[] = [
    {
      type: "signin.succeeded",
      actor: `user:${user.id}`,
      subject: user.id,
      payload: { method, address: keys.address(attempt.address) },
      at: now,
    },
  ];
  if (recoveryLeft !== undefined)
    events.push({
      type: "recovery-code.used",
      actor: `user:${user.id}`,
      subject: user.id,
      payload: { left: recoveryLeft },
      at: now,
    });
  await logSecurityEvents(store, ...events);
  return {
    outcome: "signed-in",
    userId: user.id,
    session,
    mustEnrolTotp: false,
    mustUsePasskey: (await twoFactorRequirementOf(deps, user.id)) === "passkey",
    ...(recoveryLeft === undefined ? {} : { recoveryCodesLeft: recoveryLeft }),
  };
}

/** Whether the programs of `userId` (or, for the first administrator not created yet, all) require TOTP. */
export async function requiresTotp(
  deps: Pick<SignInDeps, "store" | "programs">,
  userId: string | null,
): Promise<boolean> {
  return twoFactorRequired(
    userId === null ? [{ program: ALL_PROGRAMS }] : await membershipsOf(deps.store.db, userId),
    programsTwoFactor(deps),
  );
}

/** The strongest `team.requireTwoFactor` among the programs of `userId`. */
export async function twoFactorRequirementOf(
  deps: Pick<SignInDeps, "store" | "programs">,
  userId: string,
): Promise<TwoFactorLevel> {
  return twoFactorRequirement(await membershipsOf(deps.store.db, userId), programsTwoFactor(deps));
}

function programsTwoFactor(deps: Pick<SignInDeps, "programs">) {
  return deps.programs
    .all()
    .map((p) => ({ slug: p.policy.program.slug, requireTwoFactor: p.policy.team.requireTwoFactor }));
}

function programsSso(deps: Pick<SignInDeps, "programs">) {
  return deps.programs
    .all()
    .map((p) => ({ slug: p.policy.program.slug, requireSso: p.policy.team.requireSso }));
}

/** A new session id at every step: the one from before (a pending session, say) is never reused. */
async function endPreviousSession(store: Store, attempt: Attempt): Promise<void> {
  if (attempt.previousSession !== undefined) await deleteSession(store, attempt.previousSession);
}

/**
 * The throttle and the log's pseudonym key, both derived from the shared secret (cheap next to
 * the password hash, so derived per attempt rather than kept).
 */
export function keysOf(deps: Pick<SignInDeps, "store" | "powKey">, clock: () => Date) {
  const pseudonymKey = securityLogKey(deps.powKey);
  return {
    throttle: new SigninLimits(deps.store, deps.powKey, clock),
    pseudonymKey,
    address: (ip: string) => pseudonym(pseudonymKey, "address", ip),
  };
}

/** The key of the security log's pseudonyms of addresses and emails. */
function securityLogKey(sharedSecret: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", sharedSecret, Buffer.alloc(0), "embargo:security-log", 32));
}
