import { randomBytes } from "node:crypto";
import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { type PowChallenge, type PowOptions, ReplayGuard, verifyPowSolution } from "./challenge.js";
import { POW_CHALLENGE_PATH, powRoutes } from "./routes.js";
import { solvePowChallenge } from "./solver.js";

const opts: PowOptions = {
  hmacKey: randomBytes(32),
  maxNumber: 300,
  expiresInSeconds: 120,
  now: () => new Date("2031-01-02T03:04:05Z"),
};

describe("powRoutes", () => {
  const app = Fastify();
  const replay = new ReplayGuard();
  app.register(powRoutes, { options: opts, replay });

  afterAll(() => app.close());

  it("serves a fresh, uncacheable challenge that solves and verifies", async () => {
    expect(POW_CHALLENGE_PATH).toBe("/api/v1/pow/challenge");
    const response = await app.inject({ method: "GET", url: "/api/v1/pow/challenge" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    expect(response.headers["cache-control"]).toBe("no-store");
    const challenge = response.json<PowChallenge>();
    expect(Object.keys(challenge).sort()).toEqual([
      "algorithm",
      "challenge",
      "maxnumber",
      "salt",
      "signature",
    ]);
    expect(challenge).toMatchObject({ algorithm: "SHA-256", maxnumber: 300 });
    expect(challenge.salt).toContain(`?expires=${Date.parse("2031-01-02T03:04:05Z") / 1000 + 120}&`);

    const payload = await solvePowChallenge(challenge);
    expect(await verifyPowSolution(payload, opts, replay)).toBe("valid");
    expect(await verifyPowSolution(payload, opts, replay)).toBe("replayed");
  });

  it("issues a different challenge per request", async () => {
    const [a, b] = await Promise.all([
      app.inject({ method: "GET", url: POW_CHALLENGE_PATH }),
      app.inject({ method: "GET", url: POW_CHALLENGE_PATH }),
    ]);
    expect(a.json<PowChallenge>().salt).not.toBe(b.json<PowChallenge>().salt);
  });

  it("answers only GET (and HEAD)", async () => {
    const response = await app.inject({ method: "POST", url: POW_CHALLENGE_PATH });
    expect(response.statusCode).toBe(404);
  });
});
