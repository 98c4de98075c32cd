import type { Kysely, Transaction } from "kysely";
import { keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { aad } from "./aad.js";
import type { Json } from "./canonical-json.js";
import { openEventPayload } from "./case-keys.js";
import type { DatabaseSchema } from "./schema.js";

/** One decrypted event of a case, as the commands that rule on a case's history read it. */
export interface DecryptedEvent {
  seq: number;
  type: string;
  actor: string;
  at: Date;
  payload: Json;
}

/**
 * The case's events of the given types, oldest first, decrypted: for commands whose rules depend
 * on what happened before (phases taken, checklist items checked), inside their transaction.
 */
export async function caseEventsOfTypes(
  db: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>,
  keyring: Keyring,
  caseId: string,
  types: readonly string[],
): Promise<DecryptedEvent[]> {
  if (types.length === 0) return [];
  const rows = await db
    .selectFrom("case_events")
    .select(["seq", "type", "actor", "at", "payload_ct"])
    .where("case_id", "=", caseId)
    .where("type", "in", [...types])
    .orderBy("seq")
    .execute();
  await keyring.ensure(
    rows.map((row) => keyIdOf(row.payload_ct)),
    db,
  );
  return rows.map((row) => ({
    seq: row.seq,
    type: row.type,
    actor: row.actor,
    at: new Date(row.at),
    payload: openEventPayload(keyring, row.payload_ct, aad.event(caseId, row.seq)),
  }));
}
