import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  assertPowOptions,
  createPowChallenge,
  DEFAULT_POW_MAX_NUMBER,
  defaultPowOptions,
  type PowOptions,
  ReplayGuard,
  verifyPowSolution,
} from "./challenge.js";
import { solvePowChallenge } from "./solver.js";

const T0 = Date.parse("2031-05-06T07:08:09.000Z");

/** Small difficulty and a movable clock. */
function setup(overrides: Partial<PowOptions> = {}) {
  let nowMs = T0;
  const opts: PowOptions = {
    hmacKey: randomBytes(32),
    maxNumber: 200,
    expiresInSeconds: 300,
    now: () => new Date(nowMs),
    ...overrides,
  };
  return {
    opts,
    replay: new ReplayGuard(),
    advance(ms: number) {
      nowMs += ms;
    },
  };
}

const decode = (payload: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(payload, "base64").toString("utf8")) as Record<string, unknown>;
const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), "utf8").toString("base64");

describe("createPowChallenge", () => {
  it("returns ALTCHA's v1 JSON shape with the expiry in the salt", async () => {
    const { opts } = setup();
    const challenge = await createPowChallenge(opts);
    expect(Object.keys(challenge).sort()).toEqual([
      "algorithm",
      "challenge",
      "maxnumber",
      "salt",
      "signature",
    ]);
    expect(challenge.algorithm).toBe("SHA-256");
    expect(challenge.maxnumber).toBe(200);
    expect(challenge.challenge).toMatch(/^[0-9a-f]{64}$/);
    expect(challenge.signature).toMatch(/^[0-9a-f]{64}$/);
    expect(challenge.salt).toMatch(/^[0-9a-f]+\?expires=\d+&$/);
    expect(challenge.salt).toContain(`?expires=${T0 / 1000 + 300}&`);
  });

  it("issues a different challenge every time", async () => {
    const { opts } = setup();
    const a = await createPowChallenge(opts);
    const b = await createPowChallenge(opts);
    expect(a.salt).not.toBe(b.salt);
    expect(a.signature).not.toBe(b.signature);
  });

  it("rejects bad options", async () => {
    await expect(createPowChallenge(setup({ hmacKey: Buffer.alloc(16) }).opts)).rejects.toThrow(RangeError);
    await expect(createPowChallenge(setup({ maxNumber: 0 }).opts)).rejects.toThrow(RangeError);
    await expect(createPowChallenge(setup({ maxNumber: 1.5 }).opts)).rejects.toThrow(RangeError);
    await expect(createPowChallenge(setup({ expiresInSeconds: 0 }).opts)).rejects.toThrow(RangeError);
  });

  it("has documented defaults", () => {
    const opts = defaultPowOptions(randomBytes(32));
    expect(opts.maxNumber).toBe(DEFAULT_POW_MAX_NUMBER);
    expect(DEFAULT_POW_MAX_NUMBER).toBe(50_000);
    expect(() => assertPowOptions(opts)).not.toThrow();
    expect(Math.abs(opts.now().getTime() - Date.now())).toBeLessThan(5_000);
  });
});

describe("verifyPowSolution", () => {
  it("accepts a solved challenge once, then reports a replay", async () => {
    const { opts, replay } = setup();
    const payload = await solvePowChallenge(await createPowChallenge(opts));
    expect(await verifyPowSolution(payload, opts, replay)).toBe("valid");
    expect(await verifyPowSolution(payload, opts, replay)).toBe("replayed");
    expect(replay.size).toBe(1);
  });

  it("lets exactly one of two concurrent uses of a payload through", async () => {
    const { opts, replay } = setup();
    const payload = await solvePowChallenge(await createPowChallenge(opts));
    const verdicts = await Promise.all([
      verifyPowSolution(payload, opts, replay),
      verifyPowSolution(payload, opts, replay),
    ]);
    expect(verdicts.sort()).toEqual(["replayed", "valid"]);
  });

  it("accepts separate challenges independently", async () => {
    const { opts, replay } = setup();
    const a = await solvePowChallenge(await createPowChallenge(opts));
    const b = await solvePowChallenge(await createPowChallenge(opts));
    expect(await verifyPowSolution(a, opts, replay)).toBe("valid");
    expect(await verifyPowSolution(b, opts, replay)).toBe("valid");
  });

  it("accepts a payload with extra fields (ALTCHA's widget adds 'took') and surrounding whitespace", async () => {
    const { opts, replay } = setup();
    const payload = await solvePowChallenge(await createPowChallenge(opts));
    const withTook = encode({ ...decode(payload), took: 12 });
    expect(await verifyPowSolution(` ${withTook}\n`, opts, replay)).toBe("valid");
  });

  it("reports expired after the lifetime, by the injected clock", async () => {
    const { opts, replay, advance } = setup();
    const payload = await solvePowChallenge(await createPowChallenge(opts));
    advance(300_000 - 1);
    expect(await verifyPowSolution(payload, opts, new ReplayGuard())).toBe("valid");
    advance(1);
    expect(await verifyPowSolution(payload, opts, replay)).toBe("expired");
    advance(86_400_000);
    expect(await verifyPowSolution(payload, opts, replay)).toBe("expired");
    expect(replay.size).toBe(0);
  });

  it("rejects a wrong number", async () => {
    const { opts, replay } = setup();
    const payload = await solvePowChallenge(await createPowChallenge(opts));
    const solution = decode(payload);
    const wrong = encode({ ...solution, number: (solution.number as number) + 1 });
    expect(await verifyPowSolution(wrong, opts, replay)).toBe("invalid");
    expect(await verifyPowSolution(payload, opts, replay)).toBe("valid");
  });

  it("rejects a tampered signature, challenge or salt", async () => {
    const { opts, replay } = setup();
    const payload = await solvePowChallenge(await createPowChallenge(opts));
    const solution = decode(payload);
    const flip = (hex: string) => (hex[0] === "0" ? "1" : "0") + hex.slice(1);
    const salt = solution.salt as string;
    const laterExpiry = salt.replace(/expires=(\d+)/, (_m, s: string) => `expires=${Number(s) + 3600}`);
    for (const tampered of [
      { ...solution, signature: flip(solution.signature as string) },
      { ...solution, challenge: flip(solution.challenge as string) },
      { ...solution, salt: flip(salt) },
      { ...solution, salt: laterExpiry },
    ]) {
      expect(await verifyPowSolution(encode(tampered), opts, replay)).toBe("invalid");
    }
    expect(await verifyPowSolution(payload, opts, replay)).toBe("valid");
  });

  it("rejects a challenge signed with another key", async () => {
    const { opts, replay } = setup();
    const other = setup({ now: opts.now });
    const payload = await solvePowChallenge(await createPowChallenge(other.opts));
    expect(await verifyPowSolution(payload, opts, replay)).toBe("invalid");
    expect(await verifyPowSolution(payload, other.opts, other.replay)).toBe("valid");
  });

  it("rejects another algorithm even when correctly solved and signed", async () => {
    const { opts, replay } = setup();
    const payload = await solvePowChallenge(await createPowChallenge(opts));
    expect(await verifyPowSolution(encode({ ...decode(payload), algorithm: "SHA-1" }), opts, replay)).toBe(
      "invalid",
    );
  });

  it.each([undefined, null, "", "   ", "\n"])("reports %j as missing", async (payload) => {
    const { opts, replay } = setup();
    expect(await verifyPowSolution(payload, opts, replay)).toBe("missing");
  });

  it("reports garbage as invalid without throwing", async () => {
    const { opts, replay } = setup();
    const valid = decode(await solvePowChallenge(await createPowChallenge(opts)));
    const garbage: unknown[] = [
      "not base64!",
      "%%%%",
      "YWJj", // "abc": base64, not JSON
      "YWJjZA", // unpadded
      Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString("base64"), // not UTF-8 JSON
      encode(null),
      encode(42),
      encode("a string"),
      encode([valid]),
      encode({}),
      encode({ ...valid, number: "1" }),
      encode({ ...valid, number: -1 }),
      encode({ ...valid, number: 1.5 }),
      encode({ ...valid, number: 1e21 }),
      encode({ ...valid, number: null }),
      encode({ ...valid, salt: 12 }),
      encode({ ...valid, salt: "abcdef12" }), // no expiry
      encode({ ...valid, salt: `${valid.salt as string}expires=1&` }),
      encode({ ...valid, challenge: (valid.challenge as string).toUpperCase() }),
      encode({ ...valid, signature: ["x"] }),
      encode({ ...valid, algorithm: "MD5" }), // WebCrypto would throw on it
      encode({ ...valid, algorithm: { toUpperCase: 1 } }),
      "A".repeat(10_000_000),
      encode({ ...valid, pad: "x".repeat(2000) }),
      42,
      {},
      ["a"],
      true,
    ];
    for (const payload of garbage) {
      expect(await verifyPowSolution(payload, opts, replay), String(payload).slice(0, 60)).toBe("invalid");
    }
    expect(replay.size).toBe(0);
  });

  it("throws on bad options rather than answering", async () => {
    const { opts, replay } = setup();
    await expect(verifyPowSolution("x", { ...opts, hmacKey: Buffer.alloc(0) }, replay)).rejects.toThrow(
      RangeError,
    );
  });
});

describe("ReplayGuard", () => {
  it("remembers a key until it expires", () => {
    const guard = new ReplayGuard();
    expect(guard.claim("a", 1_000, 0)).toBe(true);
    expect(guard.claim("a", 1_000, 999)).toBe(false);
    expect(guard.claim("a", 1_000, 1_000)).toBe(true); // forgotten once expired (verify reports 'expired' first)
    expect(guard.size).toBe(0);
  });

  it("does not store keys that are already expired", () => {
    const guard = new ReplayGuard();
    expect(guard.claim("old", 5, 10)).toBe(true);
    expect(guard.size).toBe(0);
  });

  it("stays within maxEntries, evicting expired entries first", () => {
    const guard = new ReplayGuard({ maxEntries: 3 });
    expect(guard.claim("long", 10_000, 0)).toBe(true);
    expect(guard.claim("short1", 100, 0)).toBe(true);
    expect(guard.claim("short2", 200, 0)).toBe(true);
    expect(guard.size).toBe(3);
    // At t=150, short1 has expired: dropped, nothing unexpired evicted.
    expect(guard.claim("new1", 5_000, 150)).toBe(true);
    expect(guard.size).toBe(3);
    expect(guard.claim("long", 10_000, 150)).toBe(false);
    expect(guard.claim("short2", 200, 150)).toBe(false);
    expect(guard.claim("new1", 5_000, 150)).toBe(false);
  });

  it("when full of unexpired entries, evicts the one expiring soonest", () => {
    const guard = new ReplayGuard({ maxEntries: 3 });
    guard.claim("c", 3_000, 0);
    guard.claim("a", 1_000, 0);
    guard.claim("b", 2_000, 0);
    expect(guard.claim("d", 4_000, 0)).toBe(true);
    expect(guard.size).toBe(3);
    expect(guard.claim("b", 2_000, 0)).toBe(false);
    expect(guard.claim("c", 3_000, 0)).toBe(false);
    expect(guard.claim("d", 4_000, 0)).toBe(false);
    expect(guard.claim("a", 1_000, 0)).toBe(true); // the evicted one
  });

  it("keeps a bounded size under a long stream of claims with random expiries", () => {
    const max = 1_000;
    const guard = new ReplayGuard({ maxEntries: max });
    let seed = 1;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    let largest = 0;
    let wrong = 0;
    for (let now = 0; now < 20_000; now++) {
      const expiresAt = now + 1 + Math.floor(random() * 3_000);
      if (!guard.claim(`k${now}`, expiresAt, now)) wrong++;
      if (guard.claim(`k${now}`, expiresAt, now)) wrong++; // just claimed: remembered
      largest = Math.max(largest, guard.size);
    }
    expect(wrong).toBe(0);
    expect(largest).toBe(max);
    // Once everything has expired, the next claim empties the guard.
    expect(guard.claim("late", 100_000, 30_000)).toBe(true);
    expect(guard.size).toBe(1);
  });

  it("defaults to 100,000 entries and rejects a bad bound", () => {
    expect(new ReplayGuard().maxEntries).toBe(100_000);
    expect(() => new ReplayGuard({ maxEntries: 0 })).toThrow(RangeError);
  });
});

describe("solvePowChallenge", () => {
  it("finds the number over 0..maxnumber and encodes the ALTCHA payload", async () => {
    const { opts } = setup();
    const challenge = await createPowChallenge(opts);
    const solution = decode(await solvePowChallenge(challenge));
    expect(Object.keys(solution).sort()).toEqual(["algorithm", "challenge", "number", "salt", "signature"]);
    expect(solution).toMatchObject({
      algorithm: "SHA-256",
      challenge: challenge.challenge,
      salt: challenge.salt,
      signature: challenge.signature,
    });
    expect(solution.number).toBeGreaterThanOrEqual(0);
    expect(solution.number).toBeLessThanOrEqual(200);
  });

  it("solves the default difficulty quickly", async () => {
    const { opts, replay } = setup({ maxNumber: DEFAULT_POW_MAX_NUMBER });
    const started = performance.now();
    const payload = await solvePowChallenge(await createPowChallenge(opts));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await verifyPowSolution(payload, opts, replay)).toBe("valid");
  });

  it("fails when no number solves it, or for another algorithm", async () => {
    const { opts } = setup();
    const challenge = await createPowChallenge(opts);
    await expect(solvePowChallenge({ ...challenge, challenge: "0".repeat(64) })).rejects.toThrow(/no number/);
    await expect(
      solvePowChallenge({ ...challenge, algorithm: "SHA-1" as unknown as "SHA-256" }),
    ).rejects.toThrow(/unsupported/);
  });

  it("can be aborted", async () => {
    const { opts } = setup();
    const challenge = await createPowChallenge(opts);
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(solvePowChallenge(challenge, { signal: controller.signal })).rejects.toThrow("stop");
  });
});
