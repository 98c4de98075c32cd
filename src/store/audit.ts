import { decryptText, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { aad } from "./aad.js";
import type { Json } from "./canonical-json.js";
import { eventHash, GENESIS_HASH, payloadDigest } from "./chain.js";
import type { Store } from "./database.js";
import type { CaseEventsTable } from "./schema.js";

export type AuditResult =
  | { ok: true; cases: number; events: number }
  | { ok: false; caseId: string; seq: number; reason: string };

type Problem = { seq: number; reason: string };

const CASES_PER_PAGE = 200;

/**
 * Walks every case's event chain and names the first event that does not match: a gap in the
 * sequence, a broken prev_hash link, a payload that does not decrypt (tampered or moved; an
 * erased payload is checked by the digest kept when it was erased), a hash
 * that does not match the event's contents, or a case row whose event_count / last_event_hash
 * disagree with its log (events deleted or appended behind the application's back).
 * `onProgress` hears the cases verified of those there were when it began.
 */
export async function verifyAuditChains(
  store: Store,
  keyring: Keyring,
  onProgress?: (done: number, total: number) => void,
): Promise<AuditResult> {
  // Counted only for a caller that shows progress: one more query over the whole table.
  const total = onProgress === undefined ? 0 : await countCases(store);
  onProgress?.(0, total);
  let cases = 0;
  let events = 0;
  let after: string | undefined;
  for (;;) {
    const page = await store.db
      .selectFrom("cases")
      .select(["id", "event_count", "last_event_hash"])
      .$if(after !== undefined, (query) => query.where("id", ">", after ?? ""))
      .orderBy("id")
      .limit(CASES_PER_PAGE)
      .execute();
    for (const row of page) {
      const log = await store.db
        .selectFrom("case_events")
        .selectAll()
        .where("case_id", "=", row.id)
        .orderBy("seq")
        .execute();
      await keyring.ensure(log.map((event) => keyIdOf(event.payload_ct)));
      const problem = verifyChain(keyring, row.id, log) ?? verifyHead(row, log);
      if (problem !== undefined) return { ok: false, caseId: row.id, ...problem };
      cases += 1;
      events += log.length;
      onProgress?.(cases, total);
    }
    const last = page.at(-1);
    if (last === undefined || page.length < CASES_PER_PAGE) return { ok: true, cases, events };
    after = last.id;
  }
}

async function countCases(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom("cases")
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirst();
  // PostgreSQL's count is a bigint, which pg hands over as a string.
  return Number(row?.n ?? 0);
}

function verifyChain(keyring: Keyring, caseId: string, log: readonly CaseEventsTable[]): Problem | undefined {
  let prevHash = GENESIS_HASH;
  for (const [index, event] of log.entries()) {
    const seq = index + 1;
    if (event.seq !== seq)
      return { seq, reason: `event #${seq} is missing (the log jumps to #${event.seq})` };
    if (event.prev_hash !== prevHash) {
      return {
        seq,
        reason:
          seq === 1 ? "prev_hash is not the chain's start" : `prev_hash does not match event #${seq - 1}`,
      };
    }
    let digest: string;
    if (keyring.erased(keyIdOf(event.payload_ct))) {
      // Erased (src/store/erasure.ts): the digest kept at erasure stands in for the plaintext.
      if (event.payload_digest == null)
        return { seq, reason: "the payload is erased but its digest is missing" };
      digest = event.payload_digest;
    } else {
      let payload: Json;
      try {
        payload = JSON.parse(decryptText(keyring, event.payload_ct, aad.event(caseId, seq)));
      } catch (error) {
        return {
          seq,
          reason: `payload does not decrypt: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
      digest = payloadDigest(payload);
    }
    const expected = eventHash(prevHash, {
      caseId,
      seq,
      type: event.type,
      actor: event.actor,
      at: event.at,
      payloadDigest: digest,
    });
    if (event.hash !== expected) return { seq, reason: "hash does not match the event's contents" };
    prevHash = event.hash;
  }
  return undefined;
}

function verifyHead(
  row: { event_count: number; last_event_hash: string },
  log: readonly CaseEventsTable[],
): Problem | undefined {
  if (row.event_count !== log.length) {
    const seq = Math.min(row.event_count, log.length) + 1;
    return { seq, reason: `the case records ${row.event_count} events, its log holds ${log.length}` };
  }
  const lastHash = log.at(-1)?.hash ?? GENESIS_HASH;
  if (row.last_event_hash !== lastHash) {
    return { seq: log.length, reason: "the case's last_event_hash does not match its last event" };
  }
  return undefined;
}
