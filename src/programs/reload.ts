import type { Logger } from "pino";
import { type LoadedPolicy, loadPolicies } from "../policy/loader.js";
import { formatProblem, type PolicyProblem } from "../policy/problems.js";
import type { ProgramRegistry } from "./registry.js";

/**
 * Reading the program policies again while the server runs (SIGHUP, POST /admin/policies/reload).
 * All or nothing: every file is loaded and checked exactly as at start (the same loader, the same
 * EMBARGO_POLICIES), and the registry swaps to the new set only when nothing is wrong with any of
 * them. Otherwise the old set keeps running and the outcome says why. Both outcomes are logged;
 * the log holds slugs, file paths and the loader's problems, never report content.
 */
export interface ReloadDeps {
  programs: ProgramRegistry;
  /** The policy file or folder the server started from (EMBARGO_POLICIES). */
  policiesPath: string;
  /** Of `slugs`, those with at least one case in the store (a program with cases stays served). */
  programsWithCases(slugs: readonly string[]): Promise<readonly string[]>;
  logger: Pick<Logger, "info" | "warn">;
  /**
   * What else the new set must agree with, as at start: problems refuse it. The server's
   * single sign-on settings (src/auth/sso-rules.ts ssoSetupProblems), which this layer cannot see.
   */
  check?: (policies: readonly LoadedPolicy[]) => string[];
}

export type ReloadRefusal =
  /** A policy file has problems (the loader's, with file, line and field path). */
  | "invalid-policies"
  /** The new set leaves out programs that have cases. */
  | "removes-programs-with-cases"
  /** The registry refused the set: no programs, or EMBARGO_DEFAULT_PROGRAM not among them. */
  | "invalid-program-set";

export type ReloadOutcome =
  | {
      ok: true;
      /** Slugs served now that were not before. */
      added: string[];
      /** Served before and now, with a different policy. */
      changed: string[];
      unchanged: string[];
      /** No longer served (none of them had cases). */
      removed: string[];
      defaultProgram: string;
    }
  | { ok: false; refusal: ReloadRefusal; message: string; problems: PolicyProblem[] };

/** Reloads in flight, per registry: one at a time, so a check and its swap are never interleaved. */
const inFlight = new WeakMap<ProgramRegistry, Promise<unknown>>();

/**
 * Loads and checks every policy file again and, if all is well, serves the new set. `trigger`
 * (what asked: "SIGHUP", or the member of staff) goes into the log line.
 */
export function reloadPrograms(deps: ReloadDeps, trigger: Record<string, string>): Promise<ReloadOutcome> {
  const previous = inFlight.get(deps.programs) ?? Promise.resolve();
  const next = previous.then(
    () => reloadNow(deps, trigger),
    () => reloadNow(deps, trigger),
  );
  inFlight.set(deps.programs, next);
  return next;
}

async function reloadNow(deps: ReloadDeps, trigger: Record<string, string>): Promise<ReloadOutcome> {
  const outcome = await decide(deps);
  if (outcome.ok) {
    deps.logger.info(
      {
        ...trigger,
        policies: deps.policiesPath,
        added: outcome.added,
        changed: outcome.changed,
        unchanged: outcome.unchanged,
        removed: outcome.removed,
        defaultProgram: outcome.defaultProgram,
      },
      `program policies reloaded: ${describeChanges(outcome)}`,
    );
  } else {
    deps.logger.warn(
      {
        ...trigger,
        policies: deps.policiesPath,
        refusal: outcome.refusal,
        problems: outcome.problems.map(formatProblem),
      },
      `program policies not reloaded, the previous ones stay in service: ${outcome.message}`,
    );
  }
  return outcome;
}

async function decide(deps: ReloadDeps): Promise<ReloadOutcome> {
  const { policies, problems } = await loadPolicies(deps.policiesPath);
  if (problems.length > 0) {
    return {
      ok: false,
      refusal: "invalid-policies",
      message: `the program policies in ${deps.policiesPath} have ${problems.length === 1 ? "a problem" : `${problems.length} problems`}`,
      problems,
    };
  }
  const disagreements = deps.check?.(policies) ?? [];
  if (disagreements.length > 0) {
    // E.g. a requireSso naming no configured provider would keep every member out at once.
    return { ok: false, refusal: "invalid-policies", message: disagreements.join("; "), problems: [] };
  }
  const before = new Map(deps.programs.all().map((loaded) => [loaded.policy.program.slug, loaded]));
  const after = new Map(policies.map((loaded) => [loaded.policy.program.slug, loaded]));
  const removed = [...before.keys()].filter((slug) => !after.has(slug));
  const withCases = removed.length === 0 ? [] : [...(await deps.programsWithCases(removed))].sort();
  if (withCases.length > 0) {
    return {
      ok: false,
      refusal: "removes-programs-with-cases",
      message: `the new policies leave out ${withCases.map((slug) => `"${slug}"`).join(", ")}, which ${withCases.length === 1 ? "has" : "have"} cases; keep ${withCases.length === 1 ? "its policy" : "their policies"} in ${deps.policiesPath}`,
      problems: [],
    };
  }
  try {
    deps.programs.replace(policies);
  } catch (error) {
    return {
      ok: false,
      refusal: "invalid-program-set",
      message: error instanceof Error ? error.message : "the registry refused the new programs",
      problems: [],
    };
  }
  const kept = [...after.keys()].filter((slug) => before.has(slug));
  const changed = kept.filter(
    (slug) => policyFingerprint(before.get(slug)!) !== policyFingerprint(after.get(slug)!),
  );
  return {
    ok: true,
    added: [...after.keys()].filter((slug) => !before.has(slug)).sort(),
    changed: changed.sort(),
    unchanged: kept.filter((slug) => !changed.includes(slug)).sort(),
    removed: removed.sort(),
    defaultProgram: deps.programs.defaultProgram.policy.program.slug,
  };
}

/** What a loaded policy serves: the parsed policy (plain JSON) and the keys it references. */
function policyFingerprint(loaded: LoadedPolicy): string {
  return JSON.stringify([
    loaded.policy,
    loaded.programKey?.fingerprint ?? null,
    [...loaded.contactKeys].map(([contact, key]) => [contact, key.fingerprint]),
  ]);
}

function describeChanges(outcome: Extract<ReloadOutcome, { ok: true }>): string {
  const parts = [
    outcome.added.length > 0 ? `added ${outcome.added.join(", ")}` : "",
    outcome.changed.length > 0 ? `changed ${outcome.changed.join(", ")}` : "",
    outcome.removed.length > 0 ? `removed ${outcome.removed.join(", ")}` : "",
    outcome.unchanged.length > 0 ? `unchanged ${outcome.unchanged.join(", ")}` : "",
  ].filter((part) => part !== "");
  return parts.join("; ");
}
