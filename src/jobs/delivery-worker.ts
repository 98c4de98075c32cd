import type { Logger } from "pino";
import type { Keyring } from "../crypto/keyring.js";
import { messageIdFor } from "../mail/addresses.js";
import { buildReporterMail, buildTeamMail, CannotEncryptError } from "../mail/outbound.js";
import type { ProgramKeySource } from "../mail/program-key-source.js";
import { nextAttemptAt } from "../notify/backoff.js";
import { type EmailSender, notificationHeaders } from "../notify/email-sender.js";
import type { DeliveryResult, Notification } from "../notify/notification.js";
import { planTeamMail, withoutContent } from "../notify/team-mail.js";
import { sendWebhook } from "../notify/webhook-sender.js";
import type { ProgramRegistry } from "../programs/registry.js";
import { readCaseLabel } from "../store/case-numbers.js";
import type { Store } from "../store/database.js";
import {
  type LeasedNotification,
  leaseDueNotifications,
  markAttemptFailed,
  markSent,
} from "../store/outbox.js";

/**
 * The delivery worker: leases due outbox rows, sends each (email through the relay, webhooks over
 * HTTP), and marks it sent or schedules the next attempt (src/notify/backoff.ts). A row's lease
 * outlasts the send timeouts, so no other worker sends it meanwhile; if this process dies after
 * sending and before marking, the lease runs out and the row is sent again with the same
 * idempotency key (Idempotency-Key header, Message-ID), which receivers use to drop the repeat.
 */
export interface DeliveryDeps {
  store: Store;
  keyring: Keyring;
  programs: ProgramRegistry;
  logger: Logger;
  /** Null when no relay is configured (EMBARGO_SMTP_URL): email then fails visibly on the admin page. */
  email: EmailSender | null;
  /** Where webhook URLs and secrets named in policies are read from. */
  env: Readonly<Record<string, string | undefined>>;
  workerId: string;
  /** Host part for Message-IDs. */
  mailDomain: string;
  /** Keys Message-IDs (src/mail/addresses.ts messageIdFor). */
  mailKey: Buffer;
  /** How long a leased row is this worker's (EMBARGO_DELIVERY_LEASE_SECONDS). */
  leaseMs: number;
  /**
   * The programs' OpenPGP keys, to sign (and so to encrypt) mail to reporters, and to sign team
   * mail encrypted under `encryption.allCommunication`.
   */
  programKeys: ProgramKeySource;
}
const CONCURRENCY = 16;

export async function deliverDue(
  deps: DeliveryDeps,
  now: Date,
  limit = 64,
): Promise<{ sent: number; failed: number }> {
  const leased = await leaseDueNotifications(
    deps.store,
    deps.keyring,
    deps.workerId,
    now,
    limit,
    deps.leaseMs,
  );
  let sent = 0;
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < leased.length) {
      const row = leased[next++]!;
      const result = await deliverOne(deps, row, now).catch(
        (error: unknown): DeliveryResult => ({
          ok: false,
          retryable: true,
          error: `internal error (${error instanceof Error ? error.name : "unknown"})`,
        }),
      );
      if (result.ok) {
        await markSent(deps.store, row.id, deps.workerId, now);
        sent += 1;
      } else {
        const retryAt = result.retryable ? nextAttemptAt(row.attempts, now) : null;
        await markAttemptFailed(deps.store, row.id, deps.workerId, result.error, retryAt);
        deps.logger.warn(
          { outboxId: row.id, attempts: row.attempts, error: result.error, willRetry: retryAt !== null },
          "notification delivery failed",
        );
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, leased.length) }, worker));
  return { sent, failed };
}

async function deliverOne(deps: DeliveryDeps, row: LeasedNotification, now: Date): Promise<DeliveryResult> {
  const { recipient, notification } = row.message;
  if (recipient.kind === "webhook") {
    const webhook = deps.programs
      .get(row.program)
      ?.policy.notifications.webhooks.find((candidate) => candidate.id === recipient.id);
    if (webhook === undefined) {
      return { ok: false, retryable: false, error: `webhook ${recipient.id} is no longer in the policy` };
    }
    const url = webhook.url ?? (webhook.urlFromEnv === undefined ? undefined : deps.env[webhook.urlFromEnv]);
    if (url === undefined || url === "") {
      return { ok: false, retryable: true, error: `environment variable ${webhook.urlFromEnv} is not set` };
    }
    const secret = webhook.secretFromEnv === undefined ? undefined : deps.env[webhook.secretFromEnv];
    if (webhook.secretFromEnv !== undefined && (secret === undefined || secret === "")) {
      return {
        ok: false,
        retryable: true,
        error: `environment variable ${webhook.secretFromEnv} is not set`,
      };
    }
    return sendWebhook({
      url,
      format: webhook.format,
      ...(secret === undefined ? {} : { secret }),
      notification,
      now,
    });
  }
  if (deps.email === null) {
    return { ok: false, retryable: true, error: "no mail relay configured (EMBARGO_SMTP_URL)" };
  }
  const messageId = messageIdFor(deps.mailKey, notification.idempotencyKey, deps.mailDomain);
  if (row.message.mail !== undefined) {
    let raw: Buffer;
    try {
      const key = await deps.programKeys.signingKey(row.program);
      raw = (await buildReporterMail(notification, recipient.email, messageId, row.message.mail, key)).raw;
    } catch (error) {
      if (error instanceof CannotEncryptError) return { ok: false, retryable: false, error: error.message };
      throw error;
    }
    return deps.email.send({ to: [recipient.email], subject: "", text: "", messageId, raw });
  }
  const plan = await planTeamMail(deps.programs.get(row.program), recipient);
  if (plan.send === "encrypted") {
    const raw = await buildTeamMail(notification, {
      from: deps.email.from,
      to: recipient.email,
      messageId,
      text: withLink(notification),
      headers: notificationHeaders(notification.idempotencyKey),
      encryptTo: plan.key,
      programKey: await deps.programKeys.signingKey(row.program),
    });
    return deps.email.send({ to: [recipient.email], subject: "", text: "", messageId, raw });
  }
  // Only this rare mail needs the case's number at sending: every other one was worded when queued.
  const sendable =
    plan.send === "without-content"
      ? withoutContent(
          notification,
          plan.programName,
          notification.caseId === null ? null : await readCaseLabel(deps.store.db, notification.caseId),
        )
      : notification;
  return deps.email.send({
    to: [recipient.email],
    subject: sendable.subject,
    text: withLink(sendable),
    messageId,
    idempotencyKey: sendable.idempotencyKey,
  });
}

function withLink(notification: Notification): string {
  if (notification.url === null || notification.text.includes(notification.url)) return notification.text;
  return `${notification.text}\n\n${notification.url}`;
}
