import * as openpgp from "openpgp";
import { expect } from "vitest";
import type { PgpDetection } from "../../src/mail/pgp-mime.js";

/**
 * Shared by the src/mail/pgp-mime*.test.ts files: the three parties' key pairs, the outer headers
 * of a reply, and a way to narrow a detection to the kind a test expects.
 */

export interface Pair {
  privateKey: openpgp.PrivateKey;
  publicKey: openpgp.PublicKey;
}

export interface Parties {
  program: Pair;
  reporter: Pair;
  stranger: Pair;
}

/** Fresh keys for the program, a reporter and a stranger (call it in beforeAll). */
export async function makeParties(): Promise<Parties> {
  const make = async (email: string): Promise<Pair> => {
    const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ email }], format: "object" });
    return { privateKey, publicKey };
  };
  const [program, reporter, stranger] = await Promise.all([
    make("security@acme.example"),
    make("rep@example.net"),
    make("mallory@example.net"),
  ]);
  return { program, reporter, stranger };
}

export const crlf = (...lines: string[]): string => lines.join("\r\n");

export const outer = {
  from: "Acme PSIRT <security@acme.example>",
  to: "Reporter <rep@example.net>",
  subject: "Update on your report",
  messageId: "<0123abcd@acme.example>",
  inReplyTo: "<first@example.net>",
  references: ["<first@example.net>"],
  headers: { "Auto-Submitted": "auto-replied" },
};

export function expectKind<K extends PgpDetection["kind"]>(
  detection: PgpDetection,
  kind: K,
): Extract<PgpDetection, { kind: K }> {
  expect(detection.kind).toBe(kind);
  return detection as Extract<PgpDetection, { kind: K }>;
}
