import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createScratchPostgresDatabase, databases } from "../support/databases.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";

/**
 * Two `embargo serve` processes on one database, as two app servers behind a load balancer
 * would run, enforce one intake limit: a burst of reports from one address, split across both,
 * gets exactly the limit accepted. (With counters in each process's memory, each would have
 * accepted its own five, and a concurrent burst all of them.)
 */
const targets = databases.map((database) => ({
  name: database.name,
  async create(dir: string): Promise<{ url: string; drop(): Promise<void> }> {
    if (database.name === "postgres") return createScratchPostgresDatabase();
    return { url: `sqlite:${join(dir, "embargo.db")}`, drop: async () => {} };
  },
}));

describe.each(targets)("two embargo serve processes on $name", (target) => {
  let servers: ServerProcess[] = [];
  let cleanup = async () => {};
  afterEach(async () => {
    for (const server of servers) await server.stop();
    servers = [];
    await cleanup();
  });

  it("accept exactly 5 of 40 concurrent reports from one address against 5 an hour", async () => {
    const dir = mkdtempSync(join(tmpdir(), "embargo-intake-limit-"));
    const database = await target.create(dir);
    cleanup = async () => {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    };
    const env = {
      EMBARGO_DATABASE_URL: database.url,
      EMBARGO_DATA_DIR: dir,
      EMBARGO_POLICIES: "examples/policies",
      EMBARGO_PUBLIC_URL: "http://127.0.0.1",
      EMBARGO_WORKER: "off",
      EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS: "20",
      EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS_WITHOUT_POW: "5",
      // Many reports at once from one address: the upload gate must not turn them away.
      EMBARGO_UPLOADS_PER_ADDRESS: "100",
      EMBARGO_REPORTS_PER_HOUR_PER_PROGRAM: "500",
      EMBARGO_REQUESTS_PER_MINUTE_PER_ADDRESS: "100000",
    };
    // One after the other: the first makes the master key file the second then reads.
    servers.push(await startServerProcess(env));
    servers.push(await startServerProcess(env));

    const responses = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const response = await fetch(`${servers[i % 2]!.url}/api/v1/programs/kitsu/reports`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ title: `Report ${i}`, fields: { description: "x" } }),
        });
        return {
          server: i % 2,
          status: response.status,
          body: (await response.json()) as { error?: string },
        };
      }),
    );
    const accepted = responses.filter((response) => response.status === 201);
    expect(accepted).toHaveLength(5);
    expect(
      responses.filter((response) => response.status === 429 && response.body.error === "rate_limited"),
    ).toHaveLength(35);
    // Both processes took part in refusing: the limit is one, not one per process.
    expect(new Set(responses.filter((r) => r.status === 429).map((r) => r.server))).toEqual(new Set([0, 1]));
  }, 120_000);
});
