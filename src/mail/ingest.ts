import type { Transaction } from "kysely";
import type { Logger } from "pino";
import { addReporterMessage } from "../commands/reporter-message.js";
import { submitReport } from "../commands/submit-report.js";
import type { Keyring } from "../crypto/keyring.js";
import { defaultAssigneeEmail } from "../domain/incident/register.js";
import { acknowledgeBy } from "../intake/programs.js";
import type { LoadedPolicy } from "../policy/loader.js";
import type { ProgramRegistry } from "../programs/registry.js";
import {
  contactOfCase,
  keepReporterKey,
  openedByEncryptedMail,
  renewReporterToken,
} from "../store/case-contact.js";
import type { NewAttachment } from "../store/cases.js";
import type { Store } from "../store/database.js";
import type { MailFacts } from "../store/events.js";
import { sortableId } from "../store/ids.js";
import {
  caseByMessageIds,
  caseByReplyToken,
  caseOfDeliveredMessage,
  markInboundMail,
  messageIdHash,
  recordReplyAddress,
  recordThread,
  storeInboundMail,
} from "../store/inbound-mail.js";
import type { DatabaseSchema, InboundMailStatus } from "../store/schema.js";
import { type AnswerLimits, mayAnswer } from "./answer-limits.js";
import { fitMailText } from "./body-text.js";
import { type InboundLimits, type InboundMail, InboundMailError } from "./inbound-parse.js";
import { MailUnreadable } from "./open-pgp.js";
import {
  type MailParsePool,
  MailParsePoolClosed,
  MailTooCostly,
  type ReadMail,
  type ReadOpenedMail,
} from "./parse-pool.js";
import { programForAddress } from "./program-addresses.js";
import type { ProgramKeySource } from "./program-key-source.js";
import { enqueueArrivalNotice, enqueueReceipt, planArrivalNotice } from "./receipts.js";
import { replyTokenFor } from "./reply-token.js";
import { fromReporterAddress, isOurMessageId, otherSenderProblem, signedByCaseKey } from "./thread-trust.js";

/**
 * Mail in: one message from the SMTP listener or the IMAP poller becomes a case, a message on a
 * case, or an item in the queue a person looks at. In order:
 *
 * 1. The raw message is stored, encrypted, before anything else: nothing received is lost, even
 *    when what follows fails (the row then says why).
 * 2. Parsed (mailparser); mail that cannot be parsed goes to the queue and its sender is told it
 *    arrived. Auto-replies and bounces are kept and never answered (RFC 3834); mail through a
 *    mailing list is taken in but never answered automatically. Automatic answers go to the
 *    envelope sender (Return-Path), as RFC 3834 §4 says, else to the From. Parsing, and opening
 *    OpenPGP in step 5, run in the parse pool's worker threads under a time and memory budget
 *    (parse-pool.ts): mail over it is kept as `too-costly`, for a person.
 * 3. A Message-ID already taken in is a replay: kept, not taken in twice.
 * 4. The case it belongs to: the per-case reply address it was sent to, else In-Reply-To /
 *    References of mail we sent or received for a case. Never the subject, never the From: a
 *    From is anyone's to write. A reference to the reporter's own message (not one of ours)
 *    counts only for mail from the reporter's address or signed with the case's key; other
 *    mail naming it goes to the queue (thread-trust.ts).
 * 5. OpenPGP: PGP/MIME or inline, decrypted with the program's keys, signatures checked against
 *    the key the sender attached or the one the case knows; the result goes on the case. Mail
 *    encrypted to a key we do not have goes to the queue.
 * 6. A new report opens a case and is answered with the receipt (case link and the promise),
 *    encrypted to the sender's key when they gave one, within the limits on automatic answers
 *    (answer-limits.ts); a reply joins its case. A reply to the case's reply address that
 *    brings a key, on a case that had none, gives the case that key; when the receipt had to
 *    leave the link out, a new link goes to the reporter, encrypted.
 */
export interface MailIntakeDeps {
  store: Store;
  keyring: Keyring;
  programs: ProgramRegistry;
  programKeys: ProgramKeySource;
  clock: () => Date;
  logger: Logger;
  publicUrl: string;
  /** Derives reply tokens (src/mail/reply-token.ts). */
  mailKey: Buffer;
  /** The host part of the Message-IDs of mail we send (the delivery worker uses the same). */
  mailDomain: string;
  limits: InboundLimits;
  /** Where the message itself is read: worker threads under a time and memory budget. */
  parsePool: MailParsePool;
  /** Limits on receipts and arrival notices, against backscatter (default: answer-limits.ts). */
  answerLimits?: AnswerLimits;
}

export interface Envelope {
  via: "smtp" | "imap";
  /** MAIL FROM; null for the null sender `<>` (bounces); absent when unknown (handled again from storage). */
  mailFrom?: string | null;
  rcptTo: readonly string[];
  /**
   * The program the message was stored for, when the envelope is gone (a message handled again
   * after a crash or from the queue): it routes mail whose headers do not name the program (Bcc).
   */
  storedFor?: string | null;
  /** The sending host (src/domain/limits/limited-address.ts), for mail from our SMTP listener: answers are limited per host too. */
  sendingHost?: string;
}

export interface IntakeOutcome {
  id: string;
  status: InboundMailStatus;
  caseId: string | null;
  problem: string | null;
}

/** What routing and answering read of a message: all but its text and attachments. */
type MailHeaders = Omit<InboundMail, "text" | "attachments">;

const TITLE_MAX = 200;
const ENCRYPTED: ReadonlySet<ReadMail["pgp"]> = new Set(["pgp-mime-encrypted", "inline-encrypted"]);

/**
 * Takes one message in. Never throws for anything about the message itself. Throws
 * MailIntakeBusy, before storing anything, when as many messages as the parse pool takes are
 * already being taken in: the sender keeps it and tries again (SMTP 451; IMAP leaves it unmarked).
 * `raw` moves to the parse pool's threads (parse-pool.ts), a copy saved: do not read it afterwards.
 */
export async function receiveMail(
  deps: MailIntakeDeps,
  raw: Buffer,
  envelope: Envelope,
): Promise<IntakeOutcome> {
  const release = deps.parsePool.admit();
  try {
    const at = deps.clock();
    const id = sortableId(at);
    const target = envelope.rcptTo.map((address) => programForAddress(deps.programs, address)).find(Boolean);
    await storeInboundMail(deps.store, deps.keyring, {
      id,
      via: envelope.via,
      program: target?.program.policy.program.slug ?? null,
      raw,
      at,
    });
    return await handleStoredMail(deps, id, raw, envelope);
  } finally {
    release();
  }
}

/**
 * Handles a stored message (again, after a crash: see src/store/inbound-mail.ts `unhandledMail`).
 * Like receiveMail, it takes `raw` over.
 */
export async function handleStoredMail(
  deps: MailIntakeDeps,
  id: string,
  raw: Buffer,
  envelope: Envelope,
): Promise<IntakeOutcome> {
  const at = deps.clock();
  try {
    return await handle(deps, id, raw, envelope, at);
  } catch (error) {
    // The process is stopping: the message stays `received` and is handled at the next start.
    if (error instanceof MailParsePoolClosed) return { id, status: "received", caseId: null, problem: null };
    // A bug or an outage, not the message: it stays stored and visible in the queue.
    const problem = `internal-error: ${error instanceof Error ? error.name : "error"}; the message is kept`;
    deps.logger.error(
      { inboundMailId: id, err: error instanceof Error ? error.name : "unknown" }, // messages may quote data
      "mail intake failed",
    );
    await markInboundMail(deps.store.db, id, { status: "needs-attention", problem, at });
    return { id, status: "needs-attention", caseId: null, problem };
  }
}

async function handle(
  deps: MailIntakeDeps,
  id: string,
  raw: Buffer,
  envelope: Envelope,
  at: Date,
): Promise<IntakeOutcome> {
  const done = async (
    status: InboundMailStatus,
    fields: { caseId?: string | null; problem?: string; hash?: string | null } = {},
  ) => {
    // A hot single write (a flood of auto-replies or duplicates ends here): on SQLite it shares a
    // commit with the other messages' writes rather than an fsync of its own.
    await deps.store.durableWrite((trx) =>
      markInboundMail(trx, id, {
        status,
        caseId: fields.caseId ?? null,
        messageIdHash: fields.hash ?? null,
        problem: fields.problem ?? null,
        at,
      }),
    );
    return { id, status, caseId: fields.caseId ?? null, problem: fields.problem ?? null };
  };
  // Over its reading budget: kept for a person, never handled again by itself (unhandledMail takes
  // only `received`). No arrival notice: its headers were never read, so it cannot be told from
  // a bounce, an auto-reply or list mail (RFC 3834), and answering the MAIL FROM of costly mail
  // would let anyone make us mail any address (backscatter) at the price of one message.
  const tooCostly = (error: MailTooCostly, fields: { caseId?: string | null; hash?: string | null } = {}) => {
    deps.logger.warn({ inboundMailId: id, problem: error.code }, "mail over its reading budget; kept");
    return done("too-costly", {
      ...fields,
      problem: `${error.code}: ${error.message}; the message is kept, and only a person can try again`,
    });
  };

  let read: ReadMail;
  try {
    read = await deps.parsePool.readMail(
      raw,
      deps.limits,
      envelope.mailFrom === undefined ? undefined : { mailFrom: envelope.mailFrom ?? "" },
    );
  } catch (error) {
    if (error instanceof MailTooCostly) return tooCostly(error);
    if (!(error instanceof InboundMailError)) throw error;
    const target = routeTarget(deps, envelope, []);
    const sender = target !== undefined && typeof envelope.mailFrom === "string" && envelope.mailFrom !== "";
    const { to, problem } = await planArrivalNotice(
      deps,
      sender ? (envelope.mailFrom ?? null) : null,
      envelope.sendingHost ?? null,
      `${error.code}: ${error.message}`,
      at,
    );
    await deps.store.durableWrite(async (trx) => {
      await markInboundMail(trx, id, { status: "needs-attention", problem, at });
      if (target !== undefined && to !== null)
        await enqueueArrivalNotice(trx, deps, target.program, id, to, at);
    });
    return { id, status: "needs-attention", caseId: null, problem };
  }
  // What routing needs; its text and attachments move on to the thread that opens the OpenPGP.
  const mail = read.mail;

  const target = routeTarget(deps, envelope, mail.to);
  if (target === undefined)
    return done("needs-attention", { problem: "not-for-a-program: no program takes mail at this address" });
  const hash = mail.messageId === null ? null : messageIdHash(mail.messageId);
  if (
    mail.viaList === null &&
    mail.from !== null &&
    programForAddress(deps.programs, mail.from.address) !== undefined
  ) {
    // Mail "from" a program's own address is a loop (our answer forwarded back) or forged: kept,
    // never taken in as the reporter's, never answered. (A list may rewrite From to its own
    // address for DMARC's sake, so list mail is let through; our own carries our header anyway.)
    return done("auto-reply", {
      hash,
      problem: "sent from one of our own addresses (a mail loop?); not answered",
    });
  }
  if (mail.autoReply.automatic) {
    return done("auto-reply", {
      hash,
      problem: `automatic message (${mail.autoReply.reason ?? "auto-reply"}); not answered`,
    });
  }
  if (hash !== null) {
    const earlier = await caseOfDeliveredMessage(deps.store, hash);
    if (earlier !== undefined)
      return done("duplicate", { caseId: earlier, hash, problem: "this Message-ID was already taken in" });
  }

  const slug = target.program.policy.program.slug;
  const found = await findCase(deps, target.replyToken, mail, envelope, slug);
  const caseId = found?.caseId;
  const knownKey = caseId === undefined ? null : await contactKeyOf(deps, caseId);
  // The worker gets key material as data: only for encrypted mail, the program's keys, armored.
  const decryptionKeys = ENCRYPTED.has(read.pgp)
    ? (await deps.programKeys.decryptionKeys(slug)).map((key) => key.armor())
    : [];
  let opened: ReadOpenedMail;
  try {
    opened = await deps.parsePool.openMail(read.raw, {
      mail,
      decryptionKeys,
      knownSenderKey: knownKey,
      limits: deps.limits,
    });
  } catch (error) {
    if (error instanceof MailTooCostly) return tooCostly(error, { caseId: caseId ?? null, hash });
    if (!(error instanceof MailUnreadable)) throw error;
    const { to, problem } = await planArrivalNotice(
      deps,
      answerAddress(envelope, mail),
      envelope.sendingHost ?? null,
      `${error.code}: ${error.message}`,
      at,
    );
    await deps.store.durableWrite(async (trx) => {
      await markInboundMail(trx, id, {
        status: "needs-attention",
        caseId: caseId ?? null,
        messageIdHash: hash,
        problem,
        at,
      });
      if (to !== null) await enqueueArrivalNotice(trx, deps, target.program, id, to, at);
    });
    return { id, status: "needs-attention", caseId: caseId ?? null, problem };
  }

  // The text as the web form would take it; a longer one whole as message.txt besides (body-text.ts).
  const body = fitMailText(opened.text);
  const attachments: NewAttachment[] = opened.attachments.map((file) => ({
    filename: file.filename,
    contentType: file.contentType,
    data: file.content,
  }));
  if (body.attachment !== null) attachments.push(body.attachment);
  // A key first heard of in a reply to the case's secret reply address becomes the case's key.
  const keyToKeep = found?.by === "reply-address" && knownKey === null ? opened.senderKey : null;
  const facts: MailFacts = {
    ...opened.facts,
    ...(keyToKeep === null ? {} : { keyKept: true }),
  };
  // Someone else answering the reporter's mail (or guessing its Message-ID): for a person to judge.
  if (found?.by === "thread-other-sender" && !signedByCaseKey(opened.facts))
    return done("needs-attention", { caseId: found.caseId, hash, problem: otherSenderProblem(found.caseId) });

  if (caseId !== undefined) {
    await addReporterMessage(deps, caseId, body.text, attachments, at, {
      mail: facts,
      also: async (trx) => {
        if (mail.messageId !== null) await recordThread(trx, mail.messageId, caseId, at);
        await markInboundMail(trx, id, { status: "case-reply", caseId, messageIdHash: hash, at });
        if (keyToKeep !== null) {
          await keepReporterKey(trx, deps.keyring, caseId, keyToKeep);
          const to = answerAddress(envelope, mail);
          if (to !== null && (await linkWasWithheld(trx, deps, target.program, caseId))) {
            await enqueueReceipt(trx, deps, target.program, {
              kind: "key-kept",
              caseId,
              reporterToken: await renewReporterToken(trx, caseId),
              replyToken: replyTokenFor(deps.mailKey, caseId),
              to,
              inReplyTo: mail.messageId,
              senderKey: keyToKeep,
              arrivedEncrypted: facts.encrypted,
              acknowledgeBy: null,
              at,
            });
          }
        }
      },
    });
    return { id, status: "case-reply", caseId, problem: null };
  }

  const sender = mail.from?.address ?? envelope.mailFrom ?? null;
  const answerTo = answerAddress(envelope, mail);
  const answer = answerTo === null ? null : await mayAnswer(deps, answerTo, envelope.sendingHost ?? null, at);
  const due = acknowledgeBy(target.program, at);
  const { caseId: newCase } = await submitReport(
    deps,
    {
      program: slug,
      source: "email",
      assetId: null,
      title: titleOf(opened.subject ?? mail.subject),
      fields: { [bodyFieldOf(target.program)]: body.text },
      credit: { mode: "anonymous" },
      contact: {
        ...(sender === null ? {} : { email: sender }),
        ...(opened.senderKey === null ? {} : { openpgpKey: opened.senderKey }),
      },
      attachments,
      receivedAt: at,
      acknowledgeBy: due,
      mail: answer?.send === false ? { ...facts, notAnswered: answer.why } : facts,
      defaultAssignee: defaultAssigneeEmail(target.program.policy),
    },
    async (trx, newCaseId, reporterToken) => {
      const replyToken = replyTokenFor(deps.mailKey, newCaseId);
      await recordReplyAddress(trx, replyToken, newCaseId, at);
      if (mail.messageId !== null) await recordThread(trx, mail.messageId, newCaseId, at);
      await markInboundMail(trx, id, { status: "case-opened", caseId: newCaseId, messageIdHash: hash, at });
      if (answerTo !== null && answer?.send === true) {
        await enqueueReceipt(trx, deps, target.program, {
          kind: "received",
          caseId: newCaseId,
          reporterToken,
          replyToken,
          to: answerTo,
          inReplyTo: mail.messageId,
          senderKey: opened.senderKey,
          arrivedEncrypted: facts.encrypted,
          acknowledgeBy: due,
          at,
        });
      }
    },
  );
  return { id, status: "case-opened", caseId: newCase, problem: null };
}

function routeTarget(deps: MailIntakeDeps, envelope: Envelope, headerTo: readonly string[]) {
  // The envelope decides; the To/Cc headers stand in when there is none (a message handled again),
  // and then the program it was stored for.
  for (const address of [...envelope.rcptTo, ...headerTo]) {
    const found = programForAddress(deps.programs, address);
    if (found !== undefined) return found;
  }
  const stored = envelope.storedFor == null ? undefined : deps.programs.get(envelope.storedFor);
  return stored === undefined ? undefined : { program: stored, replyToken: null };
}

async function findCase(
  deps: MailIntakeDeps,
  replyToken: string | null,
  mail: MailHeaders,
  envelope: Envelope,
  program: string,
): Promise<{ caseId: string; by: "reply-address" | "thread" | "thread-other-sender" } | undefined> {
  const tokens = [
    replyToken,
    ...mail.to.map((address) => programForAddress(deps.programs, address)?.replyToken ?? null),
  ];
  for (const token of tokens) {
    if (token === null) continue;
    const found = await caseByReplyToken(deps.store, token);
    if (found !== undefined && (await programOfCase(deps.store, found)) === program)
      return { caseId: found, by: "reply-address" };
  }
  // Our Message-IDs first (unguessable, as good as the reply address), then the reporter's own,
  // which join only mail from the reporter's address (src/mail/thread-trust.ts).
  const ids = [...(mail.inReplyTo === null ? [] : [mail.inReplyTo]), ...[...mail.references].reverse()];
  const ours = await caseByMessageIds(
    deps.store,
    ids.filter((id) => isOurMessageId(id, deps.mailDomain)),
  );
  if (ours !== undefined && (await programOfCase(deps.store, ours)) === program)
    return { caseId: ours, by: "thread" };
  const theirs = await caseByMessageIds(
    deps.store,
    ids.filter((id) => !isOurMessageId(id, deps.mailDomain)),
  );
  if (theirs === undefined || (await programOfCase(deps.store, theirs)) !== program) return undefined;
  const reporter = (await contactOfCase(deps.store, deps.keyring, theirs))?.email;
  const same = fromReporterAddress(reporter, mail.from?.address ?? null, envelope.mailFrom);
  return { caseId: theirs, by: same ? "thread" : "thread-other-sender" };
}

/**
 * Where automatic answers go (RFC 3834 §4): the envelope sender (MAIL FROM, or the Return-Path
 * the delivering server recorded), else the From. Null for a bounce's null sender, and for mail
 * through a list, whose answer could reach everyone on it.
 */
function answerAddress(envelope: Envelope, mail: MailHeaders): string | null {
  if (mail.viaList !== null || envelope.mailFrom === null) return null;
  return envelope.mailFrom ?? mail.from?.address ?? null;
}

/** Whether the case's receipt left the private link out (see receipts.ts): there was no key. */
async function linkWasWithheld(
  trx: Transaction<DatabaseSchema>,
  deps: MailIntakeDeps,
  program: LoadedPolicy,
  caseId: string,
): Promise<boolean> {
  const kase = await trx.selectFrom("cases").select("source").where("id", "=", caseId).executeTakeFirst();
  if (kase?.source !== "email") return false; // a web reporter has their link from the form
  return (
    program.policy.encryption.allCommunication || (await openedByEncryptedMail(trx, deps.keyring, caseId))
  );
}

async function programOfCase(store: Store, caseId: string): Promise<string | undefined> {
  const row = await store.db
    .selectFrom("cases")
    .select("program")
    .where("id", "=", caseId)
    .executeTakeFirst();
  return row?.program;
}

async function contactKeyOf(deps: MailIntakeDeps, caseId: string): Promise<string | null> {
  return (await contactOfCase(deps.store, deps.keyring, caseId))?.openpgpKey ?? null;
}

function titleOf(subject: string): string {
  const title = subject.replace(/\s+/g, " ").trim();
  if (title === "" || title === "...") return "(report by email, no subject)";
  return title.length > TITLE_MAX ? `${title.slice(0, TITLE_MAX - 1)}…` : title;
}

/** Where the mail's text goes in the program's report template: its first long-text field. */
function bodyFieldOf(program: LoadedPolicy): string {
  const fields = program.policy.reportTemplate.fields;
  return (
    fields.find((field) => field.kind === "long-text")?.id ??
    fields.find((field) => field.kind === "text")?.id ??
    "message"
  );
}
