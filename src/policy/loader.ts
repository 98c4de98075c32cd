import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { type ResolvedKey, resolvePolicyKeys } from "./keys.js";
import { byPosition, formatPath, type PolicyProblem } from "./problems.js";
import type { Raw } from "./raw.js";
import { type ReferenceProblem, referenceProblems } from "./references.js";
import { type Policy, PolicySchema } from "./schema.js";
import { schemaProblems } from "./schema-problems.js";
import { parseYamlSource } from "./yaml-source.js";

/** A policy that passed every check, with the keys it references read and verified. */
export interface LoadedPolicy {
  file: string;
  policy: Policy;
  programKey?: ResolvedKey;
  contactKeys: Map<string, ResolvedKey>;
}

export interface LoadResult {
  policies: LoadedPolicy[];
  /** Every problem in every file, in file and line order. Policies with problems are left out. */
  problems: PolicyProblem[];
}

const POLICY_EXTENSIONS = new Set([".yaml", ".yml"]);

/** Loads one policy file, or every `.yaml`/`.yml` file in a folder (not recursive). */
export async function loadPolicies(path: string): Promise<LoadResult> {
  let files: string[];
  try {
    const info = await stat(path);
    files = info.isDirectory()
      ? (await readdir(path))
          .filter((name) => POLICY_EXTENSIONS.has(extname(name)))
          .sort()
          .map((name) => join(path, name))
      : [path];
  } catch {
    return {
      policies: [],
      problems: [{ file: path, line: 1, column: 1, path: "", message: "no such file or folder" }],
    };
  }
  if (files.length === 0) {
    return {
      policies: [],
      problems: [
        { file: path, line: 1, column: 1, path: "", message: "the folder has no .yaml or .yml policy files" },
      ],
    };
  }

  const results = await Promise.all(files.map((file) => loadPolicyFile(file)));
  const policies: LoadedPolicy[] = [];
  const problems = results.flatMap((result) => result.problems);
  const slugOwners = new Map<string, string>();
  for (const result of results) {
    if (result.policy === undefined) continue;
    const slug = result.policy.policy.program.slug;
    const owner = slugOwners.get(slug);
    if (owner !== undefined) {
      problems.push({
        file: result.policy.file,
        ...result.locate(["program", "slug"]),
        path: "program.slug",
        message: `duplicate program slug "${slug}"; ${owner} already uses it`,
      });
      continue;
    }
    slugOwners.set(slug, result.policy.file);
    policies.push(result.policy);
  }
  return { policies, problems: problems.sort(byPosition) };
}

export async function loadPolicyFile(file: string): Promise<{
  policy?: LoadedPolicy;
  problems: PolicyProblem[];
  locate: (path: ReadonlyArray<PropertyKey>) => { line: number; column: number };
}> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    const problem = { file, line: 1, column: 1, path: "", message: "cannot read the file" };
    return { problems: [problem], locate: () => ({ line: 1, column: 1 }) };
  }
  const source = parseYamlSource(file, text);
  const locate = (path: ReadonlyArray<PropertyKey>) => source.locate(path);
  if (source.syntaxProblems.length > 0) return { problems: source.syntaxProblems, locate };
  if (source.data === null || typeof source.data !== "object" || Array.isArray(source.data)) {
    return {
      problems: [
        {
          file,
          line: 1,
          column: 1,
          path: "",
          message: "expected a mapping of policy sections at the top level",
        },
      ],
      locate,
    };
  }

  const doc = source.data as Raw;
  const parsed = PolicySchema.safeParse(doc);
  const keys = await resolvePolicyKeys(doc, file);
  const crossProblems: ReferenceProblem[] = [...referenceProblems(doc), ...keys.problems];
  const problems = [
    ...(parsed.success ? [] : schemaProblems(source, PolicySchema, parsed.error.issues)),
    ...crossProblems.map(({ path, message, suggestion }) => ({
      file,
      ...source.locate(path),
      path: formatPath(path),
      message,
      ...(suggestion === undefined ? {} : { suggestion }),
    })),
  ].sort(byPosition);
  if (!parsed.success || problems.length > 0) return { problems, locate };
  const policy = parsed.data;

  return {
    policy: {
      file,
      policy,
      ...(keys.programKey === undefined ? {} : { programKey: keys.programKey }),
      contactKeys: keys.contactKeys,
    },
    problems: [],
    locate,
  };
}
