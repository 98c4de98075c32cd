import type { Logger } from "pino";
import { eraseCase } from "../commands/erase-case.js";
import type { Keyring } from "../crypto/keyring.js";
import { dueErasures, type RetentionErasure, shortestRetentionDays } from "../domain/retention/retention.js";
import type { ProgramRegistry } from "../programs/registry.js";
import { CaseErasedError } from "../store/cases.js";
import type { Store } from "../store/database.js";

/**
 * The policy's retention (`retention` in a program's policy), carried out: every closed case whose
 * days have passed loses what the rule names (src/domain/retention/retention.ts), each erasure a
 * `case.erased` event with the rule as its reason. Run daily by the job runner; any number of
 * instances may run it (a case erased twice is refused the second time and skipped).
 */

const BATCH = 200;

const REASONS: Record<RetentionErasure, string> = {
  content: "retention.caseAfterClose",
  contact: "retention.contactDetailsAfterClose",
  files: "retention.attachmentsAfterClose",
};

export interface RetentionDeps {
  store: Store;
  keyring: Keyring;
  programs: ProgramRegistry;
  logger: Logger;
}

export async function applyRetention(
  deps: RetentionDeps,
  now: Date,
): Promise<Record<RetentionErasure, number>> {
  const done: Record<RetentionErasure, number> = { content: 0, contact: 0, files: 0 };
  for (const program of deps.programs.all()) {
    const rules = program.policy.retention;
    const days = rules === undefined ? undefined : shortestRetentionDays(rules);
    if (rules === undefined || days === undefined) continue;
    const closedBefore = new Date(now.getTime() - days * 86_400_000).toISOString();
    let after = "";
    for (;;) {
      const rows = await deps.store.db
        .selectFrom("cases")
        .select(["id", "closed_at", "erased_at", "contact_erased_at", "files_erased_at"])
        .where("program", "=", program.policy.program.slug)
        .where("closed_at", "<=", closedBefore)
        .where("erased_at", "is", null)
        .where("id", ">", after)
        .orderBy("id")
        .limit(BATCH)
        .execute();
      for (const row of rows) {
        const due = dueErasures(
          rules,
          {
            closedAt: row.closed_at === null ? null : new Date(row.closed_at),
            erasedAt: null,
            contactErasedAt: row.contact_erased_at == null ? null : new Date(row.contact_erased_at),
            filesErasedAt: row.files_erased_at == null ? null : new Date(row.files_erased_at),
          },
          now,
        );
        for (const scope of due) {
          try {
            const outcome = await eraseCase(
              deps,
              row.id,
              { scope, reason: REASONS[scope], actor: "system" },
              now,
            );
            if (outcome.keys.length > 0 || Object.keys(outcome.deleted).length > 0) done[scope] += 1;
          } catch (error) {
            // Erased meanwhile by another instance's run or by hand: nothing left to do.
            if (error instanceof CaseErasedError) break;
            throw error;
          }
        }
      }
      const last = rows.at(-1);
      if (last === undefined || rows.length < BATCH) break;
      after = last.id;
    }
  }
  if (done.content + done.contact + done.files > 0) {
    // Counts only: which cases is in each case's own log.
    deps.logger.info({ erased: done }, "retention: erased what the policies no longer keep");
  }
  return done;
}
