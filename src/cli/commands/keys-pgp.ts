import { readFile } from "node:fs/promises";
import { Command } from "commander";
import type { Config } from "../../config.js";
import type { ProgramKey } from "../../mail/pgp-keys.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import type { Store } from "../../store/database.js";
import { unknownAddressWarning } from "./public-link.js";
import { type ConfigSource, processConfig } from "./settings.js";
import { withStore } from "./store-io.js";

/** Output streams, settings, environment and clock of `embargo keys pgp`; injected by tests. */
export interface KeysPgpCommandIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  config?: ConfigSource;
  /** Where --passphrase-env looks (default process.env). */
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Loaded by the actions that need them (openpgp, the store, the policy loader): `embargo --help`
// and every other command start without them.
const pgpKeys = () => import("../../mail/pgp-keys.js");
const programKeys = () => import("../../store/program-keys.js");
const programAddressesOf = async (loaded: LoadedPolicy) =>
  (await import("../../mail/program-addresses.js")).programAddresses(loaded.policy);

/**
 * `embargo keys pgp generate|import|export|list`: the programs' own OpenPGP keys. The private key
 * is stored encrypted with the data keys (like report content), never printed; a new key retires
 * the program's previous one, which stays to decrypt older mail. The user IDs of a generated key
 * are the program's name with each of its own addresses (reports channels of kind email or
 * mailing-list; see programAddresses), the addresses Web Key Directory serves it for.
 */
export function keysPgpCommand(io: KeysPgpCommandIo = {}): Command {
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const config = io.config ?? processConfig;
  const env = io.env ?? process.env;
  const now = io.now ?? (() => new Date());

  /** The policy of --program, from EMBARGO_POLICIES. */
  const programOf = async (settings: Config, slug: string): Promise<LoadedPolicy> => {
    const { loadPolicies } = await import("../../policy/loader.js");
    const { policies, problems } = await loadPolicies(settings.policies);
    const found = policies.find((loaded) => loaded.policy.program.slug === slug);
    if (found !== undefined) return found;
    const slugs = policies.map((loaded) => loaded.policy.program.slug).sort();
    const known = slugs.length > 0 ? ` (programs: ${slugs.join(", ")})` : "";
    const broken = problems.length > 0 ? "; some policy files have problems: embargo policy check" : "";
    throw new Error(`no program "${slug}" in ${settings.policies}${known}${broken}`);
  };
  const withMigratedStore = <T>(settings: Config, fn: (store: Store) => Promise<T>) =>
    withStore(
      { databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, secretKey: settings.secretKey },
      async (store) => {
        const { migrate } = await import("../../store/migrate.js");
        await migrate(store);
        return fn(store);
      },
    );
  /**
   * Stores the key as the program's active key and says what was done, never the private key.
   * Returns the addresses of the key's user IDs.
   */
  const store = async (
    settings: Config,
    loaded: LoadedPolicy,
    key: ProgramKey,
    verb: string,
  ): Promise<string[]> => {
    const slug = loaded.policy.program.slug;
    const [
      { loadMasterKey },
      { loadKeyring },
      { listProgramKeys, saveProgramKey },
      { keyEmails, readPrivateKey },
    ] = await Promise.all([
      import("../../crypto/master-key.js"),
      import("../../store/data-keys.js"),
      programKeys(),
      pgpKeys(),
    ]);
    const masterKey = await loadMasterKey(settings);
    const retired = await withMigratedStore(settings, async (db) => {
      const keyring = await loadKeyring(db, masterKey);
      const before = (await listProgramKeys(db, slug)).filter((k) => k.retiredAt === null);
      await saveProgramKey(db, keyring, { program: slug, ...key }, now());
      return before;
    });
    const emails = await keyEmails(await readPrivateKey(key.armoredPrivateKey));
    stdout(`${verb} ${key.fingerprint} for ${slug} (${emails.join(", ")})\n`);
    for (const old of retired) stdout(`retired ${old.fingerprint} (kept to decrypt older mail)\n`);
    stdout(`published at ${settings.publicUrl}/p/${slug}/openpgp.asc and in the Web Key Directory\n`);
    stderr(unknownAddressWarning(settings));
    return emails;
  };

  const pgp = new Command("pgp")
    .description("Manage the programs' OpenPGP keys (reports by email, security.txt, WKD)")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride();

  pgp
    .command("generate")
    .description("Make a new key for a program (Ed25519/Curve25519) and make it the active one")
    .requiredOption("--program <slug>", "a program slug from EMBARGO_POLICIES")
    .option("--name <text>", "the name on the key's user IDs (default: the program's name)")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (flags: { program: string; name?: string }) => {
      const settings = await config();
      const loaded = await programOf(settings, flags.program);
      const emails = await programAddressesOf(loaded);
      if (emails.length === 0) {
        throw new Error(
          `${flags.program} has no address of its own for the key: add an active channel of kind email ` +
            "(or mailing-list) with an address and purposes [reports] to its policy",
        );
      }
      const { generateProgramKey } = await pgpKeys();
      const key = await generateProgramKey({ name: flags.name ?? loaded.policy.program.name, emails });
      await store(settings, loaded, key, "generated");
    });

  pgp
    .command("import")
    .description("Import an armored private key as a program's active key")
    .requiredOption("--program <slug>", "a program slug from EMBARGO_POLICIES")
    .option("--passphrase-env <name>", "the environment variable holding the key's passphrase")
    .argument("<file>", "the armored private key (-----BEGIN PGP PRIVATE KEY BLOCK-----)")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (file: string, flags: { program: string; passphraseEnv?: string }) => {
      const settings = await config();
      const loaded = await programOf(settings, flags.program);
      let passphrase: string | undefined;
      if (flags.passphraseEnv !== undefined) {
        if (!ENV_NAME.test(flags.passphraseEnv)) {
          throw new Error("--passphrase-env takes the name of an environment variable, not the passphrase");
        }
        passphrase = env[flags.passphraseEnv];
        if (passphrase === undefined || passphrase === "") {
          throw new Error(`the environment variable ${flags.passphraseEnv} is not set`);
        }
      }
      let armored: string;
      try {
        armored = await readFile(file, "utf8");
      } catch {
        throw new Error(`cannot read ${file}`);
      }
      const { importProgramKey, PgpKeyError } = await pgpKeys();
      let key: ProgramKey;
      try {
        key = await importProgramKey(armored, passphrase);
      } catch (error) {
        if (!(error instanceof PgpKeyError)) throw error;
        if (error.code === "unreadable" && !/message or signature/.test(error.message)) {
          throw new Error(
            `${file}: not an armored OpenPGP private key (-----BEGIN PGP PRIVATE KEY BLOCK-----)`,
          );
        }
        const hint =
          error.code === "passphrase-protected"
            ? " (put it in an environment variable and name it with --passphrase-env)"
            : "";
        throw new Error(`${file}: ${error.message}${hint}`);
      }
      // Stored without its passphrase: at rest it is protected by the data keys instead.
      const onKey = await store(settings, loaded, key, "imported");
      for (const address of await programAddressesOf(loaded)) {
        if (!onKey.includes(address)) {
          stderr(
            `warning: the key has no user ID for ${address}; mail clients may not accept it for that ` +
              "address, and the Web Key Directory does not serve it there\n",
          );
        }
      }
    });

  pgp
    .command("export")
    .description("Print a program's active public key")
    .requiredOption("--program <slug>", "a program slug from EMBARGO_POLICIES")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async (flags: { program: string }) => {
      const settings = await config();
      await programOf(settings, flags.program);
      const { publishedPublicKey } = await programKeys();
      const armored = await withMigratedStore(settings, (db) => publishedPublicKey(db, flags.program));
      if (armored === undefined) {
        throw new Error(
          `${flags.program} has no key in the database: embargo keys pgp generate --program ${flags.program}`,
        );
      }
      stdout(armored.endsWith("\n") ? armored : `${armored}\n`);
    });

  pgp
    .command("list")
    .description("List the programs' keys: program, fingerprint, created, retired (or active)")
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
    .action(async () => {
      const settings = await config();
      const { listProgramKeys } = await programKeys();
      const keys = await withMigratedStore(settings, (db) => listProgramKeys(db));
      if (keys.length === 0) {
        stdout("no program keys\n");
        return;
      }
      for (const key of keys) {
        const retired = key.retiredAt === null ? "active" : `retired ${key.retiredAt.toISOString()}`;
        stdout(`${key.program}\t${key.fingerprint}\t${key.createdAt.toISOString()}\t${retired}\n`);
      }
    });
  return pgp;
}
