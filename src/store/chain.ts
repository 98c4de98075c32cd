import { canonicalJson, type Json } from "./canonical-json.js";
import { sha256Hex } from "./ids.js";

/**
 * The per-case hash chain over case_events:
 *   hash = sha256hex(prev_hash + "\n" + canonicalJson({caseId, seq, type, actor, at, payloadDigest}))
 * with payloadDigest = sha256hex(canonical plaintext payload JSON). Hashing the plaintext's
 * digest rather than the ciphertext keeps the chain valid when keys rotate (the ciphertext
 * changes, the content does not), while any change to the content breaks it.
 */
export const GENESIS_HASH = "0".repeat(64);

export interface ChainedFields {
  caseId: string;
  seq: number;
  type: string;
  actor: string;
  /** ISO-8601, exactly as stored. */
  at: string;
  payloadDigest: string;
}

export function payloadDigest(payload: Json): string {
  return sha256Hex(canonicalJson(payload));
}

export function eventHash(prevHash: string, fields: ChainedFields): string {
  const { caseId, seq, type, actor, at, payloadDigest } = fields;
  return sha256Hex(`${prevHash}\n${canonicalJson({ caseId, seq, type, actor, at, payloadDigest })}`);
}
