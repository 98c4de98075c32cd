import type { LoadedPolicy } from "../../src/policy/loader.js";
import { loadPolicies } from "../../src/policy/loader.js";

export const EXAMPLE_POLICIES = "examples/policies";
export const SEED_SLUGS = ["kafe", "kitsu", "kulupu", "privacytools", "rocketchat"] as const;

/** Loads the five example programs, failing loudly if any has a problem. */
export async function loadExamplePolicies(): Promise<Map<string, LoadedPolicy>> {
  const { policies, problems } = await loadPolicies(EXAMPLE_POLICIES);
  if (problems.length > 0) throw new Error(`example policies have problems: ${JSON.stringify(problems)}`);
  return new Map(policies.map((loaded) => [loaded.policy.program.slug, loaded]));
}
