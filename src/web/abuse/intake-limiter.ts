import type { FastifyBaseLogger } from "fastify";
import { limitedAddress } from "../../domain/limits/limited-address.js";
import type { Store } from "../../store/database.js";
import { type CounterKeys, returnTokens, type Take, takeTokens } from "../../store/rate-counters.js";

/**
 * Limits how many reports are taken in per hour, per sender address and per program. The
 * counters live in the database (src/store/rate-counters.ts): a report's tokens are taken, in
 * one locked step, before it is submitted, so concurrent requests and several instances on one
 * database share each limit exactly.
 *
 * Buckets (each refills evenly over the hour):
 *
 * - `intake-address`: every report from an address (an IPv6 sender by its /64), with or without
 *   proof-of-work, capacity `perAddressPerHour`. The two kinds of sender share it: 5 reports
 *   without proof-of-work leave 15 of 20 for reports with it. (Never below
 *   `perAddressWithoutPowPerHour`: solving the proof-of-work never lowers an allowance.)
 * - `intake-address-nopow`: reports from an address that did not solve the proof-of-work
 *   (JavaScript off, Tor Browser's safest mode, scripts), capacity `perAddressWithoutPowPerHour`.
 *   A separate bucket rather than "the top 5 of the shared 20": a bucket refills at its
 *   capacity's rate, so a sender restricted to its top part would get 20 an hour at a steady
 *   pace, not 5.
 * - `intake-program`: every report to a program, capacity `perProgramPerHour`, which protects
 *   the team's queue. The address tokens are taken in the same step, so one address uses at
 *   most its own allowance of it; but many addresses (a botnet, Tor's exits) could still empty
 *   it and lock every other reporter out. Senders without proof-of-work may therefore only use
 *   the bucket down to a reserve (a fifth of it): the rest is kept for senders whose browser
 *   solved the proof-of-work, which costs a bulk sender CPU per report. The reserve is a level,
 *   not a rate: refills restore it before senders without proof-of-work may take again. A
 *   distributed sender
 *   that also solves it can still reach the program limit; that is what the limit is for, and
 *   an operator who expects more reports raises it.
 */
export interface IntakeLimits {
  perAddressPerHour: number;
  perAddressWithoutPowPerHour: number;
  perProgramPerHour: number;
}

export interface IntakeSender {
  /** The client's IP address (request.ip). */
  ip: string;
  powSolved: boolean;
}

/** `address`: this sender's own allowance; `program`: the program's, shared with everyone. */
export type IntakeRefusal = { ok: false; limit: "address" | "program"; retryAfterSeconds: number };
/**
 * Allowed; `giveBack` returns the tokens when the report was not taken in after all. It never
 * fails: if the database does, the sender's mistake stays counted and their answer (the form
 * with its errors) is still sent.
 */
export type IntakeAllowance = { ok: true; giveBack(log: Pick<FastifyBaseLogger, "warn">): Promise<void> };

const HOUR_MS = 60 * 60 * 1000;
/** The part of a program's allowance only senders with a solved proof-of-work may use. */
const PROGRAM_RESERVE_FOR_POW = 1 / 5;

/** Pure: the tokens one report takes, and which of them is the program's. */
export function intakeTakes(
  limits: IntakeLimits,
  keys: CounterKeys,
  sender: IntakeSender,
  program: string,
): { takes: Take[]; programKey: string } {
  const address = limitedAddress(sender.ip);
  // A sender with proof-of-work never gets less than one without: with settings of 20 and 100
  // without, the shared allowance is 100 (tests that send many reports set only the latter).
  const perAddress = Math.max(limits.perAddressPerHour, limits.perAddressWithoutPowPerHour);
  const programKey = keys.key("intake-program", program);
  const programRule = { capacity: limits.perProgramPerHour, windowMs: HOUR_MS };
  const takes: Take[] = [
    { key: keys.key("intake-address", address), rule: { capacity: perAddress, windowMs: HOUR_MS } },
  ];
  if (sender.powSolved) {
    takes.push({ key: programKey, rule: programRule });
  } else {
    takes.push(
      {
        key: keys.key("intake-address-nopow", address),
        rule: { capacity: limits.perAddressWithoutPowPerHour, windowMs: HOUR_MS },
      },
      {
        key: programKey,
        rule: programRule,
        need: Math.floor(limits.perProgramPerHour * PROGRAM_RESERVE_FOR_POW) + 1,
      },
    );
  }
  return { takes, programKey };
}

export class IntakeLimiter {
  constructor(
    private readonly store: Store,
    private readonly keys: CounterKeys,
    private readonly limits: IntakeLimits,
    private readonly now: () => Date,
  ) {}

  /**
   * Takes one report's tokens from the sender's and the program's allowances, or none. Call it
   * before submitting; when the submission is refused as invalid, `giveBack`, so that a typo
   * costs the sender nothing (the accepted reports still hold their tokens, so giving back
   * never lets more than the limit in).
   */
  async take(sender: IntakeSender, program: string): Promise<IntakeAllowance | IntakeRefusal> {
    const { takes, programKey } = intakeTakes(this.limits, this.keys, sender, program);
    const outcome = await takeTokens(this.store, takes, this.now());
    if (!outcome.ok) {
      return {
        ok: false,
        limit: outcome.refused === programKey ? "program" : "address",
        retryAfterSeconds: outcome.retryAfterSeconds,
      };
    }
    return {
      ok: true,
      giveBack: (log) =>
        returnTokens(this.store, takes, this.now()).catch((error: unknown) => {
          log.warn({ err: error instanceof Error ? error.name : "unknown" }, "intake tokens not given back");
        }),
    };
  }
}

/** "5 minutes": a wait, rounded up to whole minutes, for people. */
export function minutesText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

/** The 429 message for a refused report: which limit, how long, and what to do. */
export function intakeRefusalText(refusal: IntakeRefusal, powSolved: boolean): string {
  const wait = minutesText(refusal.retryAfterSeconds);
  if (refusal.limit === "address") return `Too many reports from your address. Please try again in ${wait}.`;
  const withPow = powSolved
    ? ""
    : " Reports sent with JavaScript on (the browser solves a small proof-of-work) may still get through.";
  return `This program is receiving an unusual number of reports. Please try again in ${wait}.${withPow}`;
}
