import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { completeSetup } from "../../src/auth/account-setup.js";
import { hashPassword } from "../../src/auth/passwords.js";
import { newRecoveryCodes } from "../../src/auth/recovery-codes.js";
import { readSecurityLog } from "../../src/auth/security-log.js";
import { createSession, findSession } from "../../src/auth/sessions.js";
import { checkTotp, newTotpSecret, totpCodeAt } from "../../src/auth/totp.js";
import { createSetupLink, createUser, getUser, type UserRow } from "../../src/auth/users.js";
import { type SignInDeps, signIn } from "../../src/commands/sign-in.js";
import { loadKeyring } from "../../src/store/data-keys.js";
import type { Store } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrate.js";
import { databases } from "../support/databases.js";

/**
 * The sign-in command on its own, without HTTP: what it decides, and what it leaves in the
 * store (sessions, the security log). test/auth/sign-in.test.ts covers the pages around it.
 */
const PASSWORD = "correct horse battery staple, twice";
const ADDRESS = "203.0.113.7";

describe.each(databases)("the sign-in command on $name", (database) => {
  let store: Store;
  let deps: SignInDeps;
  let now: Date;
  const clock = () => now;
  /** Programs whose policy requires two-factor sign-in. */
  let strict: string[];

  beforeEach(async () => {
    store = await database.open();
    await migrate(store);
    now = new Date("2026-11-25T10:00:00Z");
    strict = [];
    deps = {
      store,
      keyring: await loadKeyring(store, randomBytes(32)),
      programs: {
        all: () =>
          ["kafe", "acme"].map((slug) => ({
            policy: { program: { slug }, team: { requireTwoFactor: strict.includes(slug) } },
          })),
      },
      powKey: randomBytes(32),
    };
  });
  afterEach(async () => {
    await store.close();
  });

  const later = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };

  /** A member of `program` who finished setup, with a second factor when `totp`. */
  const member = async (email: string, program: string, totp = false) => {
    const { userId } = await createUser(store, {
      email,
      memberships: [{ program, role: "responder" }],
      actor: "test",
      now,
    });
    const { token } = await createSetupLink(store, userId, { now, actor: "test" });
    const secret = newTotpSecret();
    const recovery = await newRecoveryCodes();
    let step = 0;
    if (totp) {
      const check = await checkTotp(secret, await totpCodeAt(secret, now), now, null);
      if (!check.ok) throw new Error("the test's TOTP code did not check");
      step = check.step;
    }
    const outcome = await completeSetup(store, deps.keyring, {
      token,
      passwordHash: await hashPassword(PASSWORD),
      ...(totp ? { totp: { secret, step, recoveryHashesJson: recovery.hashesJson } } : {}),
      now,
    });
    if (!outcome.ok) throw new Error(`setup failed: ${outcome.reason}`);
    const user = await getUser(store, userId);
    if (user === undefined) throw new Error("user gone");
    return { user, secret, recoveryCodes: recovery.codes };
  };
  const withPassword = (email: string, password: string, previousSession?: string) =>
    signIn(deps, { email, password, address: ADDRESS, clock, previousSession });
  const withCode = (user: UserRow, secondFactor: string, previousSession?: string) =>
    signIn(deps, { user, secondFactor, address: ADDRESS, clock, previousSession });
  const log = () => readSecurityLog(store, { order: "asc" });

  it("refuses an unknown email and a wrong password alike, logging neither the email nor the address", async () => {
    const { user } = await member("alice@kafe.example", "kafe");
    expect(await withPassword("nobody@kafe.example", PASSWORD)).toEqual({
      outcome: "refused",
      step: "password",
      reason: "invalid",
    });
    expect(await withPassword("alice@kafe.example", "not the password at all")).toEqual({
      outcome: "refused",
      step: "password",
      reason: "invalid",
    });
    const failed = (await log()).filter((e) => e.type === "signin.failed");
    expect(failed.map((e) => e.subject)).toEqual([null, user.id]);
    expect(failed[0]?.payload).toMatchObject({ step: "password", emailPseudonym: expect.any(String) });
    expect(failed[1]?.payload).not.toHaveProperty("emailPseudonym");
    const text = JSON.stringify(failed);
    expect(text).not.toContain("nobody");
    expect(text).not.toContain(ADDRESS);
  });

  it("signs in with the right password, ends the browser's old session and says when enrolment is due", async () => {
    const { user } = await member("alice@kafe.example", "kafe");
    const old = await createSession(store, { userId: user.id, twoFactorPassed: false, now });

    const first = await withPassword(" Alice@Kafe.example", PASSWORD, old.cookieValue);
    if (first.outcome !== "signed-in") throw new Error(`expected a sign-in, got ${first.outcome}`);
    expect(first.mustEnrolTotp).toBe(false);
    expect(first.recoveryCodesLeft).toBeUndefined();
    expect(await findSession(store, old.cookieValue, now)).toBeUndefined();
    const session = await findSession(store, first.session.cookieValue, now);
    expect(session?.user_id).toBe(user.id);
    expect(session?.two_factor_passed).toBe(0);
    expect((await log()).at(-1)).toMatchObject({
      type: "signin.succeeded",
      subject: user.id,
      payload: { method: "password" },
    });

    strict = ["kafe"];
    const second = await withPassword("alice@kafe.example", PASSWORD);
    expect(second).toMatchObject({ outcome: "signed-in", mustEnrolTotp: true });
  });

  it("asks for the second factor, accepts a TOTP code once and a recovery code once", async () => {
    const { user, secret, recoveryCodes } = await member("bob@kafe.example", "kafe", true);
    later(60);

    const password = await withPassword("bob@kafe.example", PASSWORD);
    if (password.outcome !== "needs-second-factor") throw new Error(`got ${password.outcome}`);
    const pending = await findSession(store, password.session.cookieValue, now);
    expect(pending?.two_factor_passed).toBe(0);
    // The password alone signs nothing in: no success is logged yet.
    expect((await log()).filter((e) => e.type === "signin.succeeded")).toEqual([]);

    const code = await totpCodeAt(secret, now);
    const signedIn = await withCode(user, ` ${code} `, password.session.cookieValue);
    if (signedIn.outcome !== "signed-in") throw new Error(`got ${signedIn.outcome}`);
    expect(await findSession(store, password.session.cookieValue, now)).toBeUndefined();
    expect((await findSession(store, signedIn.session.cookieValue, now))?.two_factor_passed).toBe(1);

    expect(await withCode(user, code)).toEqual({ outcome: "refused", step: "totp", reason: "replayed" });
    expect(await withCode(user, "000000")).toMatchObject({ outcome: "refused", step: "totp" });

    const recovery = recoveryCodes[0] ?? "";
    expect(await withCode(user, recovery)).toMatchObject({
      outcome: "signed-in",
      recoveryCodesLeft: recoveryCodes.length - 1,
    });
    // The row read before the code was used still holds it: the store refuses the second use.
    expect(await withCode(user, recovery)).toEqual({
      outcome: "refused",
      step: "recovery-code",
      reason: "replayed",
    });
    const types = (await log()).map((e) => e.type);
    expect(types.filter((t) => t === "signin.succeeded")).toHaveLength(2);
    expect(types).toContain("recovery-code.used");
  });

  it("throttles wrong passwords from one address before checking them, and says how long to wait", async () => {
    await member("carol@kafe.example", "kafe");
    for (let i = 0; i < 4; i += 1)
      expect(await withPassword("carol@kafe.example", "wrong")).toMatchObject({ outcome: "refused" });
    const throttled = await withPassword("carol@kafe.example", PASSWORD);
    expect(throttled).toEqual({ outcome: "throttled", limit: "pair", retryAfterSeconds: 1 });
    // Refused before the password was looked at: nothing was logged for it.
    expect((await log()).filter((e) => e.type.startsWith("signin."))).toHaveLength(4);

    later(1);
    expect(await withPassword("carol@kafe.example", PASSWORD)).toMatchObject({ outcome: "signed-in" });
  });
});
