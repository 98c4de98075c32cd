import { afterEach, describe, expect, it } from "vitest";
import { solvePowChallenge } from "../../src/web/pow/solver.js";
import { databases } from "../support/databases.js";
import { multipart, openForm, startTestApp, type TestApp } from "../support/web.js";

/**
 * Rate limits per address and per program. A sender who solved the proof-of-work (JavaScript
 * on) gets the normal allowance; one who did not (JavaScript off, Tor) still gets through, under
 * a stricter one.
 */
const report = { title: "Limit me", fields: { "location-impact": "here", steps: "there" } };

describe("abuse limits", () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
  });

  const start = async (limits: { withPow: number; withoutPow: number; perProgram: number }) => {
    t = await startTestApp(databases[0]!.open, {
      rateLimits: {
        perAddressPerHour: limits.withPow,
        perAddressWithoutPowPerHour: limits.withoutPow,
        perProgramPerHour: limits.perProgram,
        requestsPerMinute: 10_000,
      },
    });
    return t;
  };
  const post = (app: TestApp, body: object, remoteAddress = "203.0.113.7") =>
    app.app.inject({
      method: "POST",
      url: "/api/v1/programs/kafe/reports",
      remoteAddress,
      headers: { "content-type": "application/json" },
      payload: JSON.stringify(body),
    });
  const solvedPow = async (app: TestApp) => {
    const challenge = await app.app.inject({ method: "GET", url: "/api/v1/pow/challenge" });
    expect(challenge.headers["cache-control"]).toBe("no-store");
    return solvePowChallenge(challenge.json());
  };

  it("lets a sender without proof-of-work through under a stricter limit, and one with it further", async () => {
    const app = await start({ withPow: 3, withoutPow: 1, perProgram: 100 });
    expect((await post(app, report)).statusCode).toBe(201);
    const limited = await post(app, report);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ error: "rate_limited" });

    // One allowance of 3 per address, shared: the report without proof-of-work used one of it.
    for (let i = 0; i < 2; i++) {
      expect((await post(app, { ...report, pow: await solvedPow(app) })).statusCode).toBe(201);
    }
    expect((await post(app, { ...report, pow: await solvedPow(app) })).statusCode).toBe(429);
    // Another address has its own allowance.
    expect((await post(app, report, "198.51.100.9")).statusCode).toBe(201);
  });

  it("does not accept the same proof-of-work twice", async () => {
    const app = await start({ withPow: 10, withoutPow: 1, perProgram: 100 });
    const pow = await solvedPow(app);
    expect((await post(app, { ...report, pow })).statusCode).toBe(201);
    // The replay counts as no proof-of-work: the first such report passes, the next does not.
    expect((await post(app, { ...report, pow })).statusCode).toBe(201);
    expect((await post(app, { ...report, pow })).statusCode).toBe(429);
  });

  it("limits reports per program across addresses", async () => {
    const app = await start({ withPow: 100, withoutPow: 100, perProgram: 2 });
    expect((await post(app, report, "192.0.2.1")).statusCode).toBe(201);
    expect((await post(app, report, "192.0.2.2")).statusCode).toBe(201);
    expect((await post(app, report, "192.0.2.3")).statusCode).toBe(429);
  });

  it("does not count invalid reports, and keeps what was typed when the form is limited", async () => {
    const app = await start({ withPow: 100, withoutPow: 1, perProgram: 100 });
    expect((await post(app, { title: "" })).statusCode).toBe(400);
    expect((await post(app, report)).statusCode).toBe(201);
    const form = await openForm(app.app, "/p/kafe/report");
    const body = await multipart({ _csrf: form.csrf, title: "Typed by hand", "fields.steps": "kept steps" });
    const limited = await app.app.inject({
      method: "POST",
      url: "/p/kafe/report",
      remoteAddress: "203.0.113.7",
      headers: { ...body.headers, cookie: form.cookie },
      payload: body.payload,
    });
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toContain("Too many reports from your address");
    expect(limited.body).toContain('value="Typed by hand"');
    expect(limited.body).toContain("kept steps");
  });
});
