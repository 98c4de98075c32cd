import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { Command, CommanderError, type ErrorOptions } from "commander";
import type { Config } from "../../config.js";
import type {
  EmbargoedIdentifiers,
  IdentifierFinding,
  WordFinding,
} from "../../domain/disclosure/wording.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import type { Store } from "../../store/database.js";
import type { ConfigSource } from "./settings.js";

/**
 * `embargo guard`: the leak guard for public fixes. Reads a commit message, a pull request's
 * title and body, or a diff (a file, standard input, or a git range) and exits 1 naming each
 * word the program's policy forbids (`disclosure.wording`) and each CVE id, alias, case id or
 * case number (`KITSU-12`) still under embargo, with where it is; 0 when clean; 2 for a usage error or when what it needs
 * cannot be read (it never passes what it could not check).
 *
 * The identifiers come from the database (EMBARGO_DATABASE_URL; only read) or, on a CI machine
 * that cannot reach it, from a file `embargo guard export` wrote: SHA-256 hashes, never the
 * identifiers themselves, and the guard then does not print what it found either (CI logs of an
 * open-source project are public). Rules: src/domain/disclosure/wording.ts.
 */
export interface GuardCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: AsyncIterable<string | Uint8Array>;
  config: ConfigSource;
}

// Loaded by the actions (a commit-msg hook runs `embargo guard` on every commit; `--help` needs none).
const wordingRules = () => import("../../domain/disclosure/wording.js");
const embargoedIdentifiers = async (db: Store["db"], program: string | undefined) =>
  (await import("../../store/embargoed-identifiers.js")).embargoedIdentifiers(db, program);

/** The most text the guard reads from one source (a diff of a large release is far below it). */
const INPUT_MAX_BYTES = 64 * 1024 * 1024;
/** Findings printed; the rest are counted. */
const PRINT_MAX = 200;
/** `A..B`, `A...B`, `A` (commit-ish names: no spaces, no option). */
const RANGE_MAX = 256;
const PROGRAM_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const SHA256_LINE = /^[0-9a-f]{64}$/;
/** The files git hands a commit-msg hook (and their kin): comment lines are not the message. */
const GIT_MESSAGE_FILES = new Set(["COMMIT_EDITMSG", "MERGE_MSG", "SQUASH_MSG", "TAG_EDITMSG"]);
const SCISSORS = "# ------------------------ >8 ------------------------";

/** Exit code 2 with a message: a usage error or something the guard could not read. */
class GuardUsageError extends Error {}

/** Commander's own usage errors (unknown option, missing value) exit 2 too. */
class GuardCommand extends Command {
  override createCommand(name?: string): Command {
    return new GuardCommand(name);
  }
  override error(message: string, errorOptions?: ErrorOptions): never {
    return super.error(message, { ...errorOptions, exitCode: 2 });
  }
}

interface GuardOptions {
  program?: string;
  policy?: string;
  file?: string;
  gitRange?: string;
  embargoed?: string;
}

/** One text to check and how to name where a finding is. */
interface Source {
  /** `path`, `<stdin>`, `commit 1a2b3c4d5e6f`, or a diff's file. */
  where: string;
  text: string;
  /** Line numbers in `text` → the line to report (a diff's added line → its line in the new file). */
  lineOf?: (line: number) => number;
}

interface Problem {
  where: string;
  line: number;
  column: number;
  message: string;
}

export function guardCommand(io: GuardCommandIo): Command {
  const { stdout, stderr } = io;
  const guard = new GuardCommand("guard")
    .description(
      "check a commit message, pull request text or diff for the words the policy forbids and for identifiers under embargo; exit 1 naming each, 2 on usage errors",
    )
    .option("--program <slug>", "the program whose policy and cases apply (default: the only or default one)")
    .option(
      "--policy <file>",
      "a policy file or folder (default: EMBARGO_POLICIES, as the server reads them)",
    )
    .option("--file <path>", "read this file (a commit-msg hook's $1); default: standard input")
    .option("--git-range <range>", "check the commit messages and the added lines of `git log/diff <range>`")
    .option("--embargoed <file>", "the hashes `embargo guard export` wrote, instead of the database")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (options: GuardOptions) => {
      await reportingUsageErrors(stderr, async () => {
        const found = await runGuard(io, options);
        if (found > 0) throw new CommanderError(1, "embargo.guard.found", "the text leaks");
      });
    });

  guard
    .command("export")
    .description(
      "print the SHA-256 hashes of the CVE ids, aliases, case ids and case numbers under embargo, for `guard --embargoed` on machines that cannot reach the database",
    )
    .option("--program <slug>", "only this program's (default: every program's)")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (options: { program?: string }) => {
      await reportingUsageErrors(stderr, async () => {
        // Commander gives `guard export --program x` to guard's own --program (the parent parses first).
        const slug = options.program ?? (guard.opts() as GuardOptions).program;
        const program = slug === undefined ? undefined : checkSlug(slug);
        const identifiers = await readFromDatabase(await io.config(), (db) =>
          embargoedIdentifiers(db, program),
        );
        const { identifierDigest } = await wordingRules();
        // Sorted hashes: nothing of the cases' order or number per kind shows.
        const hashes = [
          ...new Set(identifiers.map((identifier) => identifierDigest(identifier.value))),
        ].sort();
        stdout(
          [
            "# embargo guard export: SHA-256 (hex) of each upper-cased CVE id, alias, case id and case number under embargo",
            `# program: ${program ?? "all programs"}; written ${new Date().toISOString()}`,
            "# use: embargo guard --embargoed <this file> …",
            ...hashes,
            "",
          ].join("\n"),
        );
      });
    });
  return guard;
}

async function reportingUsageErrors(stderr: (text: string) => void, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof CommanderError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    stderr(`embargo guard: ${message}\n`);
    throw new CommanderError(2, "embargo.guard.usage", message);
  }
}

function checkSlug(slug: string): string {
  if (!PROGRAM_SLUG.test(slug))
    throw new GuardUsageError("--program: expected a program's slug (a-z, 0-9, -)");
  return slug;
}

/** Runs the checks; returns how many problems it found (and printed). */
async function runGuard(io: GuardCommandIo, options: GuardOptions): Promise<number> {
  if (options.file !== undefined && options.gitRange !== undefined)
    throw new GuardUsageError("give --file or --git-range, not both");
  const range = options.gitRange === undefined ? undefined : checkRange(options.gitRange);
  const config = await io.config();
  const loaded = await programPolicy(options.policy ?? config.policies, options.program, config);
  const slug = loaded.policy.program.slug;
  const embargoed: EmbargoedIdentifiers =
    options.embargoed !== undefined
      ? { kind: "hashes", hashes: await readExport(options.embargoed) }
      : {
          kind: "values",
          values: new Set(
            (await readFromDatabase(config, (db) => embargoedIdentifiers(db, slug))).map((row) => row.value),
          ),
        };
  const sources =
    range !== undefined
      ? await gitSources(range)
      : options.file !== undefined
        ? [await fileSource(options.file)]
        : [{ where: "<stdin>", text: await readAll(io.stdin) }];

  const wording = loaded.policy.disclosure.wording;
  const { identifierChecker, wordingChecker } = await wordingRules();
  const checkWords =
    wording === undefined
      ? () => ({ findings: [] as WordFinding[], total: 0 })
      : wordingChecker({ forbiddenWords: wording.forbiddenWords, exceptions: wording.exceptions });
  const checkIdentifiers = identifierChecker(embargoed);
  const problems: Problem[] = [];
  let total = 0;
  let identifiersFound = 0;
  for (const source of sources) {
    const at = (finding: { line: number; column: number }) => ({
      where: source.where,
      line: source.lineOf?.(finding.line) ?? finding.line,
      column: finding.column,
    });
    const words = checkWords(source.text);
    const identifiers = checkIdentifiers(source.text);
    total += words.total + identifiers.total;
    identifiersFound += identifiers.total;
    const found: Problem[] = [
      ...words.findings.map((finding) => ({ ...at(finding), message: wordMessage(finding) })),
      ...identifiers.findings.map((finding) => ({ ...at(finding), message: identifierMessage(finding) })),
    ];
    found.sort((a, b) => a.line - b.line || a.column - b.column);
    for (const problem of found) if (problems.length < PRINT_MAX) problems.push(problem);
  }
  if (total === 0) {
    io.stdout(`embargo guard: ok (${sources.length} text(s) checked for ${slug})\n`);
    return 0;
  }
  for (const problem of problems)
    io.stderr(`${problem.where}:${problem.line}:${problem.column}: ${problem.message}\n`);
  if (total > problems.length) io.stderr(`… and ${total - problems.length} more\n`);
  io.stderr(`embargo guard: ${total} problem(s) found\n`);
  if (total > identifiersFound && wording?.guidance !== undefined)
    io.stderr(`\nGuidance (${slug} policy): ${wording.guidance}\n`);
  if (identifiersFound > 0)
    io.stderr(
      "\nCVE ids and case references under embargo stay out of public fixes until the case is disclosed.\n",
    );
  return total;
}

function wordMessage(finding: WordFinding): string {
  const written = finding.found === finding.word ? "" : ` (written "${printable(finding.found)}")`;
  return `forbidden word "${finding.word}"${written}`;
}

function identifierMessage(finding: IdentifierFinding): string {
  return finding.value === null ? "an identifier under embargo" : `${finding.value} is under embargo`;
}

/** A finding's text, on one line and short. */
function printable(text: string): string {
  const line = text.replace(/\s+/g, " ");
  return line.length > 80 ? `${line.slice(0, 80)}…` : line;
}

function checkRange(range: string): string {
  if (range === "" || range.startsWith("-"))
    throw new GuardUsageError("--git-range: expected a range such as origin/main..HEAD (not an option)");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (range.length > RANGE_MAX || /[\s\u0000-\u001f\u007f]/.test(range))
    throw new GuardUsageError(
      `--git-range: expected a range such as origin/main..HEAD, at most ${RANGE_MAX} characters without spaces`,
    );
  return range;
}

/** The policy of the program to check for: --program, or the only one, or EMBARGO_DEFAULT_PROGRAM. */
async function programPolicy(
  path: string,
  program: string | undefined,
  config: Config,
): Promise<LoadedPolicy> {
  const [{ loadPolicies }, { formatProblem }] = await Promise.all([
    import("../../policy/loader.js"),
    import("../../policy/problems.js"),
  ]);
  const { policies, problems } = await loadPolicies(path);
  if (problems.length > 0)
    throw new GuardUsageError(
      `the policies in ${path} have problems:\n${problems.map(formatProblem).join("\n")}`,
    );
  const slugs = policies.map((loaded) => loaded.policy.program.slug);
  const slug =
    program !== undefined ? checkSlug(program) : slugs.length === 1 ? slugs[0] : config.defaultProgram;
  if (slug === undefined)
    throw new GuardUsageError(
      `${path} has several programs (${slugs.join(", ")}): choose one with --program`,
    );
  const loaded = policies.find((candidate) => candidate.policy.program.slug === slug);
  if (loaded === undefined)
    throw new GuardUsageError(`no program "${slug}" in ${path} (there are: ${slugs.join(", ")})`);
  return loaded;
}

/** Opens the configured database only to read, and closes it. A missing SQLite file is not created. */
async function readFromDatabase<T>(config: Config, read: (db: Store["db"]) => Promise<T>): Promise<T> {
  const url = config.databaseUrl;
  if (url.startsWith("sqlite:")) {
    const file = url.slice("sqlite:".length);
    if (file === "" || file === ":memory:" || !existsSync(file))
      throw new GuardUsageError(
        `no database at ${file === "" ? url : file} (EMBARGO_DATABASE_URL): where it cannot be reached, give --embargoed with the file \`embargo guard export\` wrote`,
      );
  }
  let store: Store;
  try {
    const { openDatabase } = await import("../../store/database.js");
    store = await openDatabase(url);
  } catch (error) {
    throw new GuardUsageError(
      `cannot open the database (EMBARGO_DATABASE_URL): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    return await read(store.db);
  } catch (error) {
    throw new GuardUsageError(
      `cannot read the identifiers under embargo (is the database migrated? run \`embargo migrate\`): ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    await store.close();
  }
}

/** An export: comment and blank lines, and one SHA-256 (hex) a line. */
async function readExport(path: string): Promise<Set<string>> {
  const text = await readSmallFile(path, "--embargoed");
  const hashes = new Set<string>();
  const lines = text.split("\n");
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim().toLowerCase();
    if (line === "" || line.startsWith("#")) continue;
    if (!SHA256_LINE.test(line))
      throw new GuardUsageError(
        `${path}:${index + 1}: expected a SHA-256 hash (64 hex digits) a line, as \`embargo guard export\` writes`,
      );
    hashes.add(line);
  }
  return hashes;
}

async function readSmallFile(path: string, option: string): Promise<string> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new GuardUsageError(`${option}: ${path} is not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof GuardUsageError) throw error;
    throw new GuardUsageError(`${option}: cannot read ${path}`);
  }
  if (size > INPUT_MAX_BYTES) throw new GuardUsageError(`${option}: ${path} is larger than 64 MiB`);
  return readFile(path, "utf8");
}

/**
 * A file; a git message file (a commit-msg hook's .git/COMMIT_EDITMSG) without what git drops
 * from it: its comment lines and, after the scissors line, the diff `git commit -v` shows.
 * Line numbers stay those of the file.
 */
async function fileSource(path: string): Promise<Source> {
  const text = await readSmallFile(path, "--file");
  if (!GIT_MESSAGE_FILES.has(basename(path))) return { where: path, text };
  const lines = text.split("\n");
  const cut = lines.indexOf(SCISSORS);
  const kept = (cut < 0 ? lines : lines.slice(0, cut)).map((line) => (line.startsWith("#") ? "" : line));
  return { where: path, text: kept.join("\n") };
}

async function readAll(stdin: AsyncIterable<string | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk);
    size += bytes.length;
    if (size > INPUT_MAX_BYTES) throw new GuardUsageError("standard input is larger than 64 MiB");
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function git(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      [...args],
      { maxBuffer: INPUT_MAX_BYTES, encoding: "utf8", windowsHide: true },
      (error, stdout, stderr) => {
        if (error === null) resolve(stdout);
        else
          reject(
            new GuardUsageError(`git ${args[0]} failed: ${(stderr.trim() || error.message).split("\n")[0]}`),
          );
      },
    );
  });
}

/** The commit messages of the range (one source a commit) and the lines its diff adds. */
async function gitSources(range: string): Promise<Source[]> {
  // NUL before each commit: messages hold any text but that.
  const log = await git(["log", "--format=%x00%H%n%B", "--end-of-options", range, "--"]);
  const diff = await git(["diff", "--no-color", "--no-ext-diff", "--end-of-options", range, "--"]);
  const commits: Source[] = log
    .split("\0")
    .filter((chunk) => chunk !== "")
    .map((chunk) => {
      const newline = chunk.indexOf("\n");
      const sha = newline < 0 ? chunk : chunk.slice(0, newline);
      return { where: `commit ${sha.slice(0, 12)}`, text: newline < 0 ? "" : chunk.slice(newline + 1) };
    });
  return [...commits, ...diffSources(diff)];
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * A unified diff's added lines, one source per file with each line's number in the new file, and
 * the names of added or renamed files. Removed and context lines are public already.
 */
function diffSources(diff: string): Source[] {
  const sources: Source[] = [];
  let file = "";
  let oldLeft = 0;
  let newLeft = 0;
  let newLine = 0;
  let created = false;
  let added: { text: string[]; lines: number[] } = { text: [], lines: [] };
  const flush = () => {
    if (added.text.length > 0) {
      const lines = added.lines;
      sources.push({ where: file, text: added.text.join("\n"), lineOf: (line) => lines[line - 1] ?? line });
    }
    added = { text: [], lines: [] };
  };
  for (const line of diff.split("\n")) {
    if (oldLeft > 0 || newLeft > 0) {
      const mark = line[0];
      if (mark === "+") {
        added.text.push(line.slice(1));
        added.lines.push(newLine);
        newLine++;
        newLeft--;
      } else if (mark === "-") oldLeft--;
      else if (mark === " " || line === "") {
        oldLeft--;
        newLeft--;
        newLine++;
      }
      continue;
    }
    if (line.startsWith("diff --git ")) {
      flush();
      created = false;
      file = "";
    } else if (line.startsWith("--- ")) {
      created = line === "--- /dev/null";
    } else if (line.startsWith("+++ ")) {
      const path = line.slice(4);
      if (path !== "/dev/null") file = path.startsWith("b/") ? path.slice(2) : path;
      if (created) sources.push({ where: `${file} (file name)`, text: file });
    } else if (line.startsWith("rename to ")) {
      file = line.slice("rename to ".length);
      sources.push({ where: `${file} (file name)`, text: file });
    } else {
      const hunk = HUNK.exec(line);
      if (hunk !== null) {
        oldLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
        newLeft = hunk[4] === undefined ? 1 : Number(hunk[4]);
        newLine = Number(hunk[3]);
      }
    }
  }
  flush();
  return sources;
}
