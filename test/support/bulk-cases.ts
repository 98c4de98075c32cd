import { submitReport } from "../../src/commands/submit-report.js";
import { encryptText } from "../../src/crypto/envelope.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { aad } from "../../src/store/aad.js";
import { canonicalJson } from "../../src/store/canonical-json.js";
import { eventHash, GENESIS_HASH, payloadDigest } from "../../src/store/chain.js";
import type { Store } from "../../src/store/database.js";
import { randomId, sha256Hex } from "../../src/store/ids.js";
import type { CaseEventsTable } from "../../src/store/schema.js";
import { buildReport } from "./reports.js";

/** Rows per insert: cases' columns × this stay under both engines' bound-parameter limits. */
const BATCH = 250;

/**
 * `count` cases, the way bench/inbox.ts loads many (multi-row inserts in batches, no intake), plus
 * the one real report they are cloned from. Each has a `case.received` event chained and
 * encrypted as the store writes one, so that an audit check has a real chain to walk per case.
 * The report itself is the real report's ciphertext, cloned: such a case's chain verifies, its
 * report does not open (its AAD names the original case). Returns the number of cases made.
 */
export async function seedCases(store: Store, keyring: Keyring, count: number): Promise<number> {
  const { caseId } = await submitReport({ store, keyring }, buildReport({ attachments: [] }));
  const template = await store.db
    .selectFrom("cases")
    .selectAll()
    .where("id", "=", caseId)
    .executeTakeFirstOrThrow();
  const at = "2026-11-25T09:30:00.123Z";
  const payload = { source: "web", assetId: "acme-app" };
  const digest = payloadDigest(payload);
  for (let done = 0; done < count; done += BATCH) {
    const cases: (typeof template)[] = [];
    const events: CaseEventsTable[] = [];
    for (let i = done; i < Math.min(count, done + BATCH); i += 1) {
      const id = randomId();
      const event = {
        caseId: id,
        seq: 1,
        type: "case.received",
        actor: "reporter",
        at,
        payloadDigest: digest,
      };
      const hash = eventHash(GENESIS_HASH, event);
      cases.push({
        ...template,
        id,
        number: null,
        reporter_token_hash: sha256Hex(id),
        event_count: 1,
        last_event_hash: hash,
      });
      events.push({
        case_id: id,
        seq: 1,
        type: event.type,
        actor: event.actor,
        at,
        payload_ct: encryptText(keyring, canonicalJson(payload), aad.event(id, 1)),
        prev_hash: GENESIS_HASH,
        hash,
      });
    }
    await store.transaction(async (trx) => {
      await trx.insertInto("cases").values(cases).execute();
      await trx.insertInto("case_events").values(events).execute();
    });
  }
  return count + 1;
}
