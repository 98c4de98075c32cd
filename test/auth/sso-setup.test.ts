import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { loadPolicies } from "../../src/policy/loader.js";
import { teamSections } from "../../src/policy/render/team-outline.js";
import { startServer } from "../../src/server.js";

/**
 * `embargo serve` does not start when a policy requires a provider that is not configured: its
 * members could not use the program at all. (The pure check is in sso-rules.test.ts; a reload
 * refuses the same, in test/policy/reload.test.ts.)
 */
describe("starting with single sign-on that the policies do not agree with", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("says in the team's view of the policy that members sign in through the named provider only", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "embargo-sso-outline-"));
    cpSync("examples/policies/kitsu.yaml", path.join(dir, "kitsu.yaml"));
    const kitsu = path.join(dir, "kitsu.yaml");
    const plain = (await loadPolicies(dir)).policies[0]?.policy;
    expect(JSON.stringify(plain === undefined ? [] : teamSections(plain))).not.toContain("single sign-on");
    writeFileSync(kitsu, `${readFileSync(kitsu, "utf8")}\nteam: { requireSso: corp }\n`);
    const loaded = await loadPolicies(dir);
    expect(loaded.problems).toEqual([]);
    const policy = loaded.policies[0]?.policy;
    expect(JSON.stringify(policy === undefined ? [] : teamSections(policy))).toContain(
      'Members sign in through single sign-on only, with the identity provider \\"corp\\"',
    );
  });

  it("stops the start with a message naming the program and the missing provider", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "embargo-sso-setup-"));
    const policies = path.join(dir, "policies");
    cpSync("examples/policies", policies, { recursive: true });
    const kitsu = path.join(policies, "kitsu.yaml");
    writeFileSync(kitsu, `${readFileSync(kitsu, "utf8")}\nteam: { requireSso: corp }\n`);
    const config = loadConfig(
      {
        EMBARGO_POLICIES: policies,
        EMBARGO_DATA_DIR: path.join(dir, "data"),
        EMBARGO_DATABASE_URL: `sqlite:${path.join(dir, "embargo.db")}`,
        EMBARGO_PORT: "0",
        EMBARGO_WORKER: "off",
        EMBARGO_LOG_LEVEL: "silent",
      },
      "/nonexistent/embargo.yaml",
    );
    await expect(startServer(config)).rejects.toThrow(
      /single sign-on and the program policies do not agree:\n {2}program "kitsu": team.requireSso names the identity provider "corp", which is not configured/,
    );
  });
});
