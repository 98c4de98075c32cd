import type { Transaction } from "kysely";
import type { LoadedPolicy } from "../policy/loader.js";
import { recordReplyAddress } from "../store/inbound-mail.js";
import type { ReporterMailOptions } from "../store/outbox-message.js";
import type { DatabaseSchema } from "../store/schema.js";
import { messageIdFor, replyAddress } from "./addresses.js";
import { programAddresses } from "./program-addresses.js";
import { replyTokenFor } from "./reply-token.js";

/**
 * How the team's news reaches a reporter by mail: from the program's own address, with the case's
 * reply address (so their answer joins the case), threaded under the receipt, and encrypted to
 * their key when we have it and the program has a key to sign with. Whether the words of a reply
 * may go in the mail follows from that (see notification-content.ts).
 */
export interface ReporterChannel {
  mayRead: boolean;
  answerByMail: boolean;
  mail: ReporterMailOptions;
}

export async function reporterChannel(
  trx: Transaction<DatabaseSchema>,
  deps: { mailKey: Buffer; mailDomain: string; canSign: (program: string) => boolean },
  program: LoadedPolicy,
  kase: { id: string; source: string },
  reporterKey: string | null,
  at: Date,
): Promise<ReporterChannel | undefined> {
  const policy = program.policy;
  const from = programAddresses(policy)[0];
  if (from === undefined) return undefined;
  const token = replyTokenFor(deps.mailKey, kase.id);
  await recordReplyAddress(trx, token, kase.id, at);
  const canEncrypt = reporterKey !== null && deps.canSign(policy.program.slug);
  const byMail = kase.source === "email";
  const receipt = byMail ? messageIdFor(deps.mailKey, `${kase.id}:receipt`, deps.mailDomain) : null;
  return {
    mayRead: canEncrypt || (byMail && !policy.encryption.allCommunication),
    answerByMail: true,
    mail: {
      from,
      replyTo: replyAddress(from, token),
      inReplyTo: receipt,
      references: receipt === null ? [] : [receipt],
      encryptTo: canEncrypt ? reporterKey : null,
      autoSubmitted: null,
      mustEncrypt: canEncrypt,
    },
  };
}
