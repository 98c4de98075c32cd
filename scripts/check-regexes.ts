import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { type AllowedRegex, auditFile, checkRegex, type Problem, type Verdict } from "./regex-audit.js";

/**
 * `npm run lint` step: fails when a regular expression under src/ can backtrack super-linearly
 * (ReDoS), cannot be analysed (recheck's "unknown": a timeout or unsupported syntax), or is built
 * from values the check cannot see, unless the allowlist below says why it is safe.
 * Usage: tsx scripts/check-regexes.ts [directory…] (default: src).
 *
 * Test files are left out: their regexes only ever see the tests' own strings, and production
 * code is where untrusted input arrives.
 */

/**
 * Regexes a person has read and vouches for, each with the reason. `code` entries: patterns that
 * are not constants, found linear by reading them. `regex` entries: patterns recheck flags that
 * never see untrusted text (an attacker's input must never reach one: make it linear instead).
 * An entry names the code or pattern exactly, so a changed regex is reviewed again, and an entry
 * that matches nothing fails the check too.
 */
const ALLOWLIST: readonly AllowedRegex[] = [
  {
    file: "src/policy/securitytxt/uri.ts",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the code of a template literal, as written
    code: "`^(?:[${UNRESERVED}${SUB_DELIMS}${extra}]|${PCT})*$`",
    reason:
      "chars(extra) is only called in this file with the literal lists ':', '', ':@/' and ':@/?'; each " +
      "result is an anchored star over a character class (without %) or a %XX escape, two alternatives " +
      "that never start with the same character, so matching is linear (recheck finds all four safe)",
  },
  ...[
    String.raw`/([\w:-]+)="([^"]*)"/g`,
    String.raw`/<Weakness_Catalog\s([^>]*)>/`,
    String.raw`/<(Weakness|Category|View)\s([^>]*?)(\/>|>([\s\S]*?)<\/\1>)/g`,
  ].map((regex) => ({
    file: "src/domain/cwe/catalogue-source.ts",
    regex,
    reason:
      "buildCatalogue reads MITRE's published CWE XML in the developer command that writes catalogue.json " +
      "(src/domain/cwe/README.md); the server never calls it and it never sees a stranger's input",
  })),
];

const root = join(fileURLToPath(import.meta.url), "..", "..");

function sourceFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) files.push(path);
  }
  return files.sort();
}

function main(): number {
  const directories = process.argv.length > 2 ? process.argv.slice(2) : ["src"];
  // Many files repeat the same small patterns; each distinct one is checked once.
  const verdicts = new Map<string, Verdict>();
  const cachedCheck = (source: string, flags: string): Verdict => {
    const key = `${flags}/${source}`;
    const verdict = verdicts.get(key) ?? checkRegex(source, flags);
    verdicts.set(key, verdict);
    return verdict;
  };
  const problems: Problem[] = [];
  const notes: Problem[] = [];
  const allowedUsed = new Set<AllowedRegex>();
  let regexCount = 0;
  let fileCount = 0;
  for (const directory of directories) {
    for (const path of sourceFiles(join(root, directory))) {
      const file = relative(root, path).split(sep).join("/");
      fileCount++;
      try {
        const result = auditFile(file, readFileSync(path, "utf8"), ALLOWLIST, cachedCheck);
        problems.push(...result.problems);
        notes.push(...result.notes);
        for (const entry of result.allowedUsed) allowedUsed.add(entry);
        regexCount += result.checked + result.allowedUsed.length;
      } catch (error) {
        problems.push({ file, line: 0, column: 0, message: `could not be read: ${String(error)}` });
      }
    }
  }
  const described = (entry: AllowedRegex) => `${entry.file} ${"code" in entry ? entry.code : entry.regex}`;
  // Only a run over all of src/ can tell that an entry matches nothing.
  if (directories.length === 1 && directories[0] === "src") {
    for (const entry of ALLOWLIST.filter((entry) => !allowedUsed.has(entry))) {
      problems.push({
        file: "scripts/check-regexes.ts",
        line: 0,
        column: 0,
        message: `the allowlist entry for ${described(entry)} matches no regex any more: remove it`,
      });
    }
  }
  for (const entry of allowedUsed) console.log(`allowed: ${described(entry)}\n  because ${entry.reason}`);
  for (const note of notes) console.log(`note: ${note.file}:${note.line}:${note.column}: ${note.message}`);
  for (const problem of problems) {
    console.error(`${problem.file}:${problem.line}:${problem.column}: ${problem.message}`);
  }
  console.log(
    `check-regexes: ${regexCount} regexes (${verdicts.size} distinct patterns checked) in ${fileCount} files; ` +
      `${problems.length} problem${problems.length === 1 ? "" : "s"}`,
  );
  return problems.length === 0 ? 0 : 1;
}

process.exitCode = main();
