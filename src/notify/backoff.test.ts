import { describe, expect, it } from "vitest";
import { MAX_ATTEMPTS, nextAttemptAt, RETRY_DELAYS_MS } from "./backoff.js";

const now = new Date("2025-01-01T00:00:00Z");
const delayAfter = (attempts: number, random: number) => {
  const next = nextAttemptAt(attempts, now, () => random);
  return next === null ? null : next.getTime() - now.getTime();
};

describe("nextAttemptAt", () => {
  it("follows the documented schedule without jitter at random = 0.5", () => {
    const minutes = RETRY_DELAYS_MS.map((_, i) => (delayAfter(i + 1, 0.5) ?? 0) / 60_000);
    expect(minutes).toEqual([0.5, 2, 10, 30, 60, 180, 360, 720]);
  });

  it("is due now before the first attempt and gives up after the last", () => {
    expect(nextAttemptAt(0, now)?.getTime()).toBe(now.getTime());
    expect(MAX_ATTEMPTS).toBe(9);
    expect(nextAttemptAt(9, now, () => 0.5)).toBeNull();
    expect(nextAttemptAt(50, now, () => 0.5)).toBeNull();
  });

  it("keeps jitter within ±10 %", () => {
    for (let attempts = 1; attempts < MAX_ATTEMPTS; attempts++) {
      const base = RETRY_DELAYS_MS[attempts - 1]!;
      expect(delayAfter(attempts, 0)).toBe(Math.round(base * 0.9));
      expect(delayAfter(attempts, 0.999999)).toBeLessThanOrEqual(Math.round(base * 1.1));
      expect(delayAfter(attempts, 0.999999)).toBeGreaterThan(base);
      // A broken random source is clamped rather than trusted.
      expect(delayAfter(attempts, 7)).toBe(Math.round(base * 1.1));
      expect(delayAfter(attempts, -3)).toBe(Math.round(base * 0.9));
    }
  });

  it("spreads real random delays within the bounds", () => {
    for (let i = 0; i < 200; i++) {
      const delay = nextAttemptAt(3, now)!.getTime() - now.getTime();
      expect(delay).toBeGreaterThanOrEqual(9 * 60_000);
      expect(delay).toBeLessThanOrEqual(11 * 60_000);
    }
  });

  it("refuses nonsense attempt counts", () => {
    expect(() => nextAttemptAt(-1, now)).toThrow(RangeError);
    expect(() => nextAttemptAt(1.5, now)).toThrow(RangeError);
  });
});
