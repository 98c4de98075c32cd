import type { KeySource } from "../crypto/envelope.js";
import { encryptText } from "../crypto/envelope.js";
import { aad } from "./aad.js";
import { canonicalJson } from "./canonical-json.js";
import { eventHash, payloadDigest } from "./chain.js";
import type { Actor, CaseEvent } from "./events.js";
import type { CaseEventsTable } from "./schema.js";

/** Where a case's chain ends: the values kept on the cases row. */
export interface ChainHead {
  eventCount: number;
  lastEventHash: string;
}

export type NewEvent = CaseEvent & { actor: Actor; at: Date };

/**
 * Turns new events into case_events rows that continue the chain from `head`: numbered, payload
 * encrypted (AAD bound to case and seq), hashed. Pure apart from the random IVs; the caller
 * inserts the rows and stores the returned head on the case in the same transaction.
 */
export function chainEvents(
  keyring: KeySource,
  caseId: string,
  head: ChainHead,
  events: readonly NewEvent[],
): { rows: CaseEventsTable[]; head: ChainHead } {
  let { eventCount, lastEventHash } = head;
  const rows = events.map((event): CaseEventsTable => {
    const seq = eventCount + 1;
    const at = event.at.toISOString();
    const plaintext = canonicalJson(event.payload);
    const hash = eventHash(lastEventHash, {
      caseId,
      seq,
      type: event.type,
      actor: event.actor,
      at,
      payloadDigest: payloadDigest(event.payload),
    });
    const row: CaseEventsTable = {
      case_id: caseId,
      seq,
      type: event.type,
      actor: event.actor,
      at,
      payload_ct: encryptText(keyring, plaintext, aad.event(caseId, seq)),
      prev_hash: lastEventHash,
      hash,
    };
    eventCount = seq;
    lastEventHash = hash;
    return row;
  });
  return { rows, head: { eventCount, lastEventHash } };
}
