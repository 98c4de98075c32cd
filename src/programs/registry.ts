import type { LoadedPolicy } from "../policy/loader.js";

/** One set of served programs: replaced whole, never changed in place. */
interface ServedPrograms {
  bySlug: ReadonlyMap<string, LoadedPolicy>;
  /** By slug, computed once per set: `all()` is asked on most requests. */
  sorted: readonly LoadedPolicy[];
  defaultProgram: LoadedPolicy;
}

/**
 * The programs this instance serves, by slug, and which one answers /.well-known/security.txt.
 * Its own module because every layer uses it (web, mail, jobs, workspace, the server), and it
 * knows only the loaded policies.
 *
 * The set can be replaced while the server runs (a policy reload, src/programs/reload.ts): every
 * reader asks the registry each time instead of keeping a policy, and a replacement swaps one
 * reference, so a reader sees either the old set or the new one, never a mix.
 */
export class ProgramRegistry {
  /** EMBARGO_DEFAULT_PROGRAM as configured; unset means the first slug of whichever set is served. */
  readonly #defaultSlug: string | undefined;
  #served: ServedPrograms;

  constructor(policies: readonly LoadedPolicy[], defaultSlug?: string) {
    this.#defaultSlug = defaultSlug;
    this.#served = servedPrograms(policies, defaultSlug);
  }

  /**
   * Serves `policies` from now on, all at once. Checked as the constructor checks (at least one
   * program, the default program among them): when that fails it throws and the old set stays.
   */
  replace(policies: readonly LoadedPolicy[]): void {
    this.#served = servedPrograms(policies, this.#defaultSlug);
  }

  get defaultProgram(): LoadedPolicy {
    return this.#served.defaultProgram;
  }

  get(slug: string): LoadedPolicy | undefined {
    return this.#served.bySlug.get(slug);
  }

  all(): LoadedPolicy[] {
    return [...this.#served.sorted];
  }
}

function servedPrograms(policies: readonly LoadedPolicy[], defaultSlug: string | undefined): ServedPrograms {
  if (policies.length === 0) throw new Error("no program policies to serve");
  const bySlug = new Map(policies.map((loaded) => [loaded.policy.program.slug, loaded]));
  const slugs = [...bySlug.keys()].sort();
  const slug = defaultSlug ?? slugs[0]!;
  const defaultProgram = bySlug.get(slug);
  if (defaultProgram === undefined) {
    throw new Error(`EMBARGO_DEFAULT_PROGRAM "${slug}" is not one of the programs: ${slugs.join(", ")}`);
  }
  const sorted = [...bySlug.values()].sort((a, b) =>
    a.policy.program.slug.localeCompare(b.policy.program.slug),
  );
  return { bySlug, sorted, defaultProgram };
}
