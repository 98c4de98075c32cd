import { hkdfSync } from "node:crypto";
import type { Logger } from "pino";
import { ensureFirstAdminLink } from "./auth/first-admin.js";
import { programsSso, ssoSetupProblems } from "./auth/sso-rules.js";
import type { Config } from "./config.js";
import { loadMasterKey } from "./crypto/master-key.js";
import { jobRunnerFromConfig } from "./jobs/from-config.js";
import { mailIntakeDeps, startMailIntake } from "./mail/from-config.js";
import { programAddresses } from "./mail/program-addresses.js";
import { deriveMailKey } from "./mail/reply-token.js";
import { warnOfUnencryptableContacts } from "./notify/team-mail-keys.js";
import { loadPolicies } from "./policy/loader.js";
import { formatProblem } from "./policy/problems.js";
import { ProgramRegistry } from "./programs/registry.js";
import { saveSettingsForCommands } from "./save-settings.js";
import type { Services } from "./services.js";
import { loadKeyring } from "./store/data-keys.js";
import { openDatabase, type Store } from "./store/database.js";
import { migrate } from "./store/migrate.js";
import { listProgramKeys } from "./store/program-keys.js";
import { backfillSearchIndex } from "./store/search-index.js";
import { buildApp, type EmbargoApp } from "./web/app.js";
import { createLogger } from "./web/logging.js";
import { reloadServedPolicies } from "./web/routes/policy-reload.js";
import { MAIL_NOT_CONFIGURED } from "./web/staff-chrome.js";

export interface RunningServer {
  app: EmbargoApp;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts Embargo: checks the policies, opens and migrates the database, loads the keys, and
 * serves HTTP. Any problem stops the start with a message that names it.
 */
export async function startServer(config: Config, options: { logger?: Logger; clock?: () => Date } = {}) {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? (() => new Date());
  const { policies, problems } = await loadPolicies(config.policies);
  if (problems.length > 0) {
    throw new Error(
      `the program policies in ${config.policies} have problems:\n${problems.map(formatProblem).join("\n")}`,
    );
  }
  const programs = new ProgramRegistry(policies, config.defaultProgram);
  const sso = ssoSetupProblems(config.oidcProviders, programsSso(policies));
  if (sso.length > 0) {
    throw new Error(
      `single sign-on and the program policies do not agree:\n${sso.map((p) => `  ${p}`).join("\n")}`,
    );
  }
  const store = await openDatabase(config.databaseUrl, {
    onIdleError: (error) =>
      logger.warn({ reason: error.message }, "an idle PostgreSQL connection failed; the pool replaces it"),
  });
  try {
    await migrate(store);
    const masterKey = await loadMasterKey({
      dataDir: config.dataDir,
      ...(config.secretKey ? { secretKey: config.secretKey } : {}),
    });
    const keyring = await loadKeyring(store, masterKey);
    await backfillSearchIndex(store, keyring); // cases indexed before, or under another search key
    const services: Services = {
      config,
      programs,
      store,
      keyring,
      logger,
      clock,
      powKey: derivePowKey(masterKey),
      mailKey: deriveMailKey(masterKey),
    };
    const app = await buildApp(services);
    await app.listen({ host: config.host, port: config.port });
    const jobs = config.worker ? jobRunnerFromConfig(services) : undefined;
    const mail = await startMailIntake(mailIntakeDeps(services), config);
    if (mail.smtpPort !== undefined) {
      process.stdout.write(`Embargo takes mail on ${config.smtpListener.host}:${mail.smtpPort}\n`);
    }
    if (config.smtpUrl === undefined) process.stdout.write(`${MAIL_NOT_CONFIGURED}\n`);
    await warnOfUnsignedMail(store, programs, config, logger);
    await warnOfUnencryptableContacts(programs.all(), logger);
    const address = app.server.address();
    const port = typeof address === "object" && address !== null ? address.port : config.port;
    // For the other embargo commands: where this installation is, so that their links are right.
    await saveSettingsForCommands(config, port, { logger, now: clock() });
    // No user yet: a one-time link to create the first administrator, on stdout (never the log).
    const firstAdminLink = await ensureFirstAdminLink(store, config);
    if (firstAdminLink !== undefined)
      process.stdout.write(
        `No users yet. Create the first administrator (link valid 72 hours): ${firstAdminLink}\n`,
      );
    // SIGHUP reloads the policies (src/programs/reload.ts): a broken one keeps the old set and is
    // logged. A listener also stops SIGHUP's default, which would end the process.
    const reloadOnHangup = () => {
      reloadServedPolicies(services, { trigger: "SIGHUP" }).catch((error: unknown) =>
        logger.error(
          { err: { type: error instanceof Error ? error.name : typeof error } },
          "program policies not reloaded: the reload failed",
        ),
      );
    };
    process.on("SIGHUP", reloadOnHangup);
    return {
      app,
      url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`,
      close: async () => {
        process.off("SIGHUP", reloadOnHangup);
        await mail.stop();
        await jobs?.stop();
        await app.close();
        await store.close();
      },
    } satisfies RunningServer;
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** The proof-of-work HMAC key: the same on every instance that shares the master key. */
export function derivePowKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), "embargo:pow-challenge", 32));
}

/**
 * Mail to reporters is signed with the program's OpenPGP key, and encrypted only when it can be
 * signed: a program that takes mail without a key sends it unsigned and never encrypted. Said at
 * start, so the operator runs `embargo keys pgp generate` before a reporter notices.
 */
async function warnOfUnsignedMail(
  store: Store,
  programs: ProgramRegistry,
  config: Config,
  logger: Logger,
): Promise<void> {
  if (config.smtpUrl === undefined) return;
  const keyed = new Set(
    (await listProgramKeys(store)).filter((key) => key.retiredAt === null).map((key) => key.program),
  );
  for (const program of programs.all()) {
    const slug = program.policy.program.slug;
    if (programAddresses(program.policy).length > 0 && !keyed.has(slug)) {
      logger.warn(
        { program: slug },
        "this program has no OpenPGP key: mail to its reporters goes unsigned and unencrypted (embargo keys pgp generate)",
      );
    }
  }
}
