import { type Algorithm, hash, verify } from "@node-rs/argon2";

/**
 * Staff passwords: argon2id with OWASP's minimum parameters (m = 19 MiB, t = 2, p = 1), a
 * random 16-byte salt per hash, stored as the PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
 * Verification is argon2's own (it recomputes the hash and compares in constant time).
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;

const ARGON2ID: Algorithm = 2;
export const ARGON2_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
} as const;

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string, email?: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  if (email !== undefined && password.trim().toLowerCase() === email.trim().toLowerCase())
    return "Do not use your email address as your password.";
  return undefined;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** True when `password` matches `phc`; false (never an exception) for anything malformed. */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX_LENGTH * 4) return false;
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one verification and answers false: used when the email is unknown (or
 * has no password yet), so the response time does not tell which emails have accounts.
 */
export async function verifyNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword("embargo: no such account, this never matches");
  await verifyPassword(await dummyHash, password);
  return false;
}
