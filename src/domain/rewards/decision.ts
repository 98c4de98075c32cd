import type { Policy } from "../../policy/schema.js";

/**
 * The reward a case owes its reporter (`recognition.reward`: none, bounty, gift, bounty-or-gift),
 * decided per case. No payment integration: the team records what it decided and what it paid.
 * Pure: the policy, the case's reward history (folded from its events), the request and the
 * instant go in; the events to append, or a refusal with a stable code, come out.
 *
 * - A proposal is a bounty (an amount, in minor units or as a decimal with at most two decimals,
 *   positive and at most 1,000,000.00, and an ISO 4217 currency: three upper-case letters) or a
 *   gift (a description of at most 500 characters), of a kind the policy offers: `none` refuses
 *   everything, `bounty` a gift, `gift` a bounty.
 * - Statuses: proposed → approved (by a team member other than the proposer) → paid (a paid date,
 *   an optional reference); proposed or approved → declined by the reporter (an optional message);
 *   proposed → withdrawn by the team, or replaced by a new proposal (which withdraws it).
 * - After a decline or a withdrawal the team may propose again; a paid reward is final.
 */

export const REWARD_EVENTS = {
  proposed: "reward.proposed",
  approved: "reward.approved",
  paid: "reward.paid",
  declined: "reward.declined",
  withdrawn: "reward.withdrawn",
} as const;

export const REWARD_EVENT_TYPES: readonly string[] = Object.values(REWARD_EVENTS);

export type RewardPolicyKind = Policy["recognition"]["reward"]["kind"];
export type RewardKind = "bounty" | "gift";
export type RewardStatus = "proposed" | "approved" | "paid" | "declined" | "withdrawn";

/** 1,000,000.00 in minor units. */
export const MAX_AMOUNT_MINOR = 100_000_000;
export const MAX_GIFT = 500;
export const MAX_REFERENCE = 200;
export const MAX_DECLINE_MESSAGE = 2_000;
/** The longest amount text worth reading ("1000000.00" has 10 characters). */
const MAX_AMOUNT_TEXT = 32;

export type RewardOffer =
  | { kind: "bounty"; amountMinor: number; currency: string }
  | { kind: "gift"; gift: string };

/** What a proposal sends: the amount as an integer of minor units (a number) or a decimal (a string). */
export type ProposalInput =
  | { kind: "bounty"; amount: number | string; currency: string }
  | { kind: "gift"; gift: string };

/** Field names of refusals: the API's names; the page maps them to its form fields. */
export type RewardField =
  | "reward"
  | "kind"
  | "amount"
  | "currency"
  | "gift"
  | "paidOn"
  | "reference"
  | "message"
  | "proposal";

/** Stable codes of refusals. `invalid` is malformed input (400); every other code is a conflict (409). */
export type RewardRefusalCode =
  | "invalid"
  | "reward_not_offered"
  | "reward_kind_not_offered"
  | "no_reward"
  | "reward_changed"
  | "reward_not_proposed"
  | "reward_not_approved"
  | "reward_self_approval"
  | "reward_settled";

export interface RewardRefusal {
  ok: false;
  code: RewardRefusalCode;
  field: RewardField;
  message: string;
}

const refuse = (code: RewardRefusalCode, field: RewardField, message: string): RewardRefusal => ({
  ok: false,
  code,
  field,
  message,
});
const invalid = (field: RewardField, message: string) => refuse("invalid", field, message);

// ---------------------------------------------------------------------------------------------
// Event payloads (what the chain keeps; encrypted with every payload)

export type ProposedPayload = {
  proposal: number;
  kind: RewardKind;
  amountMinor: number | null;
  currency: string | null;
  gift: string | null;
};
export type ProposalRef = { proposal: number };
export type PaidPayload = { proposal: number; paidOn: string; reference: string | null };
export type DeclinedPayload = { proposal: number; message: string | null };
export type WithdrawnPayload = { proposal: number; replaced: boolean };

export type RewardEvent =
  | { type: typeof REWARD_EVENTS.proposed; payload: ProposedPayload }
  | { type: typeof REWARD_EVENTS.approved; payload: ProposalRef }
  | { type: typeof REWARD_EVENTS.paid; payload: PaidPayload }
  | { type: typeof REWARD_EVENTS.declined; payload: DeclinedPayload }
  | { type: typeof REWARD_EVENTS.withdrawn; payload: WithdrawnPayload };

/** A reward event as read back from the case (decrypted), for the fold. */
export interface RewardEventFact {
  seq: number;
  type: string;
  actor: string;
  at: Date;
  payload: unknown;
}

// ---------------------------------------------------------------------------------------------
// The fold

export interface Reward {
  /** 1 for the case's first proposal, then 2, … */
  proposal: number;
  offer: RewardOffer;
  status: RewardStatus;
  proposedAt: Date;
  proposedBy: string;
  approvedAt: Date | null;
  approvedBy: string | null;
  /** The day it was paid (YYYY-MM-DD), as the team recorded it. */
  paidOn: string | null;
  reference: string | null;
  /** When it was recorded paid, declined or withdrawn. */
  settledAt: Date | null;
  settledBy: string | null;
  declineMessage: string | null;
  replaced: boolean;
}

export interface RewardHistoryEntry {
  seq: number;
  type: string;
  actor: string;
  at: Date;
  proposal: number;
}

export interface RewardHistory {
  /** The latest proposal, whatever its status; null when none was made. */
  current: Reward | null;
  proposals: Reward[];
  entries: RewardHistoryEntry[];
}

export const NO_REWARD_HISTORY: RewardHistory = { current: null, proposals: [], entries: [] };

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}
const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

function offerOf(payload: Record<string, unknown>): RewardOffer | null {
  if (payload.kind === "gift") {
    const gift = text(payload.gift);
    return gift === null ? null : { kind: "gift", gift };
  }
  if (payload.kind === "bounty") {
    const amountMinor = payload.amountMinor;
    const currency = text(payload.currency);
    if (typeof amountMinor !== "number" || !Number.isSafeInteger(amountMinor) || currency === null)
      return null;
    return { kind: "bounty", amountMinor, currency };
  }
  return null;
}

/** The case's rewards from its events, oldest first (other events and unreadable payloads are skipped). */
export function rewardHistory(events: readonly RewardEventFact[]): RewardHistory {
  const proposals: Reward[] = [];
  const entries: RewardHistoryEntry[] = [];
  for (const event of events) {
    const payload = record(event.payload);
    if (payload === null || !REWARD_EVENT_TYPES.includes(event.type)) continue;
    const proposal = payload.proposal;
    if (typeof proposal !== "number" || !Number.isSafeInteger(proposal)) continue;
    if (event.type === REWARD_EVENTS.proposed) {
      const offer = offerOf(payload);
      if (offer === null) continue;
      proposals.push({
        proposal,
        offer,
        status: "proposed",
        proposedAt: event.at,
        proposedBy: event.actor,
        approvedAt: null,
        approvedBy: null,
        paidOn: null,
        reference: null,
        settledAt: null,
        settledBy: null,
        declineMessage: null,
        replaced: false,
      });
    } else {
      const reward = proposals.find((candidate) => candidate.proposal === proposal);
      if (reward === undefined) continue;
      if (event.type === REWARD_EVENTS.approved) {
        reward.status = "approved";
        reward.approvedAt = event.at;
        reward.approvedBy = event.actor;
      } else {
        reward.settledAt = event.at;
        reward.settledBy = event.actor;
        if (event.type === REWARD_EVENTS.paid) {
          reward.status = "paid";
          reward.paidOn = text(payload.paidOn);
          reward.reference = text(payload.reference);
        } else if (event.type === REWARD_EVENTS.declined) {
          reward.status = "declined";
          reward.declineMessage = text(payload.message);
        } else {
          reward.status = "withdrawn";
          reward.replaced = payload.replaced === true;
        }
      }
    }
    entries.push({ seq: event.seq, type: event.type, actor: event.actor, at: event.at, proposal });
  }
  return { current: proposals.at(-1) ?? null, proposals, entries };
}

// ---------------------------------------------------------------------------------------------
// Checking what people send

const DECIMAL = /^(\d{1,9})(?:\.(\d{1,2}))?$/;
const CURRENCY = /^[A-Z]{3}$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Text without control characters (line breaks and tabs kept when `multiline`), NFC, trimmed. */
export function cleanText(value: string, multiline: boolean): string {
  let kept = "";
  for (const char of value.normalize("NFC").replace(/\r\n?/g, "\n")) {
    const code = char.codePointAt(0) ?? 0;
    const control =
      (code < 0x20 && !(multiline && (char === "\n" || char === "\t"))) || (code >= 0x7f && code <= 0x9f);
    const unpaired = code >= 0xd800 && code <= 0xdfff;
    if (!control && !unpaired && code !== 0xfffe && code !== 0xffff) kept += char;
  }
  return multiline ? kept.trim() : kept.replace(/\s+/g, " ").trim();
}

/**
 * The amount in minor units: a number is already in minor units (a positive integer), a string is
 * a decimal with at most two decimals ("500", "500.5", "500.50"). Exponents, signs, NaN and
 * anything above MAX_AMOUNT_MINOR are refused.
 */
export function parseAmount(amount: number | string): { ok: true; minor: number } | RewardRefusal {
  const bound = `a positive amount of at most ${formatMinor(MAX_AMOUNT_MINOR)}`;
  let minor: number;
  if (typeof amount === "number") {
    if (!Number.isSafeInteger(amount))
      return invalid("amount", `Give the amount as a whole number of minor units (cents), ${bound}.`);
    minor = amount;
  } else {
    const typed = amount.trim();
    const match = typed.length > MAX_AMOUNT_TEXT ? null : DECIMAL.exec(typed);
    if (match === null)
      return invalid(
        "amount",
        `Give the amount as a number with at most two decimals (for example 500 or 250.50), ${bound}.`,
      );
    minor = Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
  }
  if (minor <= 0 || minor > MAX_AMOUNT_MINOR) return invalid("amount", `Give ${bound}.`);
  return { ok: true, minor };
}

/** A proposal as sent, checked: the offer, or the field that is wrong. */
export function readProposal(input: ProposalInput): { ok: true; offer: RewardOffer } | RewardRefusal {
  if (input.kind === "gift") {
    const gift = cleanText(input.gift, true);
    if (gift === "") return invalid("gift", "Describe the gift.");
    if (gift.length > MAX_GIFT)
      return invalid("gift", `A gift's description may be at most ${MAX_GIFT} characters.`);
    return { ok: true, offer: { kind: "gift", gift } };
  }
  if (input.kind !== "bounty") return invalid("kind", "Choose a bounty or a gift.");
  const amount = parseAmount(input.amount);
  if (!amount.ok) return amount;
  const currency = input.currency.trim();
  if (!CURRENCY.test(currency))
    return invalid("currency", "Give the currency as its ISO 4217 code: three upper-case letters, like USD.");
  return { ok: true, offer: { kind: "bounty", amountMinor: amount.minor, currency } };
}

/** The paid date (YYYY-MM-DD): a real day, not before the proposal's day, not after tomorrow (UTC). */
export function readPaidOn(
  value: string,
  reward: Reward,
  now: Date,
): { ok: true; day: string } | RewardRefusal {
  const typed = value.trim();
  const match = typed.length > 10 ? null : DAY.exec(typed);
  const at = match === null ? null : Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (match === null || at === null || new Date(at).toISOString().slice(0, 10) !== typed)
    return invalid("paidOn", "Give the day it was paid as YYYY-MM-DD.");
  const proposedDay = Date.parse(reward.proposedAt.toISOString().slice(0, 10));
  if (at < proposedDay) return invalid("paidOn", "The reward cannot be paid before it was proposed.");
  if (at > Date.parse(now.toISOString().slice(0, 10)) + DAY_MS)
    return invalid("paidOn", "The paid date cannot be in the future.");
  return { ok: true, day: typed };
}

// ---------------------------------------------------------------------------------------------
// Transitions

export type RewardDecision = { ok: true; events: RewardEvent[] } | RewardRefusal;

const KIND_WORDS: Record<RewardPolicyKind, string> = {
  none: "no reward",
  bounty: "bounties only",
  gift: "gifts only",
  "bounty-or-gift": "a bounty or a gift",
};

/** Whether the policy offers that kind of reward. */
export function offers(policyKind: RewardPolicyKind, kind: RewardKind): boolean {
  return policyKind === "bounty-or-gift" || policyKind === kind;
}

function offeredAtAll(policyKind: RewardPolicyKind): RewardRefusal | null {
  return policyKind === "none"
    ? refuse("reward_not_offered", "reward", "This program's policy offers no reward.")
    : null;
}

const SETTLED: Record<string, string> = {
  paid: "The reward was paid; a paid reward is final.",
  declined: "The reporter declined the reward.",
  withdrawn: "The reward was withdrawn.",
};

/** The reward a request names: the current one, and (when given) the proposal the page showed. */
function currentOf(history: RewardHistory, proposal: number | null): Reward | RewardRefusal {
  const current = history.current;
  if (current === null) return refuse("no_reward", "reward", "No reward was proposed on this case.");
  if (proposal !== null && proposal !== current.proposal)
    return refuse(
      "reward_changed",
      "proposal",
      "The reward changed since this page was loaded: read the current proposal first.",
    );
  return current;
}

/**
 * A new proposal: the policy must offer its kind; a standing proposal is replaced (withdrawn);
 * an approved or paid reward stands (the reporter may decline an approved one).
 */
export function decideProposal(
  policyKind: RewardPolicyKind,
  history: RewardHistory,
  input: ProposalInput,
): RewardDecision {
  const none = offeredAtAll(policyKind);
  if (none !== null) return none;
  if (input.kind === "bounty" || input.kind === "gift") {
    if (!offers(policyKind, input.kind))
      return refuse(
        "reward_kind_not_offered",
        "kind",
        `This program's policy offers ${KIND_WORDS[policyKind]}: no ${input.kind}.`,
      );
  }
  const read = readProposal(input);
  if (!read.ok) return read;
  const current = history.current;
  if (current?.status === "approved")
    return refuse(
      "reward_not_proposed",
      "reward",
      "An approved reward stands: pay it, or the reporter may decline it.",
    );
  if (current?.status === "paid") return refuse("reward_settled", "reward", SETTLED.paid ?? "");
  const next = (history.proposals.at(-1)?.proposal ?? 0) + 1;
  const offer = read.offer;
  const proposed: RewardEvent = {
    type: REWARD_EVENTS.proposed,
    payload: {
      proposal: next,
      kind: offer.kind,
      amountMinor: offer.kind === "bounty" ? offer.amountMinor : null,
      currency: offer.kind === "bounty" ? offer.currency : null,
      gift: offer.kind === "gift" ? offer.gift : null,
    },
  };
  const replaced: RewardEvent[] =
    current?.status === "proposed"
      ? [{ type: REWARD_EVENTS.withdrawn, payload: { proposal: current.proposal, replaced: true } }]
      : [];
  return { ok: true, events: [...replaced, proposed] };
}

/** Approval: of the standing proposal, by a team member who did not propose it. */
export function decideApproval(
  history: RewardHistory,
  proposal: number | null,
  actor: string,
): RewardDecision {
  const current = currentOf(history, proposal);
  if ("ok" in current) return current;
  if (current.status !== "proposed")
    return refuse(
      "reward_not_proposed",
      "reward",
      current.status === "approved" ? "The reward is already approved." : (SETTLED[current.status] ?? ""),
    );
  if (!actor.startsWith("team:"))
    return refuse("reward_self_approval", "reward", "Only a team member may approve a reward.");
  if (current.proposedBy === actor)
    return refuse(
      "reward_self_approval",
      "reward",
      "Another team member must approve the reward: not the one who proposed it.",
    );
  return { ok: true, events: [{ type: REWARD_EVENTS.approved, payload: { proposal: current.proposal } }] };
}

/** Recording the payment of an approved reward: the day it was paid, an optional reference. */
export function decidePaid(
  history: RewardHistory,
  request: { proposal: number | null; paidOn: string; reference: string },
  now: Date,
): RewardDecision {
  const current = currentOf(history, request.proposal);
  if ("ok" in current) return current;
  if (current.status !== "approved")
    return refuse(
      current.status === "proposed" ? "reward_not_approved" : "reward_settled",
      "reward",
      current.status === "proposed"
        ? "The reward must be approved by a second team member before it is paid."
        : (SETTLED[current.status] ?? ""),
    );
  const paidOn = readPaidOn(request.paidOn, current, now);
  if (!paidOn.ok) return paidOn;
  const reference = cleanText(request.reference, false);
  if (reference.length > MAX_REFERENCE)
    return invalid("reference", `A reference may be at most ${MAX_REFERENCE} characters.`);
  return {
    ok: true,
    events: [
      {
        type: REWARD_EVENTS.paid,
        payload: {
          proposal: current.proposal,
          paidOn: paidOn.day,
          reference: reference === "" ? null : reference,
        },
      },
    ],
  };
}

/** The reporter declines a proposed or approved reward, with an optional message. */
export function decideDecline(history: RewardHistory, message: string): RewardDecision {
  const current = history.current;
  if (current === null || (current.status !== "proposed" && current.status !== "approved"))
    return refuse(
      current === null ? "no_reward" : "reward_settled",
      "reward",
      "There is no reward to decline on this case.",
    );
  const words = cleanText(message, true);
  if (words.length > MAX_DECLINE_MESSAGE)
    return invalid("message", `A message may be at most ${MAX_DECLINE_MESSAGE} characters.`);
  return {
    ok: true,
    events: [
      {
        type: REWARD_EVENTS.declined,
        payload: { proposal: current.proposal, message: words === "" ? null : words },
      },
    ],
  };
}

/** The team withdraws a proposal that is not approved yet. */
export function decideWithdrawal(history: RewardHistory, proposal: number | null): RewardDecision {
  const current = currentOf(history, proposal);
  if ("ok" in current) return current;
  if (current.status !== "proposed")
    return refuse(
      current.status === "approved" ? "reward_not_proposed" : "reward_settled",
      "reward",
      current.status === "approved"
        ? "An approved reward cannot be withdrawn: pay it, or the reporter may decline it."
        : (SETTLED[current.status] ?? ""),
    );
  return {
    ok: true,
    events: [{ type: REWARD_EVENTS.withdrawn, payload: { proposal: current.proposal, replaced: false } }],
  };
}

// ---------------------------------------------------------------------------------------------
// Showing it

/** Minor units as a decimal with two decimals: 50000 → "500.00". */
export function formatMinor(minor: number): string {
  const whole = Math.trunc(minor / 100);
  const cents = String(minor % 100).padStart(2, "0");
  return `${whole.toLocaleString("en")}.${cents}`;
}

/** The amount as a plain decimal for exports (no grouping): 50000 → "500.00". */
export function decimalOf(minor: number): string {
  return `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;
}

/** One line for people: "500.00 USD" or the gift's description. */
export function offerText(offer: RewardOffer): string {
  return offer.kind === "bounty" ? `${formatMinor(offer.amountMinor)} ${offer.currency}` : offer.gift;
}

/** The day a reward is settled (paid or declined): the disclosure plan's `reward-reporter` task is then done. */
export function rewardSettled(history: RewardHistory): { at: Date; actor: string } | null {
  const current = history.current;
  if (current === null || (current.status !== "paid" && current.status !== "declined")) return null;
  return current.settledAt === null ? null : { at: current.settledAt, actor: "system" };
}

export const STATUS_WORDS: Readonly<Record<RewardStatus, string>> = {
  proposed: "Proposed, waiting for a second team member's approval",
  approved: "Approved",
  paid: "Paid",
  declined: "Declined by the reporter",
  withdrawn: "Withdrawn",
};
