import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { runEmbargo } from "../support/cli.js";
import { createScratchPostgresDatabase, databases } from "../support/databases.js";
import { PUBLIC_URL } from "../support/web.js";

/** `embargo user add|role --assigned-only`: a role limited to the cases assigned to the member. */
describe.each(databases)("embargo user --assigned-only, on $name", (database) => {
  let shared: { url: string; drop(): Promise<void> };
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    if (database.name === "postgres") shared = await createScratchPostgresDatabase();
    else {
      const dir = mkdtempSync(join(tmpdir(), "embargo-assigned-cli-"));
      shared = {
        url: `sqlite:${join(dir, "embargo.db")}`,
        drop: async () => rmSync(dir, { recursive: true }),
      };
    }
    env = {
      EMBARGO_DATABASE_URL: shared.url,
      EMBARGO_PUBLIC_URL: PUBLIC_URL,
      EMBARGO_POLICIES: "examples/policies",
      EMBARGO_DATA_DIR: mkdtempSync(join(tmpdir(), "embargo-assigned-cli-data-")),
    };
  });
  afterEach(async () => {
    await shared.drop();
  });

  it("limits a role on one program to assigned cases, lists it so, and refuses it on every program", async () => {
    const added = await runEmbargo(
      [
        "user",
        "add",
        "--email",
        "contractor@example.org",
        "--role",
        "responder",
        "--program",
        "kafe",
        "--assigned-only",
      ],
      { env },
    );
    expect(added.code).toBe(0);
    expect(added.stdout).toContain("added contractor@example.org: responder on kafe, assigned cases only");
    const list = await runEmbargo(["user", "list"], { env });
    expect(list.stdout).toContain("responder@kafe (assigned only)");

    const widened = await runEmbargo(
      ["user", "role", "--email", "contractor@example.org", "--role", "viewer", "--program", "kafe"],
      { env },
    );
    expect(widened.stdout).toBe("contractor@example.org: viewer on kafe (was responder)\n");
    const limited = await runEmbargo(
      [
        "user",
        "role",
        "--email",
        "contractor@example.org",
        "--role",
        "viewer",
        "--program",
        "kafe",
        "--assigned-only",
      ],
      { env },
    );
    expect(limited.stdout).toBe("contractor@example.org: viewer on kafe, assigned cases only (was viewer)\n");
    const everywhere = await runEmbargo(
      ["user", "role", "--email", "contractor@example.org", "--role", "viewer", "--assigned-only"],
      { env },
    );
    expect(everywhere.code).not.toBe(0);
    expect(everywhere.stderr).toContain("cannot be limited to assigned cases");

    const store = await openDatabase(shared.url);
    try {
      const rows = await store.db.selectFrom("memberships").select(["program", "role", "scope"]).execute();
      expect(rows).toEqual([{ program: "kafe", role: "viewer", scope: "assigned" }]);
    } finally {
      await store.close();
    }
  });
});
