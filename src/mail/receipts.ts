import type { Transaction } from "kysely";
import type { Keyring } from "../crypto/keyring.js";
import { utcMinute } from "../notify/notification-text.js";
import type { LoadedPolicy } from "../policy/loader.js";
import { readCaseLabel } from "../store/case-numbers.js";
import { recordThread } from "../store/inbound-mail.js";
import { enqueueNotification } from "../store/outbox.js";
import type { DatabaseSchema } from "../store/schema.js";
import { messageIdFor, replyAddress } from "./addresses.js";
import { type AnswerLimitDeps, mayAnswer, whyNotAnswered } from "./answer-limits.js";
import { keyEmails, PgpKeyError, readPublicKey } from "./pgp-keys.js";
import { programAddresses } from "./program-addresses.js";

/**
 * The program's automatic answers to mail, queued in the outbox in the same transaction as what
 * they answer (so a receipt is sent once the case exists, and only then).
 *
 * The receipt carries the private case link only when that link is as safe as the report was:
 * encrypted to the reporter's key, or to someone who wrote in clear to a program that does not
 * require encryption. Otherwise (an encrypted report from someone whose key we do not have) it
 * says how to get the link safely: sending the link in clear would expose what they encrypted.
 *
 * A report that arrived in clear to a program that requires encrypted reports is kept all the
 * same (refusing it would not unsend it); its receipt says how to encrypt what comes next: the
 * program's key, where to get it, and the policy's own guidance.
 *
 * Receipts for new reports and arrival notices answer whatever MAIL FROM a stranger gave, so
 * they go out only within the answer limits (src/mail/answer-limits.ts), decided by `mayAnswer`
 * before the transaction that queues them. The key-kept answer is not limited: only mail to the
 * case's secret reply address causes it, and only once per case.
 */
interface ReceiptDeps {
  keyring: Keyring;
  publicUrl: string;
  mailDomain: string;
  mailKey: Buffer;
}

export interface Receipt {
  /**
   * received: the answer to a new report. key-kept: the answer to a reply that brought the
   * reporter's key when the first answer had to leave the link out; it carries a new link.
   */
  kind: "received" | "key-kept";
  caseId: string;
  reporterToken: string;
  replyToken: string;
  to: string;
  inReplyTo: string | null;
  senderKey: string | null;
  arrivedEncrypted: boolean;
  acknowledgeBy: Date | null;
  at: Date;
}

function fromAddress(program: LoadedPolicy): string {
  const address = programAddresses(program.policy)[0];
  if (address === undefined) throw new Error(`program ${program.policy.program.slug} has no mail address`);
  return address;
}

export async function enqueueReceipt(
  trx: Transaction<DatabaseSchema>,
  deps: ReceiptDeps,
  program: LoadedPolicy,
  receipt: Receipt,
): Promise<void> {
  const policy = program.policy;
  const from = fromAddress(program);
  const key = receipt.kind === "received" ? `${receipt.caseId}:receipt` : `${receipt.caseId}:key-kept`;
  const messageId = messageIdFor(deps.mailKey, key, deps.mailDomain);
  // Replies to the receipt thread to the case even when the reply address is lost.
  await recordThread(trx, messageId, receipt.caseId, receipt.at);
  // Read in the transaction that wrote the case: its number is taken there.
  const label = await readCaseLabel(trx, receipt.caseId);
  const linkIsSafe =
    receipt.senderKey !== null || (!receipt.arrivedEncrypted && !policy.encryption.allCommunication);
  const promise =
    receipt.acknowledgeBy === null
      ? `${policy.program.name}'s policy promises no response time.`
      : `${policy.program.name} promises to acknowledge it by ${utcMinute(receipt.acknowledgeBy)}.`;
  const link = linkIsSafe
    ? [
        "Your private case page (keep this link to yourself; anyone with it can read and add to your report):",
        `${deps.publicUrl}/r/${receipt.reporterToken}`,
      ]
    : [
        "We have no OpenPGP key for you, so this answer is not encrypted and does not carry the link to",
        "your private case page. Reply with your public key attached and the next answer will be",
        "encrypted and carry the link.",
      ];
  const opening =
    receipt.kind === "received"
      ? [
          `We received your report to ${policy.program.name}.`,
          `Your case number is ${label}: quote it when you write about this report.`,
          promise,
        ]
      : [
          `We now have your OpenPGP key for your report to ${policy.program.name}: this answer and every later one is encrypted to it.`,
        ];
  const howToEncrypt =
    receipt.kind === "received" && !receipt.arrivedEncrypted && policy.encryption.reports === "required"
      ? await encryptionHelp(trx, deps.publicUrl, program, from)
      : [];
  const text = [
    ...opening,
    ...howToEncrypt,
    ...link,
    "Answer this message to add to your report; the answer joins your case.",
  ].join("\n\n");
  await enqueueNotification(trx, deps.keyring, {
    program: policy.program.slug,
    caseId: receipt.caseId,
    at: receipt.at,
    message: {
      recipient: { kind: "reporter", email: receipt.to },
      notification: {
        idempotencyKey: key,
        program: policy.program.slug,
        caseId: receipt.caseId,
        event: "mail.receipt",
        // The reference leads, as in all mail to the reporter. Replies find the case by the reply
        // address and the threading headers below, never by the subject.
        subject: `[${policy.program.name}] ${label}: ${receipt.kind === "received" ? "your report was received" : "your key is kept"}`,
        text,
        url: null,
        createdAt: receipt.at.toISOString(),
      },
      mail: {
        from,
        replyTo: replyAddress(from, receipt.replyToken),
        inReplyTo: receipt.inReplyTo,
        references: receipt.inReplyTo === null ? [] : [receipt.inReplyTo],
        encryptTo: receipt.senderKey,
        autoSubmitted: "auto-replied",
      },
    },
  });
}

/**
 * How to encrypt to the program: the key Embargo can decrypt with (the active key made or
 * imported with `embargo keys pgp`, else the one the policy gives), its fingerprint and where it
 * is published, then the policy's guidance. Read through the transaction: on SQLite a query on
 * the store would wait for it.
 */
async function encryptionHelp(
  trx: Transaction<DatabaseSchema>,
  publicUrl: string,
  program: LoadedPolicy,
  from: string,
): Promise<string[]> {
  const policy = program.policy;
  const stored = await trx
    .selectFrom("program_keys")
    .select(["fingerprint", "public_key"])
    .where("program", "=", policy.program.slug)
    .where("retired_at", "is", null)
    .orderBy("created_at", "desc")
    .orderBy("fingerprint")
    .limit(1)
    .executeTakeFirst();
  const served =
    stored !== undefined
      ? { fingerprint: stored.fingerprint, armored: stored.public_key }
      : program.programKey;
  const lines = [
    `${policy.program.name} requires reports to be encrypted, and yours arrived unencrypted. It is kept all the same: you do not need to send it again, but please encrypt what you send from now on.`,
  ];
  if (served !== undefined) {
    lines.push(
      [
        `Encrypt to ${policy.program.name}'s OpenPGP key:`,
        `  Fingerprint: ${groupedFingerprint(served.fingerprint)}`,
        `  Download: ${publicUrl}/p/${policy.program.slug}/openpgp.asc`,
        ...((await namesAddress(served.armored, from))
          ? [`  Or look it up by address (Web Key Directory): gpg --locate-keys ${from}`]
          : []),
      ].join("\n"),
    );
  } else if (policy.encryption.openpgpKey?.url !== undefined) {
    lines.push(
      `Encrypt to ${policy.program.name}'s OpenPGP key, published at ${policy.encryption.openpgpKey.url}`,
    );
  }
  if (policy.encryption.guidance !== undefined) lines.push(policy.encryption.guidance);
  return lines;
}

/** "ABCD 1234 …": how people compare fingerprints, four digits at a time. */
function groupedFingerprint(fingerprint: string): string {
  return fingerprint.match(/.{1,4}/g)?.join(" ") ?? fingerprint;
}

/** Whether the key carries the address as a user ID, so the Web Key Directory serves it for it. */
async function namesAddress(armored: string, address: string): Promise<boolean> {
  try {
    return (await keyEmails(await readPublicKey(armored))).includes(address.toLowerCase());
  } catch (error) {
    if (error instanceof PgpKeyError) return false;
    throw error;
  }
}

/**
 * For mail going to the queue: whether its arrival notice may go to `to` (null: none is due),
 * and the problem text to keep with the message, which says so when the notice is left out.
 * Call it before the transaction that marks the message and queues the notice.
 */
export async function planArrivalNotice(
  deps: AnswerLimitDeps,
  to: string | null,
  sendingHost: string | null,
  problem: string,
  at: Date,
): Promise<{ to: string | null; problem: string }> {
  if (to === null) return { to, problem };
  const answer = await mayAnswer(deps, to, sendingHost, at);
  return answer.send
    ? { to, problem }
    : { to: null, problem: `${problem}; not answered: ${whyNotAnswered(answer.why)}` };
}

/** "Your message arrived; a person will look at it": for mail that could not be read automatically. */
export async function enqueueArrivalNotice(
  trx: Transaction<DatabaseSchema>,
  deps: ReceiptDeps,
  program: LoadedPolicy,
  inboundId: string,
  to: string,
  at: Date,
): Promise<void> {
  const policy = program.policy;
  await enqueueNotification(trx, deps.keyring, {
    program: policy.program.slug,
    caseId: null,
    at,
    message: {
      recipient: { kind: "reporter", email: to },
      notification: {
        idempotencyKey: `inbound:${inboundId}:arrived`,
        program: policy.program.slug,
        caseId: null,
        event: "mail.arrived",
        subject: `[${policy.program.name}] Your message arrived`,
        text: [
          `Your message to ${policy.program.name} arrived.`,
          "We could not read it automatically, so a person will look at it. You do not need to send it again.",
        ].join("\n\n"),
        url: null,
        createdAt: at.toISOString(),
      },
      mail: {
        from: fromAddress(program),
        replyTo: null,
        inReplyTo: null,
        references: [],
        encryptTo: null,
        autoSubmitted: "auto-replied",
      },
    },
  });
}
