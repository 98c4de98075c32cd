import type { CounterState, CounterUpdate, CounterWrite } from "../store/rate-counters.js";

/**
 * The sign-in throttle's rules: pure (counter states and the clock in, decisions and new states
 * out). The counters live in `rate_counters` (src/auth/signin-limits.ts runs these rules under
 * the counters' row locks), so every instance shares them and no burst gets past them.
 *
 * An attempt is counted *before* its password (or code) is checked: `decideAttempt` reserves it
 * as a failure, and only a success gives it back (`decideSettle`). So however many requests
 * arrive at once, no more are checked than one at a time would get: with 150 concurrent wrong
 * passwords for one account from one address, four are checked (three free failures, then the
 * fourth is checked at once and the fifth must wait a second).
 *
 * Three failure counts, each with growing delays after a few free failures (0, 0, 0, 1, 2, 4 …
 * seconds, at most 15 minutes), none of which a stranger can use to lock a member out:
 *
 * - per account *and* address (`pair`): the guesser's own address is slowed, not the account;
 *   cleared when that address completes a sign-in (second factor included);
 * - per address (`address`): one address trying many accounts; never cleared by a success (an
 *   attacker could clear it by signing into an account of their own), forgotten after an hour;
 * - per account, from new addresses only (`account`): many addresses guessing one account. It
 *   counts, and applies to, only addresses from which the account never completed a sign-in. An
 *   address becomes "known" for the account when it completes one (kept KNOWN_ADDRESS_MS after
 *   the last), so the member, from where they signed in before, with the right password and
 *   second factor, still gets in while strangers elsewhere are slowed down.
 *
 * The account is the email typed (known or not: the answer does not tell which accounts exist).
 * A second-factor failure counts like a wrong password, and a right password alone clears
 * nothing (it only gives its reservation back): otherwise re-entering the password would reset
 * the count of code guesses.
 */
export interface ThrottleRule {
  /** Failures before any delay. */
  freeFailures: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  /** Without failures for this long after the last wait ended, the count is forgotten. */
  forgetAfterMs: number;
}

const FIFTEEN_MINUTES = 15 * 60;

export const PAIR_RULE: ThrottleRule = {
  freeFailures: 3,
  baseDelaySeconds: 1,
  maxDelaySeconds: FIFTEEN_MINUTES,
  forgetAfterMs: 24 * 3600_000,
};

/** Addresses are shared (offices, NAT, Tor exits): more free failures, same growth. */
export const ADDRESS_RULE: ThrottleRule = {
  freeFailures: 10,
  baseDelaySeconds: 1,
  maxDelaySeconds: FIFTEEN_MINUTES,
  forgetAfterMs: 3600_000,
};

/** Failures against one account from addresses it never signed in from, whichever they are. */
export const NEW_ADDRESS_RULE: ThrottleRule = {
  freeFailures: 5,
  baseDelaySeconds: 1,
  maxDelaySeconds: FIFTEEN_MINUTES,
  forgetAfterMs: 24 * 3600_000,
};

/** How long an address stays known for an account after its last completed sign-in. */
export const KNOWN_ADDRESS_MS = 90 * 24 * 3600_000;

export interface SigninRules {
  pair: ThrottleRule;
  address: ThrottleRule;
  account: ThrottleRule;
}

export const SIGNIN_RULES: SigninRules = {
  pair: PAIR_RULE,
  address: ADDRESS_RULE,
  account: NEW_ADDRESS_RULE,
};

/** The rate_counters keys of one attempt (HMACs: see CounterKeys). */
export interface SigninKeys {
  pair: string;
  address: string;
  account: string;
  /** Present (and live) when the account completed a sign-in from this address. */
  known: string;
}

export type Limit = "pair" | "address" | "account";

/** What an allowed attempt took, to give back exactly that on success. */
export interface Reservation {
  keys: SigninKeys;
  /** The account-wide count was taken (the address was not known for the account). */
  account: boolean;
}

export type AttemptDecision =
  | { ok: true; reservation: Reservation }
  | { ok: false; retryAfterSeconds: number; limit: Limit };

/** The wait after `failures` consecutive failures, in seconds. */
export function delaySeconds(rule: ThrottleRule, failures: number): number {
  if (failures <= rule.freeFailures) return 0;
  return Math.min(rule.baseDelaySeconds * 2 ** (failures - rule.freeFailures - 1), rule.maxDelaySeconds);
}

/** Milliseconds before the next attempt may be checked (0: now). State: failures and the last one. */
export function waitMs(rule: ThrottleRule, state: CounterState | undefined, nowMs: number): number {
  if (state === undefined) return 0;
  return Math.max(0, state.at + delaySeconds(rule, state.value) * 1000 - nowMs);
}

/** The row for `failures` failures, the last at `at`; kept until its wait is over and forgotten. */
function failuresWrite(rule: ThrottleRule, failures: number, at: number): CounterWrite {
  if (failures <= 0) return null;
  return { value: failures, at, expiresAt: at + delaySeconds(rule, failures) * 1000 + rule.forgetAfterMs };
}

function countersOf(keys: SigninKeys, rules: SigninRules, counted: { account: boolean }) {
  const counters: { limit: Limit; key: string; rule: ThrottleRule }[] = [
    { limit: "pair", key: keys.pair, rule: rules.pair },
    { limit: "address", key: keys.address, rule: rules.address },
  ];
  if (counted.account) counters.push({ limit: "account", key: keys.account, rule: rules.account });
  return counters;
}

/**
 * Pure: may this attempt be checked now? If so, it is counted as a failure already (all of its
 * counters, in one step); if not, nothing is written and the answer says how long to wait.
 */
export function decideAttempt(
  keys: SigninKeys,
  states: ReadonlyMap<string, CounterState | undefined>,
  nowMs: number,
  rules: SigninRules = SIGNIN_RULES,
): CounterUpdate<AttemptDecision> {
  const account = states.get(keys.known) === undefined;
  const counters = countersOf(keys, rules, { account });
  let refused: { limit: Limit; wait: number } | undefined;
  for (const { limit, key, rule } of counters) {
    const wait = waitMs(rule, states.get(key), nowMs);
    if (wait > 0 && (refused === undefined || wait > refused.wait)) refused = { limit, wait };
  }
  if (refused !== undefined)
    return {
      writes: new Map(),
      result: { ok: false, retryAfterSeconds: Math.ceil(refused.wait / 1000), limit: refused.limit },
    };
  const writes = new Map<string, CounterWrite>();
  for (const { key, rule } of counters) {
    const state = states.get(key);
    // Time never goes backwards: an instance whose clock is behind must not shorten a wait.
    writes.set(key, failuresWrite(rule, (state?.value ?? 0) + 1, Math.max(nowMs, state?.at ?? nowMs)));
  }
  return { writes, result: { ok: true, reservation: { keys, account } } };
}

/**
 * After a success: `refund` gives the reservation back (a right password before the second
 * factor, a code to regenerate recovery codes); `signed-in` (the whole sign-in succeeded) also
 * clears this address's count for the account and marks the address known for it.
 */
export type Settlement = "refund" | "signed-in";

export function decideSettle(
  reservation: Reservation,
  settlement: Settlement,
  states: ReadonlyMap<string, CounterState | undefined>,
  nowMs: number,
  rules: SigninRules = SIGNIN_RULES,
): CounterUpdate<void> {
  const { keys } = reservation;
  const writes = new Map<string, CounterWrite>();
  for (const { key, rule } of countersOf(keys, rules, reservation)) {
    const state = states.get(key);
    // Gone (expired, or cleared by another success): there is nothing left to give back.
    if (state !== undefined) writes.set(key, failuresWrite(rule, state.value - 1, state.at));
  }
  if (settlement === "signed-in") {
    writes.set(keys.pair, null);
    writes.set(keys.known, { value: 1, at: nowMs, expiresAt: nowMs + KNOWN_ADDRESS_MS });
  }
  return { writes, result: undefined };
}
