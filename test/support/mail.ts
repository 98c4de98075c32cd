import { simpleParser } from "mailparser";
import nodemailer from "nodemailer";
import type * as openpgp from "openpgp";
import { mailIntakeDeps } from "../../src/mail/from-config.js";
import type { MailIntakeDeps } from "../../src/mail/ingest.js";
import { generateProgramKey, readPrivateKey, readPublicKey } from "../../src/mail/pgp-keys.js";
import { decryptAndVerify, type SignatureCheck } from "../../src/mail/pgp-message.js";
import { buildEncryptedMime, buildInnerMime, detectPgp } from "../../src/mail/pgp-mime.js";
import { type SmtpListener, startSmtpListener } from "../../src/mail/smtp-listener.js";
import { saveProgramKey } from "../../src/store/program-keys.js";
import type { CaughtMail } from "./smtp-sink.js";
import type { TestApp } from "./web.js";

/** Mail helpers for the tests: Embargo's listener on a free port, a researcher with a key. */
export interface MailListener {
  port: number;
  deps: MailIntakeDeps;
  /** Sends a raw message over real SMTP (nodemailer), as a mail server would. */
  send(raw: Buffer, envelope: { from: string; to: string[] }): Promise<string>;
  close(): Promise<void>;
}

export async function startMailListener(
  t: TestApp,
  options: { maxBytes?: number; perSenderPerHour?: number; perProgramPerHour?: number } = {},
): Promise<MailListener> {
  const deps = mailIntakeDeps({
    config: {
      ...t.config,
      smtpListener: {
        ...t.config.smtpListener,
        maxBytes: options.maxBytes ?? t.config.smtpListener.maxBytes,
      },
    },
    store: t.store,
    keyring: t.keyring,
    programs: t.programs,
    logger: t.logger,
    clock: t.clock.now,
    mailKey: t.mailKey,
  });
  const listener: SmtpListener = await startSmtpListener(deps, {
    host: "127.0.0.1",
    port: 0,
    hostname: "security.example.org",
    maxBytes: options.maxBytes ?? 5 * 1024 * 1024,
    perHostPerHour: options.perSenderPerHour ?? 1000,
    perProgramPerHour: options.perProgramPerHour ?? 10_000,
  });
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: listener.port,
    secure: false,
    ignoreTLS: true,
    // One connection per message, so a refused message does not poison the next.
    pool: false,
  });
  return {
    port: listener.port,
    deps,
    async send(raw, envelope) {
      const info = await transport.sendMail({ envelope, raw });
      return info.response;
    },
    async close() {
      transport.close();
      await listener.close();
    },
  };
}

export interface Party {
  address: string;
  privateKey: openpgp.PrivateKey;
  publicKey: openpgp.PublicKey;
  armoredPublicKey: string;
}

export async function newParty(address: string, name = "Ada"): Promise<Party> {
  const key = await generateProgramKey({ name, emails: [address] });
  return {
    address,
    privateKey: await readPrivateKey(key.armoredPrivateKey),
    publicKey: await readPublicKey(key.armoredPublicKey),
    armoredPublicKey: key.armoredPublicKey,
  };
}

/** Gives a program an OpenPGP key in the database (as `embargo keys pgp generate` would). */
export async function giveProgramKey(t: TestApp, program: string, address: string): Promise<Party> {
  const key = await generateProgramKey({ name: program, emails: [address] });
  await saveProgramKey(
    t.store,
    t.keyring,
    {
      program,
      armoredPrivateKey: key.armoredPrivateKey,
      armoredPublicKey: key.armoredPublicKey,
      fingerprint: key.fingerprint,
    },
    t.clock.now(),
  );
  return {
    address,
    privateKey: await readPrivateKey(key.armoredPrivateKey),
    publicKey: await readPublicKey(key.armoredPublicKey),
    armoredPublicKey: key.armoredPublicKey,
  };
}

/** A party's public key as a mail attachment, the way mail programs attach one. */
export function keyFile(party: Party): { filename: string; contentType: string; content: Buffer } {
  return {
    filename: `${party.address.split("@")[0]}.asc`,
    contentType: "application/pgp-keys",
    content: Buffer.from(party.armoredPublicKey),
  };
}

/** A PGP/MIME message from `from` to `to`, signed by `from` and encrypted to `to`. */
export async function encryptedMail(options: {
  from: Party;
  to: { address: string; publicKey: openpgp.PublicKey };
  subject: string;
  text: string;
  messageId: string;
  inReplyTo?: string;
  attachKey?: boolean;
}): Promise<Buffer> {
  const innerMime = await buildInnerMime({
    text: options.text,
    protectedSubject: options.subject,
    attachments: options.attachKey ? [keyFile(options.from)] : [],
  });
  return buildEncryptedMime({
    from: options.from.address,
    to: options.to.address,
    subject: "...",
    messageId: options.messageId,
    ...(options.inReplyTo === undefined
      ? {}
      : { inReplyTo: options.inReplyTo, references: [options.inReplyTo] }),
    innerMime,
    encryptTo: [options.to.publicKey],
    signWith: options.from.privateKey,
  });
}

/** Opens a PGP/MIME mail the sink caught, as the reporter's mail program would. */
export async function openMail(
  mail: CaughtMail,
  reader: Party,
  signerKey: openpgp.PublicKey,
): Promise<{ subject: string; text: string; signature: SignatureCheck }> {
  const detected = detectPgp(mail.raw);
  if (detected.kind !== "pgp-mime-encrypted") throw new Error(`not an encrypted mail: ${detected.kind}`);
  const opened = await decryptAndVerify({
    armored: detected.armored,
    maxBytes: 10_000_000,
    decryptWith: [reader.privateKey],
    verifyWith: [signerKey],
  });
  const inner = await simpleParser(Buffer.from(opened.data));
  return { subject: inner.subject ?? "", text: inner.text ?? "", signature: opened.signature };
}
