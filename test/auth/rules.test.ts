import { describe, expect, it } from "vitest";
import { passwordProblem } from "../../src/auth/passwords.js";
import { looksLikeRecoveryCode, newRecoveryCodes, useRecoveryCode } from "../../src/auth/recovery-codes.js";
import {
  ADDRESS_RULE,
  type AttemptDecision,
  decideAttempt,
  decideSettle,
  delaySeconds,
  KNOWN_ADDRESS_MS,
  PAIR_RULE,
  type Reservation,
  type Settlement,
  type SigninKeys,
  waitMs,
} from "../../src/auth/signin-throttle.js";
import { checkTotp, newTotpSecret, totpCodeAt, totpUri } from "../../src/auth/totp.js";
import type { CounterState, CounterUpdate } from "../../src/store/rate-counters.js";
import { safeNext } from "../../src/web/staff-session.js";

describe("sign-in throttle rules", () => {
  const keys: SigninKeys = { pair: "pair", address: "address", account: "account", known: "known" };
  const t0 = Date.parse("2026-11-25T10:00:00Z");
  /** The counters as the table would hold them, with the rules' writes applied. */
  class Counters {
    readonly rows = new Map<string, CounterState & { expiresAt: number }>();
    states(nowMs: number): Map<string, CounterState | undefined> {
      const states = new Map<string, CounterState | undefined>();
      for (const key of Object.values(keys)) {
        const row = this.rows.get(key);
        states.set(
          key,
          row === undefined || row.expiresAt <= nowMs ? undefined : { value: row.value, at: row.at },
        );
      }
      return states;
    }
    apply<T>(update: CounterUpdate<T>): T {
      for (const [key, write] of update.writes) {
        if (write === null) this.rows.delete(key);
        else this.rows.set(key, write);
      }
      return update.result;
    }
    attempt(nowMs: number, which: SigninKeys = keys): AttemptDecision {
      return this.apply(decideAttempt(which, this.states(nowMs), nowMs));
    }
    settle(reservation: Reservation, settlement: Settlement, nowMs: number): void {
      this.apply(decideSettle(reservation, settlement, this.states(nowMs), nowMs));
    }
  }
  const reservationOf = (decision: AttemptDecision): Reservation => {
    if (!decision.ok) throw new Error(`refused: ${decision.limit}`);
    return decision.reservation;
  };

  it("waits 0, 0, 0, 1, 2, 4, 8 … seconds, at most 15 minutes", () => {
    const delays = Array.from({ length: 16 }, (_, i) => delaySeconds(PAIR_RULE, i + 1));
    expect(delays.slice(0, 8)).toEqual([0, 0, 0, 1, 2, 4, 8, 16]);
    expect(delays.at(-1)).toBe(900);
  });

  it("counts an attempt before it is checked: of 150 at one instant, 4 are allowed", () => {
    const counters = new Counters();
    const decisions = Array.from({ length: 150 }, () => counters.attempt(t0));
    expect(decisions.filter((d) => d.ok)).toHaveLength(4);
    expect(decisions.at(-1)).toEqual({ ok: false, retryAfterSeconds: 1, limit: "pair" });
    // Refused attempts add nothing: the wait is still one second from the fourth.
    expect(counters.attempt(t0 + 999)).toMatchObject({ ok: false, retryAfterSeconds: 1 });
    expect(counters.attempt(t0 + 1000).ok).toBe(true);
    expect(counters.attempt(t0 + 1000)).toEqual({ ok: false, retryAfterSeconds: 2, limit: "pair" });
  });

  it("a right password gives its reservation back; only a completed sign-in clears the pair", () => {
    const counters = new Counters();
    for (let i = 0; i < 3; i += 1) counters.attempt(t0);
    counters.settle(reservationOf(counters.attempt(t0)), "refund", t0);
    // The fourth was given back: three failures, so one more may be checked at once.
    expect(counters.rows.get("pair")?.value).toBe(3);
    counters.attempt(t0);
    expect(counters.attempt(t0).ok).toBe(false);
    counters.settle(reservationOf(counters.attempt(t0 + 1000)), "signed-in", t0 + 1000);
    expect(counters.rows.has("pair")).toBe(false);
    expect(counters.rows.get("known")).toEqual({
      value: 1,
      at: t0 + 1000,
      expiresAt: t0 + 1000 + KNOWN_ADDRESS_MS,
    });
    // The address count is only given back, never cleared by a success.
    expect(counters.rows.get("address")?.value).toBe(4);
  });

  it("slows down new addresses on a guessed account, not an address it signed in from", () => {
    const counters = new Counters();
    const from = (n: number): SigninKeys => ({
      ...keys,
      pair: `pair-${n}`,
      address: `address-${n}`,
      known: `known-${n}`,
    });
    // Five free failures on the account from new addresses, then the sixth is checked at once.
    const spread = Array.from({ length: 7 }, (_, n) => counters.attempt(t0, from(n)));
    expect(spread.map((d) => d.ok)).toEqual([true, true, true, true, true, true, false]);
    expect(spread[6]).toEqual({ ok: false, retryAfterSeconds: 1, limit: "account" });
    // The member's own address: known, so the account-wide count neither applies nor grows.
    counters.rows.set("known", { value: 1, at: t0 - 1000, expiresAt: t0 + KNOWN_ADDRESS_MS });
    const own = counters.attempt(t0);
    expect(own).toEqual({ ok: true, reservation: { keys, account: false } });
    expect(counters.rows.get("account")?.value).toBe(6);
    // Once the known mark has expired the address is new again.
    expect(counters.attempt(t0 + KNOWN_ADDRESS_MS).ok).toBe(true);
  });

  it("forgets a count once its wait is over and it stayed quiet", () => {
    const counters = new Counters();
    for (let i = 0; i < 5; i += 1) counters.attempt(t0 + i * 10_000);
    const row = counters.rows.get("address");
    expect(row?.expiresAt).toBe(t0 + 40_000 + ADDRESS_RULE.forgetAfterMs);
    expect(waitMs(PAIR_RULE, counters.states(t0 + 40_000).get("pair"), t0 + 40_000)).toBe(2000);
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
