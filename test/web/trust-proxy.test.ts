import { afterEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import { loadConfig } from "../../src/config.js";
import { databases } from "../support/databases.js";
import { startTestApp, type TestApp } from "../support/web.js";

/**
 * Behind a proxy, the client's address is what the proxy appended to X-Forwarded-For, never
 * what the client wrote there. A client that prepends entries of its own must still be counted
 * as itself by every limit that goes by address: here the limit on every request and the
 * intake limit. (`EMBARGO_TRUST_PROXY=true` took the leftmost entry: each request with a new
 * made-up address got a fresh allowance.)
 */
const PROXY = "127.0.0.1";
const CLIENT = "203.0.113.7";
const report = { title: "Behind a proxy", fields: { "location-impact": "here", steps: "there" } };

describe("the client's address behind a trusted proxy", () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
  });

  const start = async (setting: string, rateLimits: Partial<Config["rateLimits"]> = {}) => {
    const { trustProxy } = loadConfig({ EMBARGO_TRUST_PROXY: setting }, "/nonexistent/embargo.yaml");
    t = await startTestApp(databases[0]!.open, {
      trustProxy,
      rateLimits: {
        perAddressPerHour: 100,
        perAddressWithoutPowPerHour: 100,
        perProgramPerHour: 1000,
        requestsPerMinute: 1000,
        ...rateLimits,
      },
    });
    return t;
  };
  /** What the proxy passes on: the client's own entries, then the address it saw. */
  const viaProxy = (spoofed: string, remoteAddress = PROXY) => ({
    remoteAddress,
    headers: { "x-forwarded-for": `${spoofed}, ${CLIENT}` },
  });

  for (const setting of ["1", "127.0.0.1", "loopback, 10.0.0.0/8"]) {
    it(`counts the real client against the limit on every request (EMBARGO_TRUST_PROXY=${setting})`, async () => {
      const app = await start(setting, { requestsPerMinute: 3 });
      const statuses: number[] = [];
      for (let i = 1; i <= 4; i++) {
        const response = await app.app.inject({ method: "GET", url: "/p/kafe", ...viaProxy(`10.9.9.${i}`) });
        statuses.push(response.statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      // Another client behind the same proxy has its own allowance.
      const other = await app.app.inject({
        method: "GET",
        url: "/p/kafe",
        remoteAddress: PROXY,
        headers: { "x-forwarded-for": "198.51.100.20" },
      });
      expect(other.statusCode).toBe(200);
    });
  }

  it("counts the real client against the intake limit, whatever it prepends", async () => {
    const app = await start("1", { perAddressWithoutPowPerHour: 2 });
    const statuses: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const proxied = viaProxy(`192.0.2.${i}, 10.0.0.${i}`);
      const response = await app.app.inject({
        method: "POST",
        url: "/api/v1/programs/kafe/reports",
        remoteAddress: proxied.remoteAddress,
        headers: { ...proxied.headers, "content-type": "application/json" },
        payload: JSON.stringify(report),
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([201, 201, 429]);
  });

  it("ignores X-Forwarded-For from a peer that is not a listed proxy", async () => {
    const app = await start("127.0.0.1", { requestsPerMinute: 2 });
    const statuses: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const response = await app.app.inject({
        method: "GET",
        url: "/p/kafe",
        remoteAddress: "198.51.100.9",
        headers: { "x-forwarded-for": `10.9.9.${i}` },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  it("trusts no X-Forwarded-For at all by default", async () => {
    const app = await start("", { requestsPerMinute: 2 });
    const statuses: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const response = await app.app.inject({ method: "GET", url: "/p/kafe", ...viaProxy(`10.9.9.${i}`) });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });
});
