import MimeNode from "nodemailer/lib/mime-node";
import type * as openpgp from "openpgp";
import type { Notification, ReporterMailOptions } from "../store/outbox-message.js";
import { assertCanSign, PgpKeyError, readPublicKey } from "./pgp-keys.js";
import { encryptOnly } from "./pgp-message.js";
import { buildEncryptedMime, buildInnerMime, buildSignedMime, type OuterHeaders } from "./pgp-mime.js";
import { toCrlf } from "./raw-mime.js";

/** The mail must be encrypted and cannot be (no program key, or the reporter's key is unusable). */
export class CannotEncryptError extends Error {}

/** The outer subject of encrypted mail: the real one travels inside, as a protected header. */
const HIDDEN_SUBJECT = "...";

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
        subject: HIDDEN_SUBJECT,
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

/**
 * Team mail under `encryption.allCommunication` (src/notify/team-mail.ts): the notification
 * encrypted to the team member's key as PGP/MIME (RFC 3156), its subject inside the encryption
 * and "..." outside. Signed with the program's key when it has one that can sign; encrypted
 * only otherwise, since the promise is that nobody else reads it.
 */
export async function buildTeamMail(
  notification: Notification,
  options: {
    from: string;
    to: string;
    messageId: string;
    /** The notification's text as it is to be read (with its link). */
    text: string;
    headers: Record<string, string>;
    encryptTo: openpgp.PublicKey;
    programKey: openpgp.PrivateKey | undefined;
  },
): Promise<Buffer> {
  const innerMime = await buildInnerMime({ text: options.text, protectedSubject: notification.subject });
  const outer: OuterHeaders = {
    from: options.from,
    to: options.to,
    subject: HIDDEN_SUBJECT,
    messageId: options.messageId,
    headers: options.headers,
  };
  const signWith = options.programKey === undefined ? undefined : await signingKeyOrNone(options.programKey);
  if (signWith !== undefined) {
    return buildEncryptedMime({ ...outer, innerMime, encryptTo: [options.encryptTo], signWith });
  }
  return unsignedEncryptedMime(outer, innerMime, options.encryptTo);
}

/** An expired or revoked program key does not stop the encryption, only the signature. */
async function signingKeyOrNone(key: openpgp.PrivateKey): Promise<openpgp.PrivateKey | undefined> {
  try {
    await assertCanSign(key);
    return key;
  } catch (error) {
    if (error instanceof PgpKeyError) return undefined;
    throw error;
  }
}

/**
 * multipart/encrypted (RFC 3156 §4) without a signature inside: the structure buildEncryptedMime
 * makes, which always signs. The extra headers go first, so none can replace the structure's.
 */
async function unsignedEncryptedMime(
  outer: OuterHeaders,
  innerMime: Buffer,
  encryptTo: openpgp.PublicKey,
): Promise<Buffer> {
  const armored = await encryptOnly({ data: innerMime, encryptTo: [encryptTo] });
  const root = new MimeNode('multipart/encrypted; protocol="application/pgp-encrypted"');
  root.setHeader({
    ...outer.headers,
    From: outer.from,
    To: Array.isArray(outer.to) ? outer.to.join(", ") : outer.to,
    Subject: outer.subject,
    "Message-ID": outer.messageId,
    Date: new Date(),
  });
  const version = root.createChild("application/pgp-encrypted");
  version.setHeader({
    "Content-Description": "PGP/MIME version identification",
    "Content-Transfer-Encoding": "7bit",
  });
  version.setContent("Version: 1\r\n");
  const encrypted = root.createChild('application/octet-stream; name="encrypted.asc"');
  encrypted.setHeader({
    "Content-Description": "OpenPGP encrypted message",
    "Content-Disposition": 'inline; filename="encrypted.asc"',
    "Content-Transfer-Encoding": "7bit",
  });
  encrypted.setContent(armored.replace(/\r?\n/g, "\r\n"));
  return toCrlf(await root.build());
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
