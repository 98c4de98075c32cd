import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createScratchPostgresDatabase, databases } from "../support/databases.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";

/**
 * A report whose sender was told "received" survives the server being killed with SIGKILL right
 * after: the server is a real process, the report goes through real HTTP, and it is read back
 * through the reporter's page after a restart.
 */
interface Target {
  name: string;
  /** A database URL for a fresh database, and how to remove it. */
  create(dir: string): Promise<{ url: string; drop(): Promise<void> }>;
}
const targets: Target[] = [
  {
    name: "sqlite",
    create: async (dir) => ({ url: `sqlite:${join(dir, "embargo.db")}`, drop: async () => {} }),
  },
  ...(databases.some((d) => d.name === "postgres")
    ? [{ name: "postgres", create: () => createScratchPostgresDatabase() }]
    : []),
];

describe.each(targets)("kill -9 on $name", (target) => {
  let server: ServerProcess | undefined;
  let cleanup = async () => {};
  afterEach(async () => {
    await server?.stop();
    await cleanup();
  });

  it("keeps a report acknowledged with 201 when the server is killed right after", async () => {
    const dir = mkdtempSync(join(tmpdir(), "embargo-kill9-"));
    const database = await target.create(dir);
    cleanup = database.drop;
    const env = {
      EMBARGO_DATABASE_URL: database.url,
      EMBARGO_DATA_DIR: dir,
      EMBARGO_POLICIES: "examples/policies",
      EMBARGO_PUBLIC_URL: "http://127.0.0.1",
    };
    server = await startServerProcess(env);
    const marker = `durable-${Date.now()}`;
    const response = await fetch(`${server.url}/api/v1/programs/kafe/reports`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: marker, fields: { "location-impact": "here", steps: "there" } }),
    });
    expect(response.status).toBe(201);
    const { reporterUrl } = (await response.json()) as { reporterUrl: string };
    await server.kill9();

    server = await startServerProcess(env);
    const path = new URL(reporterUrl).pathname;
    const page = await fetch(`${server.url}${path}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(marker);
  });
});
