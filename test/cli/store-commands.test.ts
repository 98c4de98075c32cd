import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

/** migrate, audit verify, keys rotate and serve, as an operator runs them: separate processes. */
describe("operator commands", () => {
  const dir = mkdtempSync(join(tmpdir(), "embargo-cli-"));
  const env = {
    EMBARGO_DATABASE_URL: `sqlite:${join(dir, "embargo.db")}`,
    EMBARGO_DATA_DIR: dir,
    EMBARGO_SECRET_KEY: randomBytes(32).toString("base64"),
  };

  it("migrates, verifies the audit chains and rotates the data key", async () => {
    const migrated = await runCli(["migrate"], { env });
    expect(migrated.stderr).toBe("");
    expect(migrated.code).toBe(0);
    const verified = await runCli(["audit", "verify"], { env });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^ok: 0 cases, 0 events/);
    const rotated = await runCli(["keys", "rotate"], { env });
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/k2/);
  });

  it("refuses to serve with an invalid setting, naming it", async () => {
    const result = await runCli(["serve"], { env: { ...env, EMBARGO_PORT: "eighty" } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("EMBARGO_PORT");
  });

  it("refuses a wrong master key with a clear message", async () => {
    const result = await runCli(["audit", "verify"], {
      env: { ...env, EMBARGO_SECRET_KEY: randomBytes(32).toString("base64") },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("EMBARGO_SECRET_KEY does not match");
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
