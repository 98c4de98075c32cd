import type * as openpgp from "openpgp";
import type { Notification, ReporterMailOptions } from "../store/outbox-message.js";
import { readPublicKey } from "./pgp-keys.js";
import { buildEncryptedMime, buildInnerMime, buildSignedMime } from "./pgp-mime.js";

/** The mail must be encrypted and cannot be (no program key, or the reporter's key is unusable). */
export class CannotEncryptError extends Error {}

export interface BuiltMail {
  raw: Buffer;
  protection: "encrypted" | "signed" | "plain";
}

/**
 * A program's mail to a reporter (receipts, team replies), as one raw RFC 5322 message:
 * encrypted to the reporter's key and signed with the program's when both exist (PGP/MIME,
 * RFC 3156), signed only when the reporter has no key, plain when the program has no key yet.
 * From the program's address, with the case's reply address as Reply-To, so the answer joins the
 * case whatever the reporter's client does with the subject. Its options are queued with the
 * mail, so their type is the outbox's (src/store/outbox-message.ts).
 */
export async function buildReporterMail(
  notification: Notification,
  to: string,
  messageId: string,
  options: ReporterMailOptions,
  programKey: openpgp.PrivateKey | undefined,
): Promise<BuiltMail> {
  const headers: Record<string, string> = { "X-Embargo-Idempotency-Key": notification.idempotencyKey };
  if (options.replyTo !== null) headers["Reply-To"] = options.replyTo;
  if (options.autoSubmitted !== null) headers["Auto-Submitted"] = options.autoSubmitted;
  const outer = {
    from: options.from,
    to,
    messageId,
    ...(options.inReplyTo === null ? {} : { inReplyTo: options.inReplyTo }),
    ...(options.references.length === 0 ? {} : { references: options.references }),
    headers,
  };
  const text = notification.url === null ? notification.text : `${notification.text}\n\n${notification.url}`;
  if (programKey !== undefined && options.encryptTo !== null) {
    const recipient = await readPublicKey(options.encryptTo).catch(() => undefined);
    if (recipient !== undefined) {
      // The real subject travels inside the encryption; outside, only that there is a message.
      const innerMime = await buildInnerMime({ text, protectedSubject: notification.subject });
      const raw = await buildEncryptedMime({
        ...outer,
        subject: "...",
        innerMime,
        encryptTo: [recipient],
        signWith: programKey,
      });
      return { raw, protection: "encrypted" };
    }
  }
  if (options.mustEncrypt === true) {
    throw new CannotEncryptError(
      programKey === undefined
        ? "the program has no OpenPGP key to sign and encrypt with (embargo keys pgp generate)"
        : "the reporter's OpenPGP key cannot be used to encrypt",
    );
  }
  if (programKey !== undefined) {
    const innerMime = await buildInnerMime({ text });
    const raw = await buildSignedMime({
      ...outer,
      subject: notification.subject,
      innerMime,
      signWith: programKey,
    });
    return { raw, protection: "signed" };
  }
  return { raw: await plainMessage({ ...outer, subject: notification.subject }, text), protection: "plain" };
}

async function plainMessage(
  outer: {
    from: string;
    to: string;
    subject: string;
    messageId: string;
    inReplyTo?: string;
    references?: string[];
    headers: Record<string, string>;
  },
  text: string,
): Promise<Buffer> {
  const { default: MailComposer } = await import("nodemailer/lib/mail-composer/index.js");
  const composer = new MailComposer({
    from: outer.from,
    to: outer.to,
    subject: outer.subject,
    messageId: outer.messageId,
    ...(outer.inReplyTo === undefined ? {} : { inReplyTo: outer.inReplyTo }),
    ...(outer.references === undefined ? {} : { references: outer.references }),
    headers: outer.headers,
    text,
  });
  return composer.compile().build();
}
