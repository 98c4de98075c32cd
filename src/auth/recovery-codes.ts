import { randomInt } from "node:crypto";
import { hashPassword, verifyPassword } from "./passwords.js";

/**
 * Recovery codes: the way in when the authenticator is lost. Ten codes of ten base32
 * characters (50 random bits each), shown once, stored only as argon2id hashes (a stolen
 * database does not give them away cheaply), each usable once: a used code's hash is removed.
 */
export const RECOVERY_CODE_COUNT = 10;
const LENGTH = 10;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** A new code, shown as `xxxxx-xxxxx`. */
function newCode(): string {
  let code = "";
  for (let i = 0; i < LENGTH; i += 1) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** What people type back: case, spaces and the dash do not matter. */
export function normalizeRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, "");
}

export function looksLikeRecoveryCode(input: string): boolean {
  return new RegExp(`^[${ALPHABET}]{${LENGTH}}$`).test(normalizeRecoveryCode(input));
}

/** New codes to show once, and the JSON of their hashes to store. */
export async function newRecoveryCodes(): Promise<{ codes: string[]; hashesJson: string }> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  const hashes = await Promise.all(codes.map((code) => hashPassword(normalizeRecoveryCode(code))));
  return { codes, hashesJson: JSON.stringify(hashes) };
}

export function parseRecoveryHashes(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/**
 * Finds the stored hash `input` matches. Returns the hashes JSON without it (to store, with a
 * compare-and-set on the old value so a code cannot be used twice concurrently), or undefined.
 */
export async function useRecoveryCode(
  hashesJson: string,
  input: string,
): Promise<{ remainingJson: string; remaining: number } | undefined> {
  if (!looksLikeRecoveryCode(input)) return undefined;
  const code = normalizeRecoveryCode(input);
  const hashes = parseRecoveryHashes(hashesJson);
  for (const [index, hash] of hashes.entries()) {
    if (await verifyPassword(hash, code)) {
      const remaining = hashes.filter((_, i) => i !== index);
      return { remainingJson: JSON.stringify(remaining), remaining: remaining.length };
    }
  }
  return undefined;
}
