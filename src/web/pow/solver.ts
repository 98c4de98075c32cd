/**
 * Node solver for PoW challenges (tests, and API clients written in Node): brute-forces
 * `SHA-256(salt + n) === challenge` for n = 0..maxnumber, like ALTCHA's own solver, and returns the payload
 * to send as `pow`.
 */
import { createHash } from "node:crypto";
import type { PowChallenge, PowSolution } from "./challenge.js";

export interface SolvePowOptions {
  /** Stops the search; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Candidates hashed between two turns of the event loop. */
const BATCH = 10_000;
/** ALTCHA's default when a challenge carries no maxnumber. */
const DEFAULT_MAX = 1_000_000;

/**
 * Finds the number and returns `base64(JSON {algorithm, challenge, number, salt, signature})`.
 * Yields to the event loop every 10,000 candidates.
 * @throws Error if the challenge is not a SHA-256 one or no number in 0..maxnumber solves it.
 */
export async function solvePowChallenge(
  challenge: Pick<PowChallenge, "algorithm" | "challenge" | "salt" | "signature"> & { maxnumber?: number },
  options: SolvePowOptions = {},
): Promise<string> {
  if (challenge.algorithm !== "SHA-256") {
    throw new Error(`PoW: unsupported algorithm ${JSON.stringify(challenge.algorithm)}`);
  }
  const max = challenge.maxnumber ?? DEFAULT_MAX;
  if (!Number.isSafeInteger(max) || max < 0) throw new Error("PoW: maxnumber must be a non-negative integer");
  const target = challenge.challenge.toLowerCase();
  for (let start = 0; start <= max; start += BATCH) {
    options.signal?.throwIfAborted();
    const end = Math.min(start + BATCH - 1, max);
    for (let n = start; n <= end; n++) {
      if (
        createHash("sha256")
          .update(challenge.salt + n)
          .digest("hex") === target
      ) {
        const solution: PowSolution = {
          algorithm: "SHA-256",
          challenge: challenge.challenge,
          number: n,
          salt: challenge.salt,
          signature: challenge.signature,
        };
        return Buffer.from(JSON.stringify(solution), "utf8").toString("base64");
      }
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`PoW: no number in 0..${max} solves the challenge`);
}
