import { afterEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import { databases } from "../support/databases.js";
import { startTestApp, type TestApp } from "../support/web.js";

/**
 * An outside attacker choosing the address every limit counts: rotating IPv6 addresses inside
 * one /64 (a host is given the whole /64 and picks a new address per connection), and writing
 * X-Forwarded-For with and without trusted proxies. Each limit must count the /64, and must
 * never believe an address the client wrote.
 */
const REPORT = { title: "Limit me", fields: { "location-impact": "here", steps: "there" } };

describe.each(databases)("limits per address on $name", (database) => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });
  const start = async (overrides: Partial<Config>) => {
    t = await startTestApp(() => database.open(), overrides);
  };
  const limits = (overrides: Partial<Config["rateLimits"]>): Partial<Config> => ({
    rateLimits: {
      perAddressPerHour: 20,
      perAddressWithoutPowPerHour: 3,
      perProgramPerHour: 100_000,
      requestsPerMinute: 100_000,
      ...overrides,
    },
  });
  const report = (remoteAddress: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: "POST",
      url: "/api/v1/programs/kafe/reports",
      remoteAddress,
      headers: { "content-type": "application/json", ...headers },
      payload: JSON.stringify(REPORT),
    });

  // Held: @fastify/rate-limit groups IPv6 clients by prefix (its default /56, wider than our /64),
  // so a host rotating addresses in its /64 gets no more requests. Kept as a guard: a custom
  // keyGenerator on request.ip would lose that.
  it("counts the global request limit per IPv6 /64, not per address", async () => {
    await start(limits({ requestsPerMinute: 5 }));
    const codes: number[] = [];
    for (let i = 1; i <= 8; i++) {
      const response = await t.app.inject({ method: "GET", url: "/", remoteAddress: `2001:db8:1:2::${i}` });
      codes.push(response.statusCode);
    }
    expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(codes.slice(5)).toEqual([429, 429, 429]);
    // Another /64 has its own allowance.
    expect(
      (await t.app.inject({ method: "GET", url: "/", remoteAddress: "2001:db8:1:3::1" })).statusCode,
    ).toBe(200);
    // An IPv4 client seen through a dual-stack socket is the same client as plain IPv4.
    for (let i = 0; i < 5; i++) await t.app.inject({ method: "GET", url: "/", remoteAddress: "192.0.2.9" });
    expect(
      (await t.app.inject({ method: "GET", url: "/", remoteAddress: "::ffff:192.0.2.9" })).statusCode,
    ).toBe(429);
  });

  // Held: the intake limit counts the /64; rotating inside it does not help.
  it("counts reports per /64 whichever address in it sends them", async () => {
    await start(limits({}));
    const codes: number[] = [];
    for (let i = 1; i <= 5; i++) codes.push((await report(`2001:db8:5:6::${i.toString(16)}`)).statusCode);
    expect(codes).toEqual([201, 201, 201, 429, 429]);
    // A neighbouring /64 (same /48) is another host: its own allowance.
    expect((await report("2001:db8:5:7::1")).statusCode).toBe(201);
  });

  // Held: without EMBARGO_TRUST_PROXY the header is ignored.
  it("ignores X-Forwarded-For from a client when no proxy is trusted", async () => {
    await start(limits({}));
    const codes: number[] = [];
    for (let i = 1; i <= 5; i++)
      codes.push((await report("198.51.100.7", { "x-forwarded-for": `203.0.113.${i}` })).statusCode);
    expect(codes).toEqual([201, 201, 201, 429, 429]);
    const refused = await report("198.51.100.7", { "x-forwarded-for": "203.0.113.99" });
    // The refusal says which limit, and nothing about other senders or the program's volume.
    expect(refused.json()).toMatchObject({ error: "rate_limited" });
    expect(refused.body).not.toMatch(/203\.0\.113|198\.51\.100/);
  });

  // Held: behind a trusted proxy, what the client wrote is left of what the proxy appended.
  it("believes only the trusted proxy's entry, never the client's own", async () => {
    await start({ ...limits({}), trustProxy: { kind: "addresses", addresses: ["127.0.0.1"] } });
    const codes: number[] = [];
    for (let i = 1; i <= 5; i++)
      codes.push(
        (await report("127.0.0.1", { "x-forwarded-for": `10.9.9.${i}, 203.0.113.${i}, 198.51.100.7` }))
          .statusCode,
      );
    expect(codes).toEqual([201, 201, 201, 429, 429]);
    // A client that reaches Embargo directly (not through the proxy) is counted by its socket.
    const direct = await report("198.51.100.8", { "x-forwarded-for": "203.0.113.50" });
    expect(direct.statusCode).toBe(201);
    const again = await Promise.all(
      [1, 2, 3].map((i) => report("198.51.100.8", { "x-forwarded-for": `203.0.113.${60 + i}` })),
    );
    expect(again.map((r) => r.statusCode).sort()).toEqual([201, 201, 429]);
  });
});
