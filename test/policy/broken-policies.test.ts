import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPolicies } from "../../src/policy/loader.js";
import { formatProblem } from "../../src/policy/problems.js";

/**
 * Each broken policy file sits next to a `.expected` file holding the exact messages the
 * loader must print for it, one per line. Keep the messages precise: a policy author acts on them.
 */
const folder = "test/fixtures/broken-policies";
const cases = readdirSync(folder)
  .filter((name) => name.endsWith(".yaml"))
  .sort();

async function messagesFor(path: string): Promise<string> {
  const { problems } = await loadPolicies(path);
  return problems.map(formatProblem).join("\n");
}

describe("broken policy files", () => {
  it("has at least 25 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)("%s gives exactly its expected messages", async (name) => {
    const expected = readFileSync(join(folder, name.replace(/\.yaml$/, ".expected")), "utf8").trim();
    expect(expected).not.toBe("");
    expect(await messagesFor(join(folder, name))).toBe(expected);
  });

  it("reports a slug used by two files of one folder", async () => {
    const expected = readFileSync("test/fixtures/duplicate-slugs.expected", "utf8").trim();
    expect(await messagesFor("test/fixtures/duplicate-slugs")).toBe(expected);
  });
});

describe("the loader", () => {
  it("loads an inline armored public key and reports its fingerprint", async () => {
    const { policies, problems } = await loadPolicies("test/fixtures/policies/with-key.yaml");
    expect(problems).toEqual([]);
    expect(policies[0]?.programKey?.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(policies[0]?.contactKeys.get("alice")?.armored).toContain("BEGIN PGP PUBLIC KEY BLOCK");
  });

  it("says when a path does not exist or a folder has no policies", async () => {
    expect(await messagesFor("test/fixtures/nowhere")).toBe(
      "test/fixtures/nowhere:1:1 no such file or folder",
    );
    expect(await messagesFor("test/fixtures/keys")).toBe(
      "test/fixtures/keys:1:1 the folder has no .yaml or .yml policy files",
    );
  });
});
