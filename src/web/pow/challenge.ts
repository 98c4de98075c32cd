/**
 * Proof-of-work (PoW) challenges for the public report form and the JSON API, in ALTCHA's v1 format
 * (https://altcha.org), made and checked with altcha-lib. No third party is involved.
 *
 * The server keeps no state per challenge: a challenge is `SHA-256(salt + number)` for a secret random
 * `number`, signed with HMAC-SHA-256 under `hmacKey`; the salt carries `?expires=<unix seconds>&`, so the
 * expiry is covered by the signature too. The client finds `number` by brute force over 0..maxnumber and
 * sends back `base64(JSON {algorithm, challenge, number, salt, signature})`. The only state is the
 * {@link ReplayGuard}, which remembers solved challenges until they expire so each one is good once.
 *
 * Difficulty: the client hashes on average maxNumber / 2 candidates. With the default 50,000 that is about
 * 25,000 SHA-256 digests of ~50 bytes: tens of milliseconds in Node, and well under a second in a browser
 * that batches `crypto.subtle.digest` calls (as `/assets/pow.js` does). It is a speed bump against bulk
 * spam, not a wall: raise maxNumber (linearly more work) if spam gets through.
 */
import { createChallenge, verifySolution } from "altcha-lib/v1";

export interface PowOptions {
  /** HMAC-SHA-256 key signing the challenges; at least 32 bytes (e.g. `crypto.randomBytes(32)`). */
  hmacKey: Buffer;
  /** Upper bound of the secret number; the average work is maxNumber / 2 hashes. */
  maxNumber: number;
  /** How long a challenge stays usable after it is issued. */
  expiresInSeconds: number;
  /** Clock used for the expiry, both when issuing and when verifying. */
  now: () => Date;
}

/** A challenge as sent to clients: ALTCHA's v1 JSON shape. */
export interface PowChallenge {
  algorithm: "SHA-256";
  /** Hex SHA-256 of `salt + number`. */
  challenge: string;
  /** Random hex, then `?expires=<unix seconds>&`. */
  salt: string;
  /** Hex HMAC-SHA-256 of `challenge` under the server's key. */
  signature: string;
  /** The secret number lies in 0..maxnumber. */
  maxnumber: number;
}

/** What a solved challenge looks like once decoded (the `pow` field is its base64 JSON). */
export interface PowSolution {
  algorithm: "SHA-256";
  challenge: string;
  number: number;
  salt: string;
  signature: string;
}

/**
 * - `valid`: a genuine, unexpired, never-used solution (now marked as used);
 * - `missing`: no payload at all (undefined, null or blank), e.g. a browser with JavaScript off;
 * - `invalid`: anything malformed, wrongly solved or not signed by this server's key;
 * - `expired`: a genuine solution presented after its challenge expired;
 * - `replayed`: a genuine solution that was already accepted once.
 */
export type PowVerdict = "valid" | "missing" | "invalid" | "expired" | "replayed";

export const POW_ALGORITHM = "SHA-256";
/** Default difficulty: about 25,000 hashes on average, well under a second in a browser. */
export const DEFAULT_POW_MAX_NUMBER = 50_000;
/** Default lifetime; `/assets/pow.js` fetches and solves a fresh challenge when its own is about to expire. */
export const DEFAULT_POW_EXPIRES_IN_SECONDS = 600;
/** Minimum HMAC key length in bytes. */
export const POW_MIN_KEY_BYTES = 32;
/** Payloads longer than this are rejected without being decoded (a genuine one is about 350 characters). */
export const POW_MAX_PAYLOAD_LENGTH = 1024;

/** Options with the default difficulty and lifetime and the system clock. */
export function defaultPowOptions(hmacKey: Buffer): PowOptions {
  return {
    hmacKey,
    maxNumber: DEFAULT_POW_MAX_NUMBER,
    expiresInSeconds: DEFAULT_POW_EXPIRES_IN_SECONDS,
    now: () => new Date(),
  };
}

/**
 * Throws a RangeError for a configuration mistake (short key, non-integer or non-positive difficulty or
 * lifetime). Called by {@link createPowChallenge} and {@link verifyPowSolution}; call it at start-up too.
 */
export function assertPowOptions(opts: PowOptions): void {
  if (opts.hmacKey.length < POW_MIN_KEY_BYTES) {
    throw new RangeError(`PoW: hmacKey must be at least ${POW_MIN_KEY_BYTES} bytes`);
  }
  if (!Number.isSafeInteger(opts.maxNumber) || opts.maxNumber < 1) {
    throw new RangeError("PoW: maxNumber must be a positive integer");
  }
  if (!Number.isSafeInteger(opts.expiresInSeconds) || opts.expiresInSeconds < 1) {
    throw new RangeError("PoW: expiresInSeconds must be a positive integer");
  }
}

/**
 * altcha-lib takes the HMAC key as a string (and UTF-8 encodes it); hex keeps every byte of the Buffer and
 * maps different keys to different strings.
 */
function altchaKey(hmacKey: Buffer): string {
  return hmacKey.toString("hex");
}

/** Issues a new signed challenge expiring `expiresInSeconds` after `opts.now()`. */
export async function createPowChallenge(opts: PowOptions): Promise<PowChallenge> {
  assertPowOptions(opts);
  const expires = new Date(opts.now().getTime() + opts.expiresInSeconds * 1000);
  const made = await createChallenge({
    algorithm: POW_ALGORITHM,
    hmacKey: altchaKey(opts.hmacKey),
    maxNumber: opts.maxNumber,
    expires,
  });
  return {
    algorithm: POW_ALGORITHM,
    challenge: made.challenge,
    salt: made.salt,
    signature: made.signature,
    maxnumber: opts.maxNumber,
  };
}

const HEX_64 = /^[0-9a-f]{64}$/;
/** Our salts exactly: random hex, then the one parameter `expires` and ALTCHA's closing `&`. */
const SALT = /^[0-9a-f]{8,128}\?expires=([0-9]{1,12})&$/;
/** Canonical padded standard base64, as produced by `btoa` and `Buffer#toString("base64")`. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface ParsedSolution {
  solution: PowSolution;
  expiresAtMs: number;
}

/** Decodes and type-checks a payload; `undefined` for anything that is not a well-formed solution. */
function parsePayload(payload: string): ParsedSolution | undefined {
  if (payload.length > POW_MAX_PAYLOAD_LENGTH || !BASE64.test(payload)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, "base64").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof decoded !== "object" || decoded === null || Array.isArray(decoded)) return undefined;
  const { algorithm, challenge, number, salt, signature } = decoded as Record<string, unknown>;
  if (algorithm !== POW_ALGORITHM) return undefined;
  if (typeof challenge !== "string" || !HEX_64.test(challenge)) return undefined;
  if (typeof signature !== "string" || !HEX_64.test(signature)) return undefined;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 0) return undefined;
  if (typeof salt !== "string") return undefined;
  const expires = SALT.exec(salt)?.[1];
  if (expires === undefined) return undefined;
  return {
    solution: { algorithm, challenge, number, salt, signature },
    expiresAtMs: Number(expires) * 1000,
  };
}

/**
 * Checks a `pow` payload (base64 JSON, ALTCHA v1) and, when it is valid, marks its challenge as used in
 * `replay`. Checks in order: present → well-formed and correctly signed → not expired (against
 * `opts.now()`) → not used before. Never throws for any payload; throws a RangeError only for bad `opts`.
 *
 * Declared `unknown` so a form or JSON field can be passed as is: undefined, null or a blank string is
 * `missing`, any other non-string is `invalid`.
 */
export async function verifyPowSolution(
  payload: unknown,
  opts: PowOptions,
  replay: PowReplayGuard,
): Promise<PowVerdict> {
  assertPowOptions(opts);
  if (payload === undefined || payload === null) return "missing";
  if (typeof payload !== "string") return "invalid";
  const trimmed = payload.trim();
  if (trimmed === "") return "missing";
  const parsed = parsePayload(trimmed);
  if (parsed === undefined) return "invalid";
  let genuine: boolean;
  try {
    // Expiry is checked below against the injected clock, not altcha-lib's Date.now().
    genuine = await verifySolution(parsed.solution, altchaKey(opts.hmacKey), false);
  } catch {
    genuine = false;
  }
  if (!genuine) return "invalid";
  const nowMs = opts.now().getTime();
  if (nowMs >= parsed.expiresAtMs) return "expired";
  // The claim is one check-and-set (synchronous in memory, one locked step in the database): of
  // two concurrent requests carrying the same payload, exactly one gets `valid`.
  if (!(await replay.claim(parsed.solution.challenge, parsed.expiresAtMs, nowMs))) return "replayed";
  return "valid";
}

/**
 * Remembers claimed one-time keys: true the first time a key is claimed, false for a replay.
 * {@link ReplayGuard} in memory (one process); src/web/pow/stored-replay-guard.ts in the database
 * (several instances behind a load balancer).
 */
export interface PowReplayGuard {
  claim(key: string, expiresAtMs: number, nowMs: number): boolean | Promise<boolean>;
}

export interface ReplayGuardOptions {
  /** Most entries kept at once; default 100,000 (a few tens of MB at most). */
  maxEntries?: number;
}

interface ReplayEntry {
  key: string;
  expiresAtMs: number;
}

/**
 * Remembers used one-time keys (the solved challenges) until they expire, in bounded memory.
 *
 * Expired entries are dropped on every {@link claim}. When the guard is full of unexpired entries, the one
 * expiring soonest is evicted, so a flood of more than `maxEntries` genuine solutions within one lifetime
 * could replay that one once more; whoever can solve that many challenges gains nothing from it.
 *
 * In-process only: several server processes share src/web/pow/stored-replay-guard.ts instead.
 */
export class ReplayGuard implements PowReplayGuard {
  static readonly DEFAULT_MAX_ENTRIES = 100_000;

  readonly maxEntries: number;
  readonly #expiresAt = new Map<string, number>();
  /** Binary min-heap on expiresAtMs holding exactly the keys of #expiresAt. */
  readonly #heap: ReplayEntry[] = [];

  constructor(options: ReplayGuardOptions = {}) {
    const maxEntries = options.maxEntries ?? ReplayGuard.DEFAULT_MAX_ENTRIES;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError("ReplayGuard: maxEntries must be a positive integer");
    }
    this.maxEntries = maxEntries;
  }

  /** Number of keys remembered now (expired ones may linger until the next claim). */
  get size(): number {
    return this.#expiresAt.size;
  }

  /**
   * Returns true the first time `key` is claimed, remembering it until `expiresAtMs`; false if it is
   * already remembered (a replay). A key already expired at `nowMs` is not stored: callers must reject
   * expired keys first, as {@link verifyPowSolution} does.
   */
  claim(key: string, expiresAtMs: number, nowMs: number): boolean {
    this.#dropExpired(nowMs);
    if (this.#expiresAt.has(key)) return false;
    if (expiresAtMs <= nowMs) return true;
    while (this.#heap.length >= this.maxEntries) this.#popMin();
    this.#expiresAt.set(key, expiresAtMs);
    this.#push({ key, expiresAtMs });
    return true;
  }

  #dropExpired(nowMs: number): void {
    for (let top = this.#heap[0]; top !== undefined && top.expiresAtMs <= nowMs; top = this.#heap[0]) {
      this.#popMin();
    }
  }

  #push(entry: ReplayEntry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.expiresAtMs <= entry.expiresAtMs) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  #popMin(): void {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined) return;
    this.#expiresAt.delete(top.key);
    if (heap.length === 0) return;
    // Sift `last` down from the root.
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const l = heap[left]!;
      const r = heap[right];
      const [child, c] = r !== undefined && r.expiresAtMs < l.expiresAtMs ? [right, r] : [left, l];
      if (last.expiresAtMs <= c.expiresAtMs) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }
}
