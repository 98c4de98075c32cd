import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCommandLine } from "../../src/cli/program.js";
import { loadConfig } from "../../src/config.js";
import { savedSettingsText } from "../../src/save-settings.js";
import { type RunningServer, startServer } from "../../src/server.js";
import { type CliResult, runEmbargo } from "../support/cli.js";
import { createScratchPostgresDatabase, databases } from "../support/databases.js";

/**
 * `embargo serve` saves, in the data folder, where its installation is; the other commands read
 * it under the environment and embargo.yaml, so the links they print are the server's.
 */
const PUBLIC_URL = "https://security.example.org";
const NO_YAML = "/nonexistent/embargo.yaml";

/** `embargo serve` in this process (its settings as serve reads them), on a free port. */
function serve(env: NodeJS.ProcessEnv): Promise<RunningServer> {
  const settings = { EMBARGO_PORT: "0", EMBARGO_WORKER: "off", EMBARGO_LOG_LEVEL: "silent", ...env };
  return startServer(loadConfig({ EMBARGO_POLICIES: "examples/policies", ...settings }, NO_YAML));
}

/** `embargo <args>` with an embargo.yaml of its own (runEmbargo gives none). */
async function runWithYaml(args: string[], env: NodeJS.ProcessEnv, configFile: string): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await runCommandLine(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stdin: Readable.from([]),
    env,
    configFile,
  });
  return { code, stdout, stderr };
}

/** A database the server and the commands both reach, given only its URL. */
async function sharedDatabase(name: "sqlite" | "postgres"): Promise<{ url: string; drop(): Promise<void> }> {
  if (name === "postgres") return createScratchPostgresDatabase();
  const dir = mkdtempSync(join(tmpdir(), "embargo-shared-db-"));
  return {
    url: `sqlite:${join(dir, "embargo.db")}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

const linkIn = (stdout: string, base: string) =>
  new RegExp(`^${base.replaceAll(".", "\\.")}/setup/([A-Za-z0-9_-]{43})$`, "m").exec(stdout)?.[1];

describe.each(databases)("settings embargo serve saves for the other commands, on $name", (database) => {
  let shared: { url: string; drop(): Promise<void> };
  let dataDir: string;
  let server: RunningServer | undefined;
  /** What a command needs besides the data folder: the database's password is never saved. */
  let commandEnv: NodeJS.ProcessEnv;
  beforeEach(async () => {
    shared = await sharedDatabase(database.name);
    dataDir = mkdtempSync(join(tmpdir(), "embargo-shared-data-"));
    const password = shared.url.startsWith("postgres") && new URL(shared.url).password !== "";
    commandEnv = { EMBARGO_DATA_DIR: dataDir, ...(password ? { EMBARGO_DATABASE_URL: shared.url } : {}) };
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await shared.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("user add and keys pgp generate, given only EMBARGO_DATA_DIR, print links under the public URL serve started with", async () => {
    server = await serve({
      EMBARGO_PUBLIC_URL: PUBLIC_URL,
      EMBARGO_DATABASE_URL: shared.url,
      EMBARGO_DATA_DIR: dataDir,
    });
    const added = await runEmbargo(
      ["user", "add", "--email", "ops@kafe.example", "--role", "responder", "--program", "kafe"],
      { env: commandEnv },
    );
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    const token = linkIn(added.stdout, PUBLIC_URL);
    expect(token, added.stdout).toBeDefined();
    // The same installation: the running server knows the link the command made.
    expect((await server.app.inject({ url: `/setup/${token}` })).statusCode).toBe(200);

    const generated = await runEmbargo(["keys", "pgp", "generate", "--program", "kitsu"], {
      env: commandEnv,
    });
    expect(generated.stderr).toBe("");
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain(`published at ${PUBLIC_URL}/p/kitsu/openpgp.asc`);
    const published = await server.app.inject({ url: "/p/kitsu/openpgp.asc" });
    expect(published.statusCode).toBe(200);
    expect(published.body).toContain("-----BEGIN PGP PUBLIC KEY BLOCK-----");
  }, 60_000);

  it("the environment and embargo.yaml win over what serve saved, and a later start rewrites it", async () => {
    server = await serve({
      EMBARGO_PUBLIC_URL: PUBLIC_URL,
      EMBARGO_DATABASE_URL: shared.url,
      EMBARGO_DATA_DIR: dataDir,
    });
    await server.close();
    server = undefined;
    const add = (email: string) => ["user", "add", "--email", email, "--role", "responder"];

    const fromEnv = await runEmbargo(add("env@kafe.example"), {
      env: { ...commandEnv, EMBARGO_PUBLIC_URL: "https://env.example.net" },
    });
    expect(fromEnv.code).toBe(0);
    expect(linkIn(fromEnv.stdout, "https://env.example.net")).toBeDefined();

    const yaml = join(dataDir, "embargo.yaml");
    writeFileSync(yaml, "EMBARGO_PUBLIC_URL: https://yaml.example.net\n");
    const fromYaml = await runWithYaml(add("yaml@kafe.example"), commandEnv, yaml);
    expect(fromYaml.stderr).toBe("");
    expect(linkIn(fromYaml.stdout, "https://yaml.example.net")).toBeDefined();

    server = await serve({
      EMBARGO_PUBLIC_URL: "https://moved.example.com/embargo",
      EMBARGO_DATABASE_URL: shared.url,
      EMBARGO_DATA_DIR: dataDir,
    });
    const reset = await runEmbargo(["user", "reset", "--email", "env@kafe.example"], { env: commandEnv });
    expect(reset.stderr).toBe("");
    expect(linkIn(reset.stdout, "https://moved.example.com/embargo")).toBeDefined();
  }, 60_000);

  it("the saved file is its owner's alone (0600) and holds no secret", async () => {
    const secretKey = randomBytes(32).toString("base64");
    server = await serve({
      EMBARGO_PUBLIC_URL: PUBLIC_URL,
      EMBARGO_DATABASE_URL: shared.url,
      EMBARGO_DATA_DIR: dataDir,
      EMBARGO_SECRET_KEY: secretKey,
      EMBARGO_SMTP_URL: "smtp://mailer:relay-password@127.0.0.1:2525",
    });
    const file = join(dataDir, "embargo.env");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, "utf8");
    const settings = text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
    expect(settings.map((line) => line.split("=")[0])).toEqual([
      "EMBARGO_PUBLIC_URL",
      "EMBARGO_DATABASE_URL",
      "EMBARGO_POLICIES",
      "EMBARGO_HOST",
      "EMBARGO_PORT",
    ]);
    expect(settings).toContain(`EMBARGO_PUBLIC_URL=${PUBLIC_URL}`);
    expect(settings).toContain(`EMBARGO_POLICIES=${resolve("examples/policies")}`);
    for (const secret of [secretKey, "relay-password", "EMBARGO_SECRET_KEY", "EMBARGO_SMTP_URL"])
      expect(text).not.toContain(secret);
    const password = shared.url.startsWith("postgres") ? new URL(shared.url).password : "";
    if (password !== "") expect(text).not.toContain(password);

    // A database URL with a password is saved without it (and says where the password goes).
    const config = loadConfig(
      {
        EMBARGO_DATABASE_URL: "postgres://embargo:hunter2@db.example/embargo?sslpassword=pw2&sslmode=require",
      },
      NO_YAML,
    );
    const saved = savedSettingsText(config, 8080, new Date());
    expect(saved).toContain("EMBARGO_DATABASE_URL=postgres://embargo@db.example/embargo?sslmode=require\n");
    expect(saved).not.toMatch(/hunter2|pw2/);
    expect(saved).toContain("PGPASSWORD");
  }, 60_000);

  it("without EMBARGO_PUBLIC_URL or saved settings, a printed link comes with a warning that the address is not known", async () => {
    const env = { EMBARGO_DATABASE_URL: shared.url, EMBARGO_DATA_DIR: dataDir };
    const added = await runEmbargo(["user", "add", "--email", "ops@kafe.example", "--role", "admin"], {
      env,
    });
    expect(added.code).toBe(0);
    expect(linkIn(added.stdout, "http://127.0.0.1:8080")).toBeDefined();
    expect(added.stderr).toContain(
      "warning: the server's address is not known: set EMBARGO_PUBLIC_URL (or start embargo serve once with",
    );
  }, 60_000);
});

describe("a corrupt or hand-edited saved settings file", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "embargo-shared-bad-"));
  const file = join(dataDir, "embargo.env");
  const secret = randomBytes(16).toString("hex");

  it.each([
    [
      "a line that is no setting",
      "EMBARGO_HOST=127.0.0.1\nthis is not a setting\n",
      2,
      /expected NAME=value/,
    ],
    ["bytes that are not text", Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0a]), 1, /expected NAME=value/],
    ["an invalid value", "# a comment\nEMBARGO_PORT=eighty\n", 2, /EMBARGO_PORT: /],
    [
      "a URL that is not http(s)",
      "EMBARGO_PUBLIC_URL=ftp://files.example\n",
      1,
      /EMBARGO_PUBLIC_URL: expected an http\(s\) URL/,
    ],
    ["a setting twice", "EMBARGO_HOST=a\nEMBARGO_HOST=b\n", 2, /EMBARGO_HOST is set twice/],
    ["a secret", `EMBARGO_SECRET_KEY=${secret}\n`, 1, /EMBARGO_SECRET_KEY is not kept in this file/],
    [
      "a database password",
      `EMBARGO_DATABASE_URL=postgres://u:${secret}@db.example/e\n`,
      1,
      /holds a password/,
    ],
  ])("%s: the command stops, naming the file and line", async (_what, content, line, message) => {
    writeFileSync(file, content);
    const result = await runEmbargo(["user", "list"], { env: { EMBARGO_DATA_DIR: dataDir } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(new RegExp(`^embargo: ${file.replaceAll(".", "\\.")}:${line}: `));
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("correct or delete the file");
    expect(result.stderr).not.toContain(secret);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it("a file that cannot be read: the command stops, naming the file", async () => {
    rmSync(file, { force: true });
    mkdirSync(file);
    const result = await runEmbargo(["user", "list"], { env: { EMBARGO_DATA_DIR: dataDir } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `embargo: ${file}: cannot read it (EISDIR); delete it (\`embargo serve\` writes it again at its next start)\n`,
    );
    rmSync(dataDir, { recursive: true, force: true });
  });
});
