import type { Store } from "../store/database.js";
import { type Take, takeTokens } from "../store/rate-counters.js";
import { HOUR_MS, mailCounterKeys } from "./mail-counters.js";

/**
 * Limits on automatic answers (receipts, arrival notices: src/mail/receipts.ts), against
 * backscatter. Anyone can write any MAIL FROM; without a limit, a stranger could make us send a
 * receipt to any address for every message they send, from as many hosts as they have.
 *
 * - Per recipient address: a few answers an hour to one address, whoever causes them. The key
 *   is the address lower-cased and without its `+tag` (`victim+1@…` and `victim+2@…` reach the
 *   same mailbox).
 * - Per sending host (src/domain/limits/limited-address.ts), when the mail came over our SMTP listener: one
 *   host rotating through victims' addresses stops there.
 *
 * A message past either is still taken in (a report is never lost for this); only the answer is
 * left out, and the case or the queue says why. Counters are rows of `rate_counters`, taken in
 * one locked step: shared by every instance, and concurrent mail cannot get past them.
 *
 * What already keeps answers few and harmless elsewhere: mail refused during the SMTP session
 * is never bounced by us (the sending server tells its sender); answers go only to the envelope
 * sender, never to a From; bounces (null sender), auto-replies and list mail are never answered
 * (RFC 3834); and an answer quotes nothing of the message it answers (no subject, no text), so
 * it carries no payload a spammer could choose.
 */
export interface AnswerLimits {
  /** 0: never answer automatically. */
  perAddressPerHour: number;
  perHostPerHour: number;
}

export const DEFAULT_ANSWER_LIMITS: AnswerLimits = { perAddressPerHour: 3, perHostPerHour: 10 };

/** Why an answer was left out; shown to staff (mail facts on the case, problem text in the queue). */
export type NotAnswered = "address-limit" | "host-limit";

export type AnswerDecision = { send: true } | { send: false; why: NotAnswered };

export interface AnswerLimitDeps {
  store: Store;
  mailKey: Buffer;
  answerLimits?: AnswerLimits;
}

/**
 * Whether an automatic answer to `to` may be sent now, counting it if so. Runs its own
 * transaction: call it before the transaction that queues the answer, never inside one.
 */
export async function mayAnswer(
  deps: AnswerLimitDeps,
  to: string,
  sendingHost: string | null,
  now: Date,
): Promise<AnswerDecision> {
  const limits = deps.answerLimits ?? DEFAULT_ANSWER_LIMITS;
  if (limits.perAddressPerHour <= 0) return { send: false, why: "address-limit" };
  if (sendingHost !== null && limits.perHostPerHour <= 0) return { send: false, why: "host-limit" };
  const keys = mailCounterKeys(deps.mailKey);
  const addressKey = keys.key("mail-answer-to", mailboxOf(to));
  const takes: Take[] = [
    { key: addressKey, rule: { capacity: limits.perAddressPerHour, windowMs: HOUR_MS } },
    ...(sendingHost === null
      ? []
      : [
          {
            key: keys.key("mail-answer-host", sendingHost),
            rule: { capacity: limits.perHostPerHour, windowMs: HOUR_MS },
          },
        ]),
  ];
  const outcome = await takeTokens(deps.store, takes, now);
  if (outcome.ok) return { send: true };
  return { send: false, why: outcome.refused === addressKey ? "address-limit" : "host-limit" };
}

/**
 * Pure: the mailbox an address reaches, as a counter key: lower case, without a `+tag`, a quoted
 * local part unquoted and its backslash escapes undone (`"v\\ictim"@x` and `victim@x` are one
 * mailbox to the receiving server), and without the domain's trailing dot. Otherwise each way of
 * writing one victim's address would be a fresh allowance of answers to it.
 */
export function mailboxOf(address: string): string {
  const bare = address.trim().toLowerCase();
  const at = bare.lastIndexOf("@");
  if (at <= 0) return bare;
  let local = bare.slice(0, at);
  if (local.length >= 2 && local.startsWith('"') && local.endsWith('"')) local = local.slice(1, -1);
  local = local.replaceAll(/\\(.)/g, "$1");
  const plus = local.indexOf("+");
  const domain = bare.slice(at + 1).replace(/(?<!\.)\.+$/, "");
  return `${plus > 0 ? local.slice(0, plus) : local}@${domain}`;
}

/** Why an answer was left out, in words for staff: "not answered: …" in the queue, on the case. */
export function whyNotAnswered(why: NotAnswered): string {
  return why === "address-limit"
    ? "the hourly limit of automatic answers to this address was reached"
    : "the hourly limit of automatic answers caused by the sending host was reached";
}
