import { spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { runEmbargo } from "../support/cli.js";
import { createScratchPostgresDatabase, databases } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { fileReport, postCaseForm } from "../support/workspace.js";

/**
 * `embargo guard` as a developer and a CI machine use it: the real command (src/cli/main.ts,
 * through tsx) as a `commit-msg` hook of a real git repository, and over a git range. The cases
 * are filed through the intake API of an app on the same database; their CVE ids are rows of
 * `case_identifiers`, written here directly (another part of issue 12 writes them).
 */

const ROOT = process.cwd();
const POLICIES = path.join(ROOT, "test/fixtures/policies/guard");
const GUIDANCE =
  "Guidance (guarded policy): Phrase the pull requests in a non-sensitive and technology-focussed way that explains what was changed.";
const CVE = "CVE-2026-31337";
const SPAM_CVE = "CVE-2026-40000";
const OTHER_CVE = "CVE-2026-50000";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A folder with an `embargo` command on PATH (the CLI from source, as `npx embargo` would run the
 * installed one) and a fresh git repository whose commit-msg hook is the README's line.
 */
async function gitRepository(databaseUrl: string) {
  const home = await mkdtemp(path.join(tmpdir(), "embargo-guard-"));
  const bin = path.join(home, "bin");
  const repo = path.join(home, "repo");
  await mkdir(bin);
  await mkdir(repo);
  const shim = [
    "#!/bin/sh",
    `TSX_TSCONFIG_PATH='${ROOT}/tsconfig.json' exec '${process.execPath}' --import '${ROOT}/node_modules/tsx/dist/loader.mjs' '${ROOT}/src/cli/main.ts' "$@"`,
    "",
  ].join("\n");
  await writeFile(path.join(bin, "embargo"), shim);
  await chmod(path.join(bin, "embargo"), 0o755);
  const env: NodeJS.ProcessEnv = {
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: "1",
    EMBARGO_POLICIES: POLICIES,
    EMBARGO_DATABASE_URL: databaseUrl,
  };
  const git = (...args: string[]) => run("git", args, repo, env);
  const embargo = (...args: string[]) => run(path.join(bin, "embargo"), args, repo, env);
  expect((await git("init", "-q", "-b", "main")).code).toBe(0);
  await git("config", "user.name", "Dev Eloper");
  await git("config", "user.email", "dev@guarded.example");
  await git("config", "commit.gpgsign", "false");
  await writeFile(
    path.join(repo, ".git/hooks/commit-msg"),
    '#!/bin/sh\nexec embargo guard --program guarded --file "$1"\n',
  );
  await chmod(path.join(repo, ".git/hooks/commit-msg"), 0o755);
  await writeFile(path.join(repo, "README.md"), "# Guarded\n");
  await git("add", "README.md");
  expect((await git("commit", "-q", "--no-verify", "-m", "Initial commit")).code).toBe(0);
  /** Commits everything staged (or nothing) with `message`; the hook decides. */
  const commit = (message: string, ...flags: string[]) =>
    git("commit", "-q", "--allow-empty", ...flags, "-m", message);
  const subjects = async () => (await git("log", "--format=%s")).stdout.trim().split("\n");
  return {
    home,
    repo,
    env,
    git,
    embargo,
    commit,
    subjects,
    close: () => rm(home, { recursive: true, force: true }),
  };
}

type Repository = Awaited<ReturnType<typeof gitRepository>>;

/** The databases of the store tests, as a URL the separate process opens too. */
async function scratchDatabase(name: "sqlite" | "postgres"): Promise<{ url: string; drop(): Promise<void> }> {
  if (name === "postgres") return createScratchPostgresDatabase();
  const dir = await mkdtemp(path.join(tmpdir(), "embargo-guard-db-"));
  return {
    url: `sqlite:${path.join(dir, "embargo.db")}`,
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

describe.each(databases.map((database) => database.name))("embargo guard on %s", (name) => {
  let database: { url: string; drop(): Promise<void> };
  let t: TestApp;
  let staff: CreatedStaff;
  let repository: Repository;
  const report = async (program: string) =>
    (await fileReport(t, program, { title: "Script in the preview", fields: { description: "It runs." } }))
      .id;
  const identify = (program: string, caseId: string, value: string) =>
    t.store.db
      .insertInto("case_identifiers")
      .values({ program, value, case_id: caseId, kind: "cve", created_at: new Date().toISOString() })
      .execute();
  const move = async (id: string, ...steps: [string, string?][]) => {
    for (const [to, outcome] of steps) {
      const moved = await postCaseForm(staff, id, "transition", { to, outcome: outcome ?? "" });
      expect(moved.statusCode, `to ${to}`).toBe(303);
    }
  };

  beforeAll(async () => {
    database = await scratchDatabase(name);
    t = await startTestApp(() => openDatabase(database.url), {}, { policies: POLICIES });
    staff = await createStaff(t, { email: "lead@guarded.example", role: "responder", program: "guarded" });
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });
  beforeEach(async () => {
    repository = await gitRepository(database.url);
  });
  afterEach(async () => {
    await repository.close();
  });

  it("rejects a commit with a forbidden word in its commit-msg hook, naming the word, its line and the guidance", async () => {
    const rejected = await repository.commit("Fix XSS in preview");
    expect(rejected.code).not.toBe(0);
    expect(rejected.stderr).toContain('.git/COMMIT_EDITMSG:1:5: forbidden word "XSS"');
    expect(rejected.stderr).toContain(GUIDANCE);
    const body = await repository.commit("Tidy the preview\n\nA Hacker could run scripts (xss).");
    expect(body.code).not.toBe(0);
    expect(body.stderr).toContain('.git/COMMIT_EDITMSG:3:3: forbidden word "hacker" (written "Hacker")');
    expect(body.stderr).toContain('.git/COMMIT_EDITMSG:3:29: forbidden word "XSS" (written "xss")');
    expect(await repository.subjects()).toEqual(["Initial commit"]);

    expect((await repository.commit("Sanitise preview markup")).code).toBe(0);
    expect((await repository.commit("Add exploit mitigation to the preview")).code).toBe(0);
    expect(await repository.subjects()).toEqual([
      "Add exploit mitigation to the preview",
      "Sanitise preview markup",
      "Initial commit",
    ]);
  }, 240_000);

  it("rejects a commit naming a CVE id or case under embargo until the case is disclosed", async () => {
    const embargoed = await report("guarded");
    await identify("guarded", embargoed, CVE);
    const spam = await report("guarded");
    await identify("guarded", spam, SPAM_CVE);
    await move(spam, ["closed", "spam"]);
    await identify("other", await report("other"), OTHER_CVE);

    const leak = await repository.commit(`Backport the preview fix\n\nFor ${CVE.toLowerCase()}.`);
    expect(leak.code).not.toBe(0);
    expect(leak.stderr).toContain(`.git/COMMIT_EDITMSG:3:5: ${CVE} is under embargo`);
    expect(leak.stderr).toContain("CVE ids and case references under embargo stay out of public fixes");
    const reference = await repository.commit(`Preview fix (see case ${embargoed})`);
    expect(reference.code).not.toBe(0);
    expect(reference.stderr).toContain(
      `.git/COMMIT_EDITMSG:1:23: ${embargoed.toUpperCase()} is under embargo`,
    );
    // A case closed as spam has nothing to protect; another program's cases are its own.
    expect((await repository.commit(`Mention ${SPAM_CVE} and ${OTHER_CVE}`)).code).toBe(0);

    await move(embargoed, ["triaged"], ["in-progress"], ["fixed"], ["disclosed"]);
    expect((await repository.commit(`Backport the preview fix for ${CVE}`)).code).toBe(0);
    expect((await repository.subjects())[0]).toBe(`Backport the preview fix for ${CVE}`);
  }, 240_000);

  it("rejects a commit naming an embargoed case by its number (GUARDED-n), in any case and from an export, until the case is disclosed", async () => {
    const embargoed = await report("guarded");
    const { number } = await t.store.db
      .selectFrom("cases")
      .select("number")
      .where("id", "=", embargoed)
      .executeTakeFirstOrThrow();
    const reference = `GUARDED-${number}`;
    const leak = await repository.commit(`Tidy the preview (${reference.toLowerCase()})`);
    expect(leak.code).not.toBe(0);
    expect(leak.stderr).toContain(`.git/COMMIT_EDITMSG:1:19: ${reference} is under embargo`);
    // "#n" alone is how commits name pull requests and issues: not a case.
    expect((await repository.commit(`Tidy the preview (see #${number})`)).code).toBe(0);

    const exported = await repository.embargo("guard", "export", "--program", "guarded");
    const hashFile = path.join(repository.home, "embargoed.sha256");
    const message = path.join(repository.home, "message.txt");
    await writeFile(hashFile, exported.stdout);
    await writeFile(message, `Fixes ${reference}\n`);
    const ci = { ...repository.env, EMBARGO_DATABASE_URL: "postgres://nobody@127.0.0.1:1/unreachable" };
    const bin = path.join(repository.home, "bin/embargo");
    const args = ["guard", "--program", "guarded", "--embargoed", hashFile, "--file", message];
    const checked = await run(bin, args, repository.repo, ci);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain("message.txt:1:7: an identifier under embargo");

    await move(embargoed, ["triaged"], ["in-progress"], ["fixed"], ["disclosed"]);
    expect((await repository.commit(`Tidy the preview (${reference})`)).code).toBe(0);
  }, 240_000);

  it("exports hashes only, and checks a CI range's messages and diff against them without the database", async () => {
    const embargoed = await report("guarded");
    await identify("guarded", embargoed, "CVE-2026-77777");
    await identify("other", await report("other"), "CVE-2026-88888");
    const exported = await repository.embargo("guard", "export", "--program", "guarded");
    expect(exported.stderr).toBe("");
    expect(exported.code).toBe(0);
    const lines = exported.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^# embargo guard export: SHA-256/);
    const hashes = lines.filter((line) => !line.startsWith("#"));
    expect(hashes.length).toBeGreaterThanOrEqual(2);
    for (const hash of hashes) expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(exported.stdout.toUpperCase()).not.toContain("CVE-");
    expect(exported.stdout.toUpperCase()).not.toContain(embargoed.toUpperCase());
    const everyProgram = await runEmbargo(["guard", "export"], { env: repository.env });
    expect(
      everyProgram.stdout.split("\n").filter((line) => /^[0-9a-f]{64}$/.test(line)).length,
    ).toBeGreaterThan(hashes.length);
    const hashFile = path.join(repository.home, "embargoed.sha256");
    await writeFile(hashFile, exported.stdout);

    // A developer skipped the hook; CI checks the branch.
    await mkdir(path.join(repository.repo, "src"));
    await writeFile(
      path.join(repository.repo, "src/preview.ts"),
      "export function preview(markup: string) {\n  // strip scripts\n  return markup; // no more XSS\n}\n",
    );
    await repository.git("add", "src/preview.ts");
    expect((await repository.commit("Sanitise preview markup", "--no-verify")).code).toBe(0);
    await writeFile(path.join(repository.repo, "README.md"), `# Guarded\n\nFixed cve-2026-77777 ${"."}\n`);
    await repository.git("add", "README.md");
    expect((await repository.commit("Update the readme", "--no-verify")).code).toBe(0);
    expect((await repository.commit(`Refs case ${embargoed}`, "--no-verify")).code).toBe(0);

    const ci = { ...repository.env, EMBARGO_DATABASE_URL: "postgres://nobody@127.0.0.1:1/unreachable" };
    const checked = await run(
      path.join(repository.home, "bin/embargo"),
      ["guard", "--program", "guarded", "--git-range", "HEAD~3..HEAD", "--embargoed", hashFile],
      repository.repo,
      ci,
    );
    expect(checked.code).toBe(1);
    const found = checked.stderr.split("\n");
    expect(found).toContain('src/preview.ts:3:29: forbidden word "XSS"');
    expect(found).toContain("README.md:3:7: an identifier under embargo");
    expect(found).toContainEqual(
      expect.stringMatching(/^commit [0-9a-f]{12}:1:11: an identifier under embargo$/),
    );
    expect(found).toContain("embargo guard: 3 problem(s) found");
    expect(checked.stderr.toUpperCase()).not.toContain("CVE-2026-77777");
    expect(checked.stderr.toUpperCase()).not.toContain(embargoed.toUpperCase());

    // The first commit alone is clean of identifiers; its diff still has the word.
    const first = await run(
      path.join(repository.home, "bin/embargo"),
      ["guard", "--program", "guarded", "--git-range", "HEAD~3..HEAD~2", "--embargoed", hashFile],
      repository.repo,
      ci,
    );
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('src/preview.ts:3:29: forbidden word "XSS"');
    expect(first.stderr).toContain("embargo guard: 1 problem(s) found");
  }, 240_000);
});

describe("embargo guard's usage errors", () => {
  let dir: string;
  let hashes: string;
  const env = () => ({
    EMBARGO_POLICIES: POLICIES,
    EMBARGO_DATABASE_URL: `sqlite:${path.join(dir, "none.db")}`,
  });
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "embargo-guard-usage-"));
    hashes = path.join(dir, "embargoed.sha256");
    await writeFile(hashes, "# embargo guard export\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("exits 2 for usage errors, naming the mistake, and never reads a missing database into existence", async () => {
    const guard = (args: string[], stdin = "Sanitise preview markup\n") =>
      runEmbargo(["guard", ...args], { env: env(), stdin });
    const cases: [string[], string][] = [
      [["--frobnicate"], "unknown option '--frobnicate'"],
      [["--program"], "argument missing"],
      [
        ["--program", "guarded", "--file", "a", "--git-range", "a..b"],
        "give --file or --git-range, not both",
      ],
      [["--program", "guarded", "--git-range", "--output=/tmp/x"], "not an option"],
      [["--program", "guarded", "--git-range", "a..b c"], "without spaces"],
      [["--embargoed", hashes], "has several programs (guarded, other): choose one with --program"],
      [["--program", "nope", "--embargoed", hashes], 'no program "nope"'],
      [["--program", "../../etc", "--embargoed", hashes], "expected a program's slug"],
      [
        ["--program", "guarded", "--file", path.join(dir, "missing.txt"), "--embargoed", hashes],
        "cannot read",
      ],
      [["--program", "guarded", "--embargoed", path.join(dir, "missing")], "cannot read"],
      [["--program", "guarded"], "no database at"],
      [
        ["--program", "guarded", "--policy", path.join(dir, "nowhere.yaml"), "--embargoed", hashes],
        "problems",
      ],
    ];
    for (const [args, message] of cases) {
      const result = await guard(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr, args.join(" ")).toContain(message);
    }
    const malformed = path.join(dir, "malformed.sha256");
    await writeFile(malformed, `# header\n${"a".repeat(64)}\nCVE-2026-1\n`);
    const bad = await guard(["--program", "guarded", "--embargoed", malformed]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${malformed}:3: expected a SHA-256 hash`);
    // The guard read no database: none was created where EMBARGO_DATABASE_URL points.
    await expect(readFile(path.join(dir, "none.db"))).rejects.toThrow();
  });

  it("reads standard input and a file with the policy given by --policy, and passes clean text", async () => {
    const policy = ["--policy", path.join(POLICIES, "guarded.yaml"), "--embargoed", hashes];
    const clean = await runEmbargo(["guard", ...policy], { env: env(), stdin: "Sanitise preview markup\n" });
    expect(clean).toMatchObject({ code: 0, stderr: "" });
    expect(clean.stdout).toContain("embargo guard: ok");
    const dirty = await runEmbargo(["guard", ...policy], {
      env: env(),
      stdin: "Title: Stop the exploit\n\nBody: no hacker-friendly markup; exploit mitigation added.\n",
    });
    expect(dirty.code).toBe(1);
    expect(dirty.stderr).toContain('<stdin>:1:17: forbidden word "exploit"');
    expect(dirty.stderr).toContain('<stdin>:3:10: forbidden word "hacker"');
    expect(dirty.stderr).toContain("embargo guard: 2 problem(s) found");
    // A commit-msg file: git's comment lines and the `commit -v` diff are not the message.
    const message = path.join(dir, "COMMIT_EDITMSG");
    await writeFile(
      message,
      "Sanitise preview markup\n# On branch fix-xss\n# ------------------------ >8 ------------------------\n+// XSS\n",
    );
    expect((await runEmbargo(["guard", ...policy, "--file", message], { env: env() })).code).toBe(0);
    const plain = path.join(dir, "pr-body.md");
    await writeFile(plain, "# Fix XSS\n");
    const heading = await runEmbargo(["guard", ...policy, "--file", plain], { env: env() });
    expect(heading.code).toBe(1);
    expect(heading.stderr).toContain(`${plain}:1:7: forbidden word "XSS"`);
  });
});
