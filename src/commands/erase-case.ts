import { sql } from "kysely";
import { caseKeyId } from "../crypto/case-key-ids.js";
import { type ErasureOutcome, type ErasureScope, eraseCaseData } from "../store/erasure.js";
import type { Actor } from "../store/events.js";
import { InvalidCaseCommandError } from "../store/staff-errors.js";
import { type CaseDeps, changeCase } from "./case-change.js";

/**
 * Erases a case's content, or only the reporter's contact details, or only its files
 * (src/store/erasure.ts), and records it as a `case.erased` event: for a reporter's request
 * (`embargo erase`) or the policy's retention (src/jobs/retention.ts). One transaction: either
 * everything is erased and recorded, or nothing is.
 */
export async function eraseCase(
  deps: CaseDeps,
  caseId: string,
  request: { scope: ErasureScope; reason: string; actor: Actor },
  at: Date,
): Promise<ErasureOutcome> {
  const reason = request.reason.trim();
  if (reason.length === 0 || reason.length > 500) {
    throw new InvalidCaseCommandError("reason", "say why the data is erased, in at most 500 characters");
  }
  try {
    const outcome = await deps.store.transaction((trx) =>
      changeCase(trx, deps, { id: caseId }, at, async (row) => {
        // Already done (another instance's retention run got there first): nothing to write.
        const done =
          request.scope === "contact"
            ? row.contact_erased_at
            : request.scope === "files"
              ? row.files_erased_at
              : null;
        if ((done ?? null) !== null) return { result: { keys: [], deleted: {} }, events: [] };
        const { outcome, set } = await eraseCaseData(
          trx,
          deps.store.dialect,
          deps.keyring,
          row,
          request.scope,
          at,
        );
        return {
          result: outcome,
          set,
          // The record of the erasure outlives any later erasure of the case's content.
          underDataKey: true,
          events: [
            {
              type: "case.erased",
              actor: request.actor,
              at,
              payload: { scope: request.scope, reason, keys: outcome.keys, deleted: outcome.deleted },
            },
          ],
        };
      }),
    );
    if (deps.store.dialect === "sqlite") {
      // Copies the zeroed pages into the database file and empties the log, so the old wrapped key
      // is not left in the WAL (best effort: a reader still open keeps the log until it is done).
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(deps.store.db);
    }
    return outcome;
  } catch (error) {
    // Rolled back: the keys were not destroyed after all; read them again when next needed.
    deps.keyring.forgetCaseKey(caseKeyId(caseId, "content"));
    deps.keyring.forgetCaseKey(caseKeyId(caseId, "contact"));
    throw error;
  }
}
