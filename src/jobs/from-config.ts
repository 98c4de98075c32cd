import { storeKeySource } from "../mail/store-key-source.js";
import { createEmailSender } from "../notify/email-sender.js";
import type { Services } from "../services.js";
import { type JobRunner, startJobRunner } from "./runner.js";

/** The job runner as `embargo serve` runs it: mail through EMBARGO_SMTP_URL, secrets from the environment. */
export function jobRunnerFromConfig(
  parts: Pick<Services, "config" | "store" | "keyring" | "programs" | "logger" | "clock" | "mailKey">,

  options: {
    intervalMs?: number;
    autoStart?: boolean;
    env?: Readonly<Record<string, string | undefined>>;
  } = {},
): JobRunner {
  const { config } = parts;
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
