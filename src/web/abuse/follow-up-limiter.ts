import { limitedAddress } from "../../domain/limits/limited-address.js";
import type { Store } from "../../store/database.js";
import { type CounterKeys, type Take, takeTokens } from "../../store/rate-counters.js";
import { minutesText } from "./intake-limiter.js";

/**
 * Limits the messages a reporter posts on their case page (/r/{token}/messages), each stored
 * encrypted with its attachments and shown to the team. Anyone holding a case link can post,
 * so without a limit one link could fill the database and the team's inbox (30 messages of
 * 3 MB in 3 s were measured). Three buckets, refilled evenly over the hour, taken all or
 * nothing in one locked step (src/store/rate-counters.ts) before the message is stored:
 *
 * - `followup-case`: messages per case link (a person writes a few; a script writes many);
 * - `followup-case-bytes`: bytes per case link (text and attachments), so a few messages cannot
 *   carry gigabytes. Never below the largest message the form accepts, or such a message could
 *   never be sent;
 * - `followup-address`: messages per address across cases, so one sender holding many case
 *   links (from many reports of its own) gets no more than one allowance.
 */
export interface FollowUpLimits {
  perCasePerHour: number;
  bytesPerCasePerHour: number;
  perAddressPerHour: number;
}

export interface FollowUp {
  caseId: string;
  /** The client's IP address (request.ip). */
  ip: string;
  /** The message's text and attachments, in bytes. */
  bytes: number;
}

export type FollowUpOutcome =
  | { ok: true }
  | { ok: false; limit: "case" | "case-bytes" | "address"; retryAfterSeconds: number };

const HOUR_MS = 60 * 60 * 1000;

/** Pure: the tokens one follow-up takes, by which limit each belongs to. */
export function followUpTakes(
  limits: FollowUpLimits,
  largestMessageBytes: number,
  keys: CounterKeys,
  message: FollowUp,
): Map<string, { limit: "case" | "case-bytes" | "address"; take: Take }> {
  const byKey = new Map<string, { limit: "case" | "case-bytes" | "address"; take: Take }>();
  const add = (limit: "case" | "case-bytes" | "address", take: Take) => byKey.set(take.key, { limit, take });
  add("case", {
    key: keys.key("followup-case", message.caseId),
    rule: { capacity: limits.perCasePerHour, windowMs: HOUR_MS },
  });
  if (message.bytes > 0) {
    const capacity = Math.max(limits.bytesPerCasePerHour, largestMessageBytes);
    add("case-bytes", {
      key: keys.key("followup-case-bytes", message.caseId),
      rule: { capacity, windowMs: HOUR_MS },
      amount: Math.min(message.bytes, capacity),
    });
  }
  add("address", {
    key: keys.key("followup-address", limitedAddress(message.ip)),
    rule: { capacity: limits.perAddressPerHour, windowMs: HOUR_MS },
  });
  return byKey;
}

export class FollowUpLimiter {
  constructor(
    private readonly store: Store,
    private readonly keys: CounterKeys,
    private readonly limits: FollowUpLimits,
    /** The largest message the form can carry (text and attachments), in bytes. */
    private readonly largestMessageBytes: number,
    private readonly now: () => Date,
  ) {}

  /** Takes one message's tokens, or none; call it before storing the message. */
  async take(message: FollowUp): Promise<FollowUpOutcome> {
    const byKey = followUpTakes(this.limits, this.largestMessageBytes, this.keys, message);
    const outcome = await takeTokens(
      this.store,
      [...byKey.values()].map((entry) => entry.take),
      this.now(),
    );
    if (outcome.ok) return outcome;
    return {
      ok: false,
      limit: byKey.get(outcome.refused)?.limit ?? "case",
      retryAfterSeconds: outcome.retryAfterSeconds,
    };
  }
}

/** The message shown when a follow-up is refused: which limit, and how long to wait. */
export function followUpRefusalText(refusal: Extract<FollowUpOutcome, { ok: false }>): string {
  const wait = minutesText(refusal.retryAfterSeconds);
  switch (refusal.limit) {
    case "case":
      return `You have sent many messages on this case in the last hour. Please send this one in ${wait}; what you typed is kept below.`;
    case "case-bytes":
      return `You have sent a lot of data on this case in the last hour. Please send this in ${wait}, or with smaller attachments; what you typed is kept below.`;
    case "address":
      return `Too many messages from your address. Please try again in ${wait}; what you typed is kept below.`;
  }
}
