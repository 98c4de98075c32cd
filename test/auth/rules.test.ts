import { describe, expect, it } from "vitest";
import { passwordProblem } from "../../src/auth/passwords.js";
import { looksLikeRecoveryCode, newRecoveryCodes, useRecoveryCode } from "../../src/auth/recovery-codes.js";
import { ACCOUNT_RULE, delaySeconds, SigninThrottle } from "../../src/auth/signin-throttle.js";
import { checkTotp, newTotpSecret, totpCodeAt, totpUri } from "../../src/auth/totp.js";
import { safeNext } from "../../src/web/staff-session.js";

describe("sign-in throttle", () => {
  it("waits 0, 0, 0, 1, 2, 4, 8 … seconds, at most 15 minutes", () => {
    const delays = Array.from({ length: 16 }, (_, i) => delaySeconds(ACCOUNT_RULE, i + 1));
    expect(delays.slice(0, 8)).toEqual([0, 0, 0, 1, 2, 4, 8, 16]);
    expect(delays.at(-1)).toBe(900);
  });

  it("counts per account and per address; a success clears only the account", () => {
    let now = new Date("2026-11-25T10:00:00Z");
    const throttle = new SigninThrottle(() => now);
    const keys = { account: "a@example.org", address: "192.0.2.1" };
    for (let i = 0; i < 4; i += 1) throttle.recordFailure(keys);
    expect(throttle.check(keys)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(throttle.check({ account: "b@example.org", address: "192.0.2.2" })).toEqual({ ok: true });
    now = new Date(now.getTime() + 1000);
    expect(throttle.check(keys)).toEqual({ ok: true });
    throttle.recordSuccess(keys);
    // Many accounts from one address: the address count grows on its own.
    // 4 failures above and 7 more: the 11th (10 are free) costs a second.
    for (let i = 0; i < 7; i += 1)
      throttle.recordFailure({ account: `x${i}@example.org`, address: "192.0.2.1" });
    expect(throttle.check({ account: "new@example.org", address: "192.0.2.1" })).toEqual({
      ok: false,
      retryAfterSeconds: 1,
    });
    // Forgotten after an hour without failures.
    now = new Date(now.getTime() + 3600_000 + 2000);
    expect(throttle.check({ account: "new@example.org", address: "192.0.2.1" })).toEqual({ ok: true });
  });
});

describe("next after sign-in", () => {
  it("accepts only paths on this site", () => {
    expect(safeNext("/account")).toBe("/account");
    expect(safeNext("/inbox?state=new")).toBe("/inbox?state=new");
    for (const bad of [
      "//evil.example",
      "/\\evil.example",
      "https://evil.example",
      "javascript:alert(1)",
      "",
      "/a\nb",
      3,
    ])
      expect(safeNext(bad)).toBeUndefined();
  });
});

describe("passwords, TOTP and recovery codes", () => {
  it("refuses short, overlong and email passwords", () => {
    expect(passwordProblem("elevenchars")).toMatch(/12/);
    expect(passwordProblem("twelve chars")).toBeUndefined();
    expect(passwordProblem("x".repeat(1025))).toMatch(/1024/);
    expect(passwordProblem(" Me@Example.org ", "me@example.org")).toMatch(/email/);
  });

  it("accepts a code one step early or late, not two, and never the same step twice", async () => {
    const secret = newTotpSecret();
    const now = new Date("2026-11-25T10:00:15Z");
    const code = await totpCodeAt(secret, now);
    const step = Math.floor(now.getTime() / 30_000);
    expect(await checkTotp(secret, code, new Date(now.getTime() + 30_000), null)).toEqual({ ok: true, step });
    expect(await checkTotp(secret, code, new Date(now.getTime() - 30_000), null)).toEqual({ ok: true, step });
    expect(await checkTotp(secret, code, new Date(now.getTime() + 60_000), null)).toEqual({
      ok: false,
      reason: "invalid",
    });
    expect(await checkTotp(secret, code, now, step)).toEqual({ ok: false, reason: "replayed" });
    expect(await checkTotp(secret, "12345", now, null)).toEqual({ ok: false, reason: "invalid" });
    expect(await checkTotp(secret, "abcdef", now, null)).toEqual({ ok: false, reason: "invalid" });
    expect(totpUri(secret, "a@example.org", "https://security.example.org")).toMatch(
      /^otpauth:\/\/totp\/Embargo%20\(security\.example\.org\):a%40example\.org\?secret=[A-Z2-7]+&.*issuer=/,
    );
  });

  it("makes ten distinct codes that each work once", async () => {
    const { codes, hashesJson } = await newRecoveryCodes();
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
    expect(hashesJson).toContain("$argon2id$");
    const code = codes[2] ?? "";
    expect(looksLikeRecoveryCode(code.toUpperCase())).toBe(true);
    const used = await useRecoveryCode(hashesJson, code);
    expect(used?.remaining).toBe(9);
    expect(await useRecoveryCode(used?.remainingJson ?? "[]", code)).toBeUndefined();
  });
});
