import { describe, expect, it } from "vitest";
import { PROMISES } from "../../src/policy/promises.js";
import { runEmbargo } from "../support/cli.js";

/**
 * `embargo policy check --explain FILE`: for each key the file writes, whether Embargo enforces
 * it, only publishes it, or does not enforce it yet (a warning on stderr, not a failure).
 */
const KAFE = "examples/policies/kafe.yaml";
const ROCKETCHAT = "examples/policies/rocketchat.yaml";

/** The explained rows of stdout (`  <keeper> <path>: <words>`), by key path. */
function rows(stdout: string): Map<string, { keeper: string; words: string }> {
  const found = new Map<string, { keeper: string; words: string }>();
  for (const line of stdout.split("\n")) {
    const row = /^ {2}(enforced|published only) +(\S+): (.*)$/.exec(line);
    if (row === null) continue;
    expect(found.has(row[2]!), `${row[2]} is listed once`).toBe(false);
    found.set(row[2]!, { keeper: row[1]!, words: row[3]! });
  }
  return found;
}

/** The not-yet warnings of stderr, by key path, with their issue. */
function warnings(stderr: string, file: string): Map<string, { issue: number; words: string }> {
  const found = new Map<string, { issue: number; words: string }>();
  for (const line of stderr.split("\n").filter((l) => l !== "")) {
    const warning = /^warning: (\S+): (\S+) is NOT enforced yet \(issue #(\d+)\): (.*)$/.exec(line);
    expect(warning, line).not.toBeNull();
    expect(warning![1]).toBe(file);
    found.set(warning![2]!, { issue: Number(warning![3]), words: warning![4]! });
  }
  return found;
}

/** Every row and warning says what the catalogue says about its key. */
function expectFaithful(listed: ReturnType<typeof rows>, warned: ReturnType<typeof warnings>): void {
  for (const [path, { keeper, words }] of listed) {
    const entry = PROMISES[path];
    if (entry?.keeper === "enforced") {
      expect(keeper, path).toBe("enforced");
      expect(words, path).toBe(`${entry.what}${entry.tests.length === 0 ? " (no test proves it yet)" : ""}`);
    } else {
      expect(entry?.keeper, path).toBe("published-only");
      expect(words, path).toBe(entry?.keeper === "published-only" ? entry.reason : "");
    }
  }
  for (const [path, { issue, words }] of warned) {
    expect(PROMISES[path], path).toEqual({ keeper: "not-yet", issue, what: words });
  }
}

describe("embargo policy check --explain", () => {
  it("explains each key Kafe writes once, leaves out what defaults fill in, and warns without failing", async () => {
    const { code, stdout, stderr } = await runEmbargo(["policy", "check", "--explain", KAFE]);
    expect(code).toBe(0);
    const listed = rows(stdout);
    const warned = warnings(stderr, KAFE);
    expectFaithful(listed, warned);

    expect(listed.get("serviceLevels.clocks[].within")?.keeper).toBe("enforced");
    expect(listed.get("disclosure.embargo.within")?.keeper).toBe("enforced");
    expect(listed.get("safeHarbor.text")?.keeper).toBe("published only");
    expect(listed.get("recognition.credit.requiresChange")?.keeper).toBe("enforced");
    expect(listed.get("recognition.credit.places[].name")?.keeper).toBe("enforced");
    // Every key is kept now: nothing to warn of.
    expect(warned.size).toBe(0);
    // Two contacts, four in-scope and out-of-scope assets: one row per key.
    expect(listed.has("contacts[].id")).toBe(true);
    expect(listed.has("scope.outOfScope[].reason")).toBe(true);
    // Written: a duration is one key, not its unit.
    expect([...listed.keys()].some((path) => path.startsWith("serviceLevels.clocks[].within."))).toBe(false);
    // Not written by Kafe, only filled in by defaults: not explained.
    for (const path of [...listed.keys(), ...warned.keys()]) {
      expect(path).not.toMatch(/^(encryption|team|notifications|incident|serviceLevels\.calendar)\./);
    }
    expect(listed.has("channels[].active")).toBe(false);
    expect(listed.has("recognition.reward.kind") || warned.has("recognition.reward.kind")).toBe(false);

    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(
      `${KAFE} (kafe): ${listed.size + warned.size} keys used: ` +
        `${[...listed.values()].filter((row) => row.keeper === "enforced").length} enforced, ` +
        `${[...listed.values()].filter((row) => row.keeper === "published only").length} published only, ` +
        `${warned.size} not enforced yet`,
    );
    expect(lines.at(-1)).toBe(`ok ${KAFE} (kafe)`);
  });

  it("explains Rocket.Chat's register, disclosure phases and webhooks, and warns of what is not kept yet", async () => {
    const { code, stdout, stderr } = await runEmbargo(["policy", "check", "--explain", ROCKETCHAT]);
    expect(code).toBe(0);
    const listed = rows(stdout);
    const warned = warnings(stderr, ROCKETCHAT);
    expectFaithful(listed, warned);

    for (const path of [
      "disclosure.phases[].day",
      "disclosure.phases[].actions[].text",
      "disclosure.authorityNotification.within",
      "notifications.webhooks[].urlFromEnv",
      "incident.register.reporterAgreement.waitFor",
      "incident.register.noIncidentOutcome",
    ]) {
      expect(listed.get(path)?.keeper, path).toBe("enforced");
    }
    expect(listed.get("disclosure.wording.forbiddenWords")?.keeper).toBe("enforced");
    expect(listed.get("disclosure.phases[].actions[].kind")?.keeper).toBe("enforced");
    expect(listed.get("recognition.reward.kind")?.keeper).toBe("enforced");
    // Rocket.Chat writes no embargo and no safe harbor.
    expect(listed.has("disclosure.embargo.within")).toBe(false);
    expect(listed.has("safeHarbor.text")).toBe(false);
    expect(stdout.trimEnd().split("\n").at(-1)).toBe(`ok ${ROCKETCHAT} (rocketchat)`);
  });

  it("prints the problems of a broken policy instead, and exits 1", async () => {
    const file = "test/fixtures/broken-policies/bad-slug.yaml";
    const { code, stdout, stderr } = await runEmbargo(["policy", "check", "--explain", file]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(`${file}:3:9 program.slug: expected an id`);
    expect(stderr).toContain("1 problem(s) found");
    expect(stderr).not.toContain("NOT enforced yet");
  });

  it("explains nothing without --explain", async () => {
    const { code, stdout, stderr } = await runEmbargo(["policy", "check", KAFE]);
    expect(code).toBe(0);
    expect(stdout).toBe(`ok ${KAFE} (kafe)\n`);
    expect(stderr).toBe("");
  });
});
