import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runEmbargo } from "../support/cli.js";

/** migrate, audit verify, keys rotate and serve, as an operator runs them (in this process: runEmbargo). */
describe("operator commands", () => {
  const dir = mkdtempSync(join(tmpdir(), "embargo-cli-"));
  const env = {
    EMBARGO_DATABASE_URL: `sqlite:${join(dir, "embargo.db")}`,
    EMBARGO_DATA_DIR: dir,
    EMBARGO_SECRET_KEY: randomBytes(32).toString("base64"),
  };

  it("migrates, verifies the audit chains and rotates the data key", async () => {
    const migrated = await runEmbargo(["migrate"], { env });
    expect(migrated.stderr).toBe("");
    expect(migrated.code).toBe(0);
    const verified = await runEmbargo(["audit", "verify"], { env });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^ok: 0 cases, 0 events/);
    const rotated = await runEmbargo(["keys", "rotate"], { env });
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/k2/);
  });

  it("refuses to serve with an invalid setting, naming it", async () => {
    const result = await runEmbargo(["serve"], { env: { ...env, EMBARGO_PORT: "eighty" } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("EMBARGO_PORT");
  });

  it("refuses a wrong master key with a clear message", async () => {
    const result = await runEmbargo(["audit", "verify"], {
      env: { ...env, EMBARGO_SECRET_KEY: randomBytes(32).toString("base64") },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("EMBARGO_SECRET_KEY does not match");
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
