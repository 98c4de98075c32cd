import type { LoadedPolicy } from "../policy/loader.js";

/**
 * The programs this instance serves, by slug, and which one answers /.well-known/security.txt.
 * Its own module because every layer uses it (web, mail, jobs, workspace, the server), and it
 * knows only the loaded policies.
 */
export class ProgramRegistry {
  readonly #bySlug: Map<string, LoadedPolicy>;
  readonly defaultProgram: LoadedPolicy;

  constructor(policies: LoadedPolicy[], defaultSlug?: string) {
    if (policies.length === 0) throw new Error("no program policies to serve");
    this.#bySlug = new Map(policies.map((loaded) => [loaded.policy.program.slug, loaded]));
    const sorted = [...this.#bySlug.keys()].sort();
    const slug = defaultSlug ?? sorted[0]!;
    const found = this.#bySlug.get(slug);
    if (found === undefined) {
      throw new Error(`EMBARGO_DEFAULT_PROGRAM "${slug}" is not one of the programs: ${sorted.join(", ")}`);
    }
    this.defaultProgram = found;
  }

  get(slug: string): LoadedPolicy | undefined {
    return this.#bySlug.get(slug);
  }

  all(): LoadedPolicy[] {
    return [...this.#bySlug.values()].sort((a, b) =>
      a.policy.program.slug.localeCompare(b.policy.program.slug),
    );
  }
}
