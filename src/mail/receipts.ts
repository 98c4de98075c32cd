import type { Transaction } from "kysely";
import type { Keyring } from "../crypto/keyring.js";
import { caseRef, utcMinute } from "../notify/notification-text.js";
import type { LoadedPolicy } from "../policy/loader.js";
import { recordThread } from "../store/inbound-mail.js";
import { enqueueNotification } from "../store/outbox.js";
import type { DatabaseSchema } from "../store/schema.js";
import { messageIdFor, replyAddress } from "./addresses.js";
import { type AnswerLimitDeps, mayAnswer, whyNotAnswered } from "./answer-limits.js";
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
      ? [`We received your report to ${policy.program.name}.`, promise]
      : [
          `We now have your OpenPGP key for your report to ${policy.program.name}: this answer and every later one is encrypted to it.`,
        ];
  const text = [
    ...opening,
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
        subject: `[${policy.program.name}] ${receipt.kind === "received" ? "Report received" : "Your key is kept"} (case ${caseRef(receipt.caseId)})`,
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
