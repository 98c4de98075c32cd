import { afterEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import { solvePowChallenge } from "../../src/web/pow/solver.js";
import { databases } from "../support/databases.js";
import { multipart, openForm, startTestApp, type TestApp } from "../support/web.js";

/**
 * Intake limits under concurrency, through HTTP: the tokens of a report are taken in one locked
 * step before it is written, so a burst cannot get past a limit that one request at a time would
 * meet (found: 40 concurrent API reports from one address, all accepted against 5 an hour). The
 * address's allowance is shared by reports with and without proof-of-work; a program's allowance
 * keeps a reserve for senders who solved it, and a refusal says which limit was hit.
 */
const report = { title: "Limit me", fields: { "location-impact": "here", steps: "there" } };
const formFields = {
  title: "Typed by hand",
  "fields.location-impact": "kept impact",
  "fields.steps": "kept steps",
};
const ATTACKER = "203.0.113.7";

describe.each(databases)("intake limits on $name", (database) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const start = async (limits: { withPow: number; withoutPow: number; perProgram: number }) => {
    const rateLimits: Config["rateLimits"] = {
      perAddressPerHour: limits.withPow,
      perAddressWithoutPowPerHour: limits.withoutPow,
      perProgramPerHour: limits.perProgram,
      requestsPerMinute: 100_000,
    };
    t = await startTestApp(database.open, { rateLimits });
    return t;
  };
  const post = (app: TestApp, body: object, remoteAddress = ATTACKER) =>
    app.app.inject({
      method: "POST",
      url: "/api/v1/programs/kafe/reports",
      remoteAddress,
      headers: { "content-type": "application/json" },
      payload: JSON.stringify(body),
    });
  const withPow = async (app: TestApp) => {
    const challenge = await app.app.inject({ method: "GET", url: "/api/v1/pow/challenge" });
    return { ...report, pow: await solvePowChallenge(challenge.json()) };
  };
  const statuses = (responses: { statusCode: number }[]) => {
    const count = new Map<number, number>();
    for (const { statusCode } of responses) count.set(statusCode, (count.get(statusCode) ?? 0) + 1);
    return Object.fromEntries(count);
  };
  const cases = async (app: TestApp) =>
    (await app.store.db.selectFrom("cases").select("id").execute()).length;

  it("accepts exactly 5 of 40 concurrent API reports without proof-of-work against 5 an hour", async () => {
    const app = await start({ withPow: 20, withoutPow: 5, perProgram: 500 });
    const responses = await Promise.all(Array.from({ length: 40 }, () => post(app, report)));
    expect(statuses(responses)).toEqual({ 201: 5, 429: 35 });
    expect(await cases(app)).toBe(5);
    const refused = responses.find((response) => response.statusCode === 429)!;
    // The bucket refills evenly: one report every 12 minutes.
    expect(refused.headers["retry-after"]).toBe(String(12 * 60));
    expect(refused.json()).toEqual({
      error: "rate_limited",
      message: "Too many reports from your address. Please try again in 12 minutes.",
      retryAfterSeconds: 12 * 60,
    });
  });

  it("accepts exactly 5 of 40 concurrent form posts without proof-of-work, keeping what was typed", async () => {
    const app = await start({ withPow: 20, withoutPow: 5, perProgram: 500 });
    const form = await openForm(app.app, "/p/kafe/report");
    const body = await multipart({ _csrf: form.csrf, ...formFields });
    const responses = await Promise.all(
      Array.from({ length: 40 }, () =>
        app.app.inject({
          method: "POST",
          url: "/p/kafe/report",
          remoteAddress: ATTACKER,
          headers: { ...body.headers, cookie: form.cookie },
          payload: body.payload,
        }),
      ),
    );
    expect(statuses(responses)).toEqual({ 303: 5, 429: 35 });
    expect(await cases(app)).toBe(5);
    const refused = responses.find((response) => response.statusCode === 429)!;
    expect(refused.headers["retry-after"]).toBe(String(12 * 60));
    expect(refused.body).toContain("Too many reports from your address. Please try again in 12 minutes.");
    expect(refused.body).toContain('value="Typed by hand"');
    expect(refused.body).toContain("kept steps");
  });

  it("counts reports with and without proof-of-work against one allowance of 20", async () => {
    const app = await start({ withPow: 20, withoutPow: 5, perProgram: 500 });
    // One at a time, so only the sharing is tested here (found: 5 + 20 = 25 an hour).
    const sequentially = async (bodies: object[]) => {
      const responses = [];
      for (const body of bodies) responses.push(await post(app, body));
      return responses;
    };
    expect(statuses(await sequentially(Array.from({ length: 8 }, () => report)))).toEqual({ 201: 5, 429: 3 });
    const solved = await Promise.all(Array.from({ length: 18 }, () => withPow(app)));
    expect(statuses(await sequentially(solved))).toEqual({ 201: 15, 429: 3 });
    expect(await cases(app)).toBe(20);
  });

  it("gives the tokens of an invalid report back", async () => {
    const app = await start({ withPow: 20, withoutPow: 2, perProgram: 500 });
    // One after another: while in flight, an invalid report holds its tokens like any other.
    for (let i = 0; i < 5; i++) expect((await post(app, { ...report, fields: {} })).statusCode).toBe(400);
    expect((await post(app, report)).statusCode).toBe(201);
    expect((await post(app, report)).statusCode).toBe(201);
    expect((await post(app, report)).statusCode).toBe(429);
  });

  it("says when the program's limit was hit, not the sender's, in the API and the form", async () => {
    const app = await start({ withPow: 100, withoutPow: 100, perProgram: 2 });
    expect((await post(app, report, "192.0.2.1")).statusCode).toBe(201);
    expect((await post(app, report, "192.0.2.2")).statusCode).toBe(201);
    const busy = await post(app, report, "192.0.2.3");
    expect(busy.statusCode).toBe(429);
    expect(busy.headers["retry-after"]).toBe(String(30 * 60));
    expect(busy.json()).toMatchObject({ error: "program_busy", retryAfterSeconds: 30 * 60 });
    expect(busy.json().message).toMatch(
      /^This program is receiving an unusual number of reports\. Please try again in 30 minutes\./,
    );

    const form = await openForm(app.app, "/p/kafe/report");
    const body = await multipart({ _csrf: form.csrf, ...formFields });
    const page = await app.app.inject({
      method: "POST",
      url: "/p/kafe/report",
      remoteAddress: "192.0.2.4",
      headers: { ...body.headers, cookie: form.cookie },
      payload: body.payload,
    });
    expect(page.statusCode).toBe(429);
    expect(page.headers["retry-after"]).toBe(String(30 * 60));
    expect(page.body).toContain("This program is receiving an unusual number of reports.");
    expect(page.body).not.toContain("from your address");
    expect(page.body).toContain('value="Typed by hand"');
  });

  it("does not let a burst from one address lock another out of the program", async () => {
    const app = await start({ withPow: 20, withoutPow: 5, perProgram: 10 });
    const burst = await Promise.all(Array.from({ length: 40 }, () => post(app, report)));
    expect(statuses(burst)).toEqual({ 201: 5, 429: 35 });
    expect((await post(app, report, "198.51.100.9")).statusCode).toBe(201);
  });

  it("counts an IPv6 sender by its /64, so rotating addresses within it does not help", async () => {
    const app = await start({ withPow: 20, withoutPow: 3, perProgram: 500 });
    const rotated = await Promise.all(
      Array.from({ length: 10 }, (_, i) => post(app, report, `2001:db8:1:2::${(i + 1).toString(16)}`)),
    );
    expect(statuses(rotated)).toEqual({ 201: 3, 429: 7 });
    expect((await post(app, report, "2001:db8:1:3::1")).statusCode).toBe(201);
  });

  it("keeps a fifth of a program's allowance for senders who solved the proof-of-work", async () => {
    const app = await start({ withPow: 20, withoutPow: 5, perProgram: 10 });
    // Ten addresses without proof-of-work (a botnet, or Tor's exits) get 8 of the 10 …
    const many = await Promise.all(
      Array.from({ length: 10 }, (_, i) => post(app, report, `192.0.2.${i + 1}`)),
    );
    expect(statuses(many)).toEqual({ 201: 8, 429: 2 });
    const refused = many.find((response) => response.statusCode === 429)!;
    expect(refused.json()).toMatchObject({ error: "program_busy" });
    expect(refused.json().message).toContain("Reports sent with JavaScript on");
    // … and a reporter whose browser solved it still gets in, until the program's limit.
    expect((await post(app, await withPow(app), "198.51.100.1")).statusCode).toBe(201);
    expect((await post(app, await withPow(app), "198.51.100.2")).statusCode).toBe(201);
    const full = await post(app, await withPow(app), "198.51.100.3");
    expect(full.json()).toMatchObject({ error: "program_busy" });
    expect(full.json().message).not.toContain("JavaScript");
  });

  it("documents both refusals in the OpenAPI description", async () => {
    const app = await start({ withPow: 20, withoutPow: 5, perProgram: 500 });
    const spec = (await app.app.inject({ method: "GET", url: "/api/v1/openapi.json" })).body;
    expect(spec).toContain("IntakeLimitError");
    expect(spec).toContain("program_busy");
    expect(spec).toContain("retryAfterSeconds");
  });
});
