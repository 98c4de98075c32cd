import { readFileSync } from "node:fs";
import type { Config } from "../config.js";
import type { Services } from "../services.js";
import { inboundMailRaw, markInboundMail, markRetryAtStart, unhandledMail } from "../store/inbound-mail.js";
import { startImapPoller } from "./imap-poller.js";
import { handleStoredMail, type MailIntakeDeps } from "./ingest.js";
import { sharedParsePool } from "./parse-pool.js";
import { startSmtpListener } from "./smtp-listener.js";
import { storeKeySource } from "./store-key-source.js";

/** Attachments of mail: as many and as large as the web form allows. */
export function mailIntakeDeps(
  parts: Pick<Services, "config" | "store" | "keyring" | "programs" | "logger" | "clock" | "mailKey">,
): MailIntakeDeps {
  const { config, ...rest } = parts;
  return {
    ...rest,
    programKeys: storeKeySource(parts.store, parts.keyring),
    parsePool: sharedParsePool(config.mailParse, parts.logger),
    publicUrl: config.publicUrl,
    mailDomain: config.mailFrom.split("@")[1] ?? "localhost",
    answerLimits: config.mailAnswers,
    limits: {
      maxAttachments: 20,
      maxAttachmentBytes: config.limits.attachmentBytes,
      maxTotalBytes: config.smtpListener.maxBytes,
    },
  };
}

export interface RunningMail {
  smtpPort: number | undefined;
  stop(): Promise<void>;
}

/**
 * Mail intake as `embargo serve` runs it: first whatever a previous process stored and did not
 * get to handle, then the SMTP listener when EMBARGO_SMTP_PORT is set and IMAP polling when
 * EMBARGO_IMAP_URL is (its first poll right away).
 */
export async function startMailIntake(deps: MailIntakeDeps, config: Config): Promise<RunningMail> {
  await handleUnhandledMail(deps);
  const poller = config.imap === undefined ? undefined : startImapPoller(deps, config.imap);
  void poller?.pollOnce();
  const stopPoller = async () => {
    await poller?.stop();
  };
  if (config.smtpPort === undefined) return { smtpPort: undefined, stop: stopPoller };
  const tls = config.smtpListener.tls;
  const listener = await startSmtpListener(deps, {
    host: config.smtpListener.host,
    port: config.smtpPort,
    hostname: new URL(config.publicUrl).hostname,
    maxBytes: config.smtpListener.maxBytes,
    perHostPerHour: config.smtpListener.perHostPerHour,
    perProgramPerHour: config.rateLimits.perProgramPerHour,
    memoryBytes: config.smtpListener.memoryBytes,
    ...(tls === undefined
      ? {}
      : { tls: { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } }),
  }).catch(async (error: unknown) => {
    await stopPoller();
    throw error;
  });
  return {
    smtpPort: listener.port,
    stop: async () => {
      await Promise.all([listener.close(), stopPoller()]);
    },
  };
}

/**
 * Mail stored by a process that died before it was handled: handled now, as it would have been,
 * read in the parse pool under the same budget as any message (too costly: kept, not retried).
 * A message a start already tried, the process having died again, is not tried a third time: the
 * message may be what kills it, and a server that dies at every start serves no one.
 */
export async function handleUnhandledMail(deps: MailIntakeDeps): Promise<number> {
  // Only what is older than a minute: another instance may be handling a fresh one right now.
  const pending = await unhandledMail(deps.store, new Date(deps.clock().getTime() - 60_000));
  for (const mail of pending) {
    if (mail.retriedAtStart) {
      await markInboundMail(deps.store.db, mail.id, {
        status: "too-costly",
        problem:
          "interrupted-twice: the process stopped twice while handling this message; it is kept, and only a person can try again",
        at: deps.clock(),
      });
      continue;
    }
    const raw = await inboundMailRaw(deps.store, deps.keyring, mail.id);
    if (raw === undefined) continue;
    await markRetryAtStart(deps.store, mail.id);
    await handleStoredMail(deps, mail.id, raw, { via: mail.via, rcptTo: [], storedFor: mail.program });
  }
  return pending.length;
}
