/**
 * Growing delays after failed sign-ins, per account (the email typed, known or not, so the
 * answer does not reveal which accounts exist) and per client address. After a few free
 * failures each further one doubles the wait: 0, 0, 0, 1, 2, 4, 8 … seconds, at most 15
 * minutes. `check` answers "wait N seconds" instead of sleeping, so a flood ties up no
 * connections. A success clears the account's count; the address count is not cleared by a
 * success (an attacker could clear it by signing into an account of their own) but is forgotten
 * after an hour without failures. TOTP and recovery-code failures count against the account too.
 *
 * The counts live in memory, per instance: with several instances behind a load balancer an
 * attacker gets at most one allowance per instance, and a restart forgets them. That is a
 * deliberate trade (no write per failed attempt); argon2id and the long delays keep guessing
 * slow either way. Memory is bounded: the oldest entries are dropped beyond MAX_ENTRIES.
 */
export interface ThrottleRule {
  /** Failures before any delay. */
  freeFailures: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  /** Without failures for this long, the count is forgotten. */
  forgetAfterMs: number;
}

export const ACCOUNT_RULE: ThrottleRule = {
  freeFailures: 3,
  baseDelaySeconds: 1,
  maxDelaySeconds: 15 * 60,
  forgetAfterMs: 24 * 3600_000,
};

/** Addresses are shared (offices, NAT, Tor exits): more free failures, same growth. */
export const ADDRESS_RULE: ThrottleRule = {
  freeFailures: 10,
  baseDelaySeconds: 1,
  maxDelaySeconds: 15 * 60,
  forgetAfterMs: 3600_000,
};

const MAX_ENTRIES = 50_000;

interface Entry {
  failures: number;
  lastFailureAt: number;
}

/** The wait after `failures` consecutive failures, in seconds. */
export function delaySeconds(rule: ThrottleRule, failures: number): number {
  if (failures <= rule.freeFailures) return 0;
  return Math.min(rule.baseDelaySeconds * 2 ** (failures - rule.freeFailures - 1), rule.maxDelaySeconds);
}

class Counter {
  readonly #entries = new Map<string, Entry>();

  constructor(readonly rule: ThrottleRule) {}

  #live(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    const waitEnds = entry.lastFailureAt + delaySeconds(this.rule, entry.failures) * 1000;
    if (now - Math.max(waitEnds, entry.lastFailureAt) > this.rule.forgetAfterMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  waitSeconds(key: string, now: number): number {
    const entry = this.#live(key, now);
    if (entry === undefined) return 0;
    const waitEnds = entry.lastFailureAt + delaySeconds(this.rule, entry.failures) * 1000;
    return Math.max(0, Math.ceil((waitEnds - now) / 1000));
  }

  fail(key: string, now: number): void {
    const failures = (this.#live(key, now)?.failures ?? 0) + 1;
    this.#entries.delete(key); // re-inserted last: the map's order is least recently failed first
    this.#entries.set(key, { failures, lastFailureAt: now });
    while (this.#entries.size > MAX_ENTRIES) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  clear(key: string): void {
    this.#entries.delete(key);
  }
}

export interface ThrottleKeys {
  /** The normalised email typed (or of the account, at the code step). */
  account: string;
  address: string;
}

export type ThrottleCheck = { ok: true } | { ok: false; retryAfterSeconds: number };

export class SigninThrottle {
  readonly #accounts: Counter;
  readonly #addresses: Counter;

  constructor(
    private readonly clock: () => Date,
    rules: { account?: ThrottleRule; address?: ThrottleRule } = {},
  ) {
    this.#accounts = new Counter(rules.account ?? ACCOUNT_RULE);
    this.#addresses = new Counter(rules.address ?? ADDRESS_RULE);
  }

  /** May this attempt be checked now? Otherwise, how many seconds to wait. */
  check(keys: ThrottleKeys): ThrottleCheck {
    const now = this.clock().getTime();
    const wait = Math.max(
      this.#accounts.waitSeconds(`a:${keys.account}`, now),
      this.#addresses.waitSeconds(`i:${keys.address}`, now),
    );
    return wait > 0 ? { ok: false, retryAfterSeconds: wait } : { ok: true };
  }

  recordFailure(keys: ThrottleKeys): void {
    const now = this.clock().getTime();
    this.#accounts.fail(`a:${keys.account}`, now);
    this.#addresses.fail(`i:${keys.address}`, now);
  }

  recordSuccess(keys: ThrottleKeys): void {
    this.#accounts.clear(`a:${keys.account}`);
  }
}
