import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Keyring } from "../crypto/keyring.js";
import type { ProgramRegistry } from "../intake/programs.js";
import { storeKeySource } from "../mail/store-key-source.js";
import { createEmailSender } from "../notify/email-sender.js";
import type { Store } from "../store/database.js";
import { type JobRunner, startJobRunner } from "./runner.js";

/** The job runner as `embargo serve` runs it: mail through EMBARGO_SMTP_URL, secrets from the environment. */
export function jobRunnerFromConfig(
  config: Config,
  parts: {
    store: Store;
    keyring: Keyring;
    programs: ProgramRegistry;
    logger: Logger;
    clock: () => Date;
    /** src/mail/reply-token.ts `deriveMailKey(masterKey)`. */
    mailKey: Buffer;
  },
  options: {
    intervalMs?: number;
    autoStart?: boolean;
    env?: Readonly<Record<string, string | undefined>>;
  } = {},
): JobRunner {
  const email = config.smtpUrl === undefined ? null : createEmailSender(config.smtpUrl, config.mailFrom);
  const runner = startJobRunner(
    {
      ...parts,
      publicUrl: config.publicUrl,
      email,
      env: options.env ?? process.env,
      mailDomain: config.mailFrom.split("@")[1] ?? "localhost",
      leaseMs: config.deliveryLeaseMs,
      programKeys: storeKeySource(parts.store, parts.keyring),
    },
    options,
  );
  return {
    drain: runner.drain,
    async stop() {
      await runner.stop();
      email?.close();
    },
  };
}
