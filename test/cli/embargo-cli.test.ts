import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { processIo } from "../../src/cli/io.js";
import { policyJsonSchema } from "../../src/policy/json-schema.js";
import { runEmbargo, spawnEmbargo } from "../support/cli.js";

/**
 * The entry point itself (src/cli/main.ts through tsx), once: the process's streams, its standard
 * input and its exit codes. Every other test runs the same command line in this process.
 */
describe("embargo as a separate process", () => {
  it("prints its help with exit code 0, and scores stdin with exit code 1 for a bad line", async () => {
    const vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const [help, scored] = await Promise.all([
      spawnEmbargo(["--help"]),
      spawnEmbargo(["cvss", "--stdin"], { stdin: `${vector}\nCVSS:3.1/AV:X\n` }),
    ]);
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toMatch(/^Usage: embargo \[options\] \[command\]\n/);
    expect(scored.code).toBe(1);
    expect(JSON.parse(scored.stdout)).toMatchObject({ vector, version: "3.1", score: 9.8 });
    expect(scored.stderr).toBe(
      "embargo cvss: CVSS:3.1 vector: unknown value 'X' for metric AV (expected N, A, L, P)\n",
    );
  });

  it("reads its settings from the process's environment and ./embargo.yaml", () => {
    const io = processIo();
    expect(io.env).toBe(process.env);
    expect(io.configFile).toBe("embargo.yaml");
    expect(io.terminal).toBeUndefined();
  });
});

/** The `embargo` command as a user runs it, in this process: exit codes, stdout and stderr. */
describe.concurrent("embargo CLI", () => {
  it("lists its commands in --help", async () => {
    const { code, stdout } = await runEmbargo(["--help"]);
    expect(code).toBe(0);
    for (const command of ["policy", "cvss"]) expect(stdout).toContain(command);
  });

  it("gives every command its own --help", async () => {
    for (const args of [
      ["policy", "--help"],
      ["policy", "render", "--help"],
      ["policy", "clocks", "--help"],
      ["cvss", "--help"],
    ]) {
      const { code, stdout } = await runEmbargo(args);
      expect(code, args.join(" ")).toBe(0);
      expect(stdout).toContain("Usage: embargo");
    }
  });

  it("sends errors to stderr with a non-zero exit code", async () => {
    const unknown = await runEmbargo(["frobnicate"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown command|too many arguments/);
    const badFormat = await runEmbargo([
      "policy",
      "render",
      "examples/policies/kafe.yaml",
      "--format",
      "pdf",
    ]);
    expect(badFormat.code).not.toBe(0);
    expect(badFormat.stderr).toContain("security.txt");
    const badInstant = await runEmbargo([
      "policy",
      "clocks",
      "examples/policies/kafe.yaml",
      "--received",
      "friday",
    ]);
    expect(badInstant.code).not.toBe(0);
    expect(badInstant.stderr).toContain("ISO 8601");
  });

  it("checks the example policies and exits 0", async () => {
    const { code, stdout, stderr } = await runEmbargo(["policy", "check", "examples/policies"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.trim().split("\n")).toHaveLength(5);
  });

  it("leaves this process's exit code and environment alone when a command fails", async () => {
    const environment = { ...process.env };
    const file = "test/fixtures/broken-policies/many-problems-at-once.yaml";
    const { code } = await runEmbargo(["policy", "check", file], { env: { EMBARGO_POLICIES: "elsewhere" } });
    expect(code).toBe(1);
    expect(process.exitCode).toBeUndefined();
    expect(process.env).toEqual(environment);
  });

  it("prints every problem of a broken policy and exits 1", async () => {
    const file = "test/fixtures/broken-policies/many-problems-at-once.yaml";
    const { code, stderr } = await runEmbargo(["policy", "check", file]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `${readFileSync(file.replace(".yaml", ".expected"), "utf8").trim()}\n3 problem(s) found\n`,
    );
  });

  it("renders security.txt deterministically for a given clock", async () => {
    const args = ["policy", "render", "examples/policies/kitsu.yaml", "--format", "security.txt"];
    const clock = ["--now", "2026-11-25T00:00:00Z", "--public-url", "https://security.example.org"];
    const { code, stdout } = await runEmbargo([...args, ...clock]);
    expect(code).toBe(0);
    expect(stdout).toBe(readFileSync("test/golden/kitsu.security.txt", "utf8"));
  });

  it("signs security.txt with a given key", async () => {
    const { code, stdout } = await runEmbargo([
      "policy",
      "render",
      "examples/policies/kafe.yaml",
      "--format",
      "security.txt",
      "--sign-key",
      "test/fixtures/keys/test-private.asc",
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA\d+\n\n# Security contact/);
    expect(stdout).toContain("-----END PGP SIGNATURE-----");
  });

  it("shows when Kitsu's one business day ends for a Friday evening report", async () => {
    const { code, stdout } = await runEmbargo([
      "policy",
      "clocks",
      "examples/policies/kitsu.yaml",
      "--received",
      "2026-12-04T18:30:00-08:00",
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { clocks: { id: string; dueAtLocal: string }[] };
    expect(result.clocks).toEqual([
      expect.objectContaining({ id: "acknowledge", dueAtLocal: "2026-12-07T17:00:00-08:00" }),
    ]);
  });

  it("publishes the policy JSON Schema, kept in the repository for editors", async () => {
    const { code, stdout } = await runEmbargo(["policy", "schema"]);
    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as { properties: Record<string, unknown> };
    expect(schema).toEqual(policyJsonSchema());
    expect(JSON.parse(readFileSync("policy.schema.json", "utf8"))).toEqual(schema);
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        "program",
        "contacts",
        "serviceLevels",
        "escalation",
        "incident",
        "disclosure",
        "recognition",
      ]),
    );
  });

  it("scores CVSS vectors given as arguments or on stdin", async () => {
    const vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const args = await runEmbargo(["cvss", vector]);
    expect(args.code).toBe(0);
    expect(JSON.parse(args.stdout)).toMatchObject({
      vector,
      version: "3.1",
      score: 9.8,
      severity: "Critical",
    });
    const stdin = await runEmbargo(["cvss", "--stdin"], { stdin: `${vector}\nCVSS:3.1/AV:X\n` });
    expect(stdin.code).toBe(1);
    expect(stdin.stdout.trim().split("\n")).toHaveLength(1);
    expect(stdin.stderr).toContain("AV");
  });
});
