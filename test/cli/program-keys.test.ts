import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as openpgp from "openpgp";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { keyEmails } from "../../src/mail/pgp-keys.js";
import { loadKeyring } from "../../src/store/data-keys.js";
import { openDatabase } from "../../src/store/database.js";
import { programDecryptionKeys } from "../../src/store/program-keys.js";
import { type CliResult, runEmbargo } from "../support/cli.js";
import { createScratchPostgresDatabase, databases } from "../support/databases.js";

/** `embargo keys pgp …` as an operator runs it (in this process: runEmbargo), on a real database. */

async function sharedDatabase(name: "sqlite" | "postgres"): Promise<{ url: string; drop(): Promise<void> }> {
  if (name === "postgres") return createScratchPostgresDatabase();
  const dir = mkdtempSync(join(tmpdir(), "embargo-pgp-cli-"));
  return {
    url: `sqlite:${join(dir, "embargo.db")}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

const PASSPHRASE = "correct horse battery staple";
const files = mkdtempSync(join(tmpdir(), "embargo-pgp-files-"));
const file = (name: string, text: string) => {
  const path = join(files, name);
  writeFileSync(path, text);
  return path;
};
let protectedKey: string;
let plainKey: string;
let publicKey: string;

beforeAll(async () => {
  const made = await openpgp.generateKey({
    type: "ecc",
    curve: "curve25519Legacy",
    userIDs: [{ name: "Kitsu", email: "nuck@kitsu.example" }],
    passphrase: PASSPHRASE,
  });
  protectedKey = file("protected.asc", made.privateKey);
  publicKey = file("public.asc", made.publicKey);
  const plain = await openpgp.generateKey({
    type: "ecc",
    curve: "curve25519Legacy",
    userIDs: [{ name: "Kafe", email: "mrtreinis@kafe.example" }],
  });
  plainKey = file("plain.asc", plain.privateKey);
});
afterAll(() => rmSync(files, { recursive: true, force: true }));

const noSecrets = (...results: CliResult[]) => {
  for (const result of results) {
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/-----BEGIN PGP PRIVATE KEY BLOCK-----\s*\n/);
  }
};

describe.each(databases)("embargo keys pgp, on $name", (database) => {
  let shared: { url: string; drop(): Promise<void> };
  let env: NodeJS.ProcessEnv;
  const secretKey = randomBytes(32).toString("base64");
  beforeEach(async () => {
    shared = await sharedDatabase(database.name);
    env = {
      EMBARGO_DATABASE_URL: shared.url,
      EMBARGO_PUBLIC_URL: "https://security.example.org",
      EMBARGO_POLICIES: "examples/policies",
      EMBARGO_SECRET_KEY: secretKey,
    };
  });
  afterEach(async () => {
    await shared.drop();
  });

  const storedKeys = async (program: string) => {
    const store = await openDatabase(shared.url);
    try {
      const keyring = await loadKeyring(store, Buffer.from(secretKey, "base64"));
      return await programDecryptionKeys(store, keyring, program);
    } finally {
      await store.close();
    }
  };

  it("generates a key with the program's addresses, lists, exports, and retires it for the next", async () => {
    const generated = await runEmbargo(["keys", "pgp", "generate", "--program", "kitsu"], { env });
    expect(generated.stderr).toBe("");
    expect(generated.code).toBe(0);
    const fingerprint =
      /^generated ([0-9A-F]{40}) for kitsu \(nuck@kitsu\.example, help@kitsu\.example\)$/m.exec(
        generated.stdout,
      )?.[1];
    expect(fingerprint).toBeDefined();
    expect(generated.stdout).toContain("https://security.example.org/p/kitsu/openpgp.asc");

    const exported = await runEmbargo(["keys", "pgp", "export", "--program", "kitsu"], { env });
    expect(exported.code).toBe(0);
    const key = await openpgp.readKey({ armoredKey: exported.stdout });
    expect(key.isPrivate()).toBe(false);
    expect(key.getFingerprint().toUpperCase()).toBe(fingerprint);
    expect(await keyEmails(key)).toEqual(["nuck@kitsu.example", "help@kitsu.example"]);
    expect(key.users.map((user) => user.userID?.name)).toEqual(["Kitsu", "Kitsu"]);
    // Curve25519 in the v4 encoding every implementation reads (EdDSA legacy + ECDH).
    expect(key.getAlgorithmInfo()).toMatchObject({ algorithm: "eddsaLegacy", curve: "ed25519Legacy" });

    const again = await runEmbargo(
      ["keys", "pgp", "generate", "--program", "kitsu", "--name", "Kitsu PSIRT"],
      { env },
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`retired ${fingerprint}`);
    const listed = await runEmbargo(["keys", "pgp", "list"], { env });
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^kitsu\t[0-9A-F]{40}\t\d{4}-\d\d-\d\dT[\d:.]+Z\tactive$/);
    expect(lines[1]).toMatch(new RegExp(`^kitsu\\t${fingerprint}\\t\\S+Z\\tretired \\S+Z$`));

    const stored = await storedKeys("kitsu");
    expect(stored.map((k) => k.fingerprint)[1]).toBe(fingerprint);
    expect(stored[0]?.privateKey).toContain("BEGIN PGP PRIVATE KEY BLOCK");
    noSecrets(generated, exported, again, listed);
  }, 90_000);

  it("imports a passphrase-protected key with --passphrase-env and stores it unlocked", async () => {
    const refused = await runEmbargo(["keys", "pgp", "import", "--program", "kitsu", protectedKey], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("protected by a passphrase");
    expect(refused.stderr).toContain("--passphrase-env");

    const imported = await runEmbargo(
      [
        "keys",
        "pgp",
        "import",
        "--program",
        "kitsu",
        "--passphrase-env",
        "KITSU_KEY_PASSPHRASE",
        protectedKey,
      ],
      { env: { ...env, KITSU_KEY_PASSPHRASE: PASSPHRASE } },
    );
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^imported [0-9A-F]{40} for kitsu \(nuck@kitsu\.example\)$/m);
    // The key lacks the help desk's address: said, not refused.
    expect(imported.stderr).toContain("warning: the key has no user ID for help@kitsu.example");
    expect(imported.stderr).not.toContain(PASSPHRASE);

    const [stored] = await storedKeys("kitsu");
    const unlocked = await openpgp.readPrivateKey({ armoredKey: stored!.privateKey });
    expect(unlocked.isDecrypted()).toBe(true);
    noSecrets(refused, imported);
  }, 90_000);
});

describe("embargo keys pgp refuses clearly", () => {
  const dir = mkdtempSync(join(tmpdir(), "embargo-pgp-cli-errors-"));
  const env = {
    EMBARGO_DATABASE_URL: `sqlite:${join(dir, "embargo.db")}`,
    EMBARGO_POLICIES: "examples/policies",
    EMBARGO_SECRET_KEY: randomBytes(32).toString("base64"),
    // Known, so that a successful import says nothing on stderr (shared-settings.test.ts: the warning).
    EMBARGO_PUBLIC_URL: "https://security.example.org",
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("an unknown program, a bad file, a public key, a wrong or missing passphrase, no key to export", async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [
        ["generate", "--program", "nope"],
        {},
        /no program "nope" in examples\/policies \(programs: kafe, kitsu/,
      ],
      [["import", "--program", "nope", plainKey], {}, /no program "nope"/],
      [["import", "--program", "kafe", join(files, "missing.asc")], {}, /cannot read .*missing\.asc/],
      [["import", "--program", "kafe", "README.md"], {}, /README\.md: not an armored OpenPGP private key/],
      [
        ["import", "--program", "kafe", publicKey],
        {},
        /this is a public key; the program key must be the private key/,
      ],
      [
        ["import", "--program", "kafe", "--passphrase-env", "WRONG", protectedKey],
        { WRONG: "not it" },
        /the passphrase does not unlock this private key/,
      ],
      [
        ["import", "--program", "kafe", "--passphrase-env", "UNSET_PASSPHRASE_VAR", protectedKey],
        {},
        /the environment variable UNSET_PASSPHRASE_VAR is not set/,
      ],
      [
        ["import", "--program", "kafe", "--passphrase-env", "my secret", protectedKey],
        {},
        /takes the name of an environment variable, not the passphrase/,
      ],
      [["export", "--program", "kafe"], {}, /kafe has no key in the database: embargo keys pgp generate/],
    ];
    const results = await Promise.all(
      cases.map(([args, extra]) => runEmbargo(["keys", "pgp", ...args], { env: { ...env, ...extra } })),
    );
    results.forEach((result, index) => {
      const [args, , message] = cases[index]!;
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr, args.join(" ")).toMatch(message);
      expect(result.stderr, args.join(" ")).not.toMatch(/at .*\.ts:\d+/);
      expect(result.stdout).toBe("");
    });
    noSecrets(...results);

    const imported = await runEmbargo(["keys", "pgp", "import", "--program", "kafe", plainKey], { env });
    expect(imported.code).toBe(0);
    expect(imported.stderr).toBe("");
    const twice = await runEmbargo(["keys", "pgp", "import", "--program", "kitsu", plainKey], { env });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/already stored for the program kafe/);
  }, 120_000);
});
