import { Id as PolicyId } from "../policy/schema.js";
import type { CasesTable } from "../store/schema.js";
import { InvalidCaseCommandError } from "../store/staff-errors.js";
import type { TriageDiff } from "../store/staff-events.js";
import {
  type CvssValue,
  checkActor,
  checkCvss,
  checkDate,
  checkPriority,
  checkSeverity,
  normaliseCwe,
  normaliseTags,
  type Priority,
  type Severity,
  type TeamActor,
} from "../store/staff-validation.js";

import { type CaseChanges, type CaseDeps, runCaseCommand } from "./case-change.js";

const cvssOf = (vector: string | null, score: number | null): CvssValue | null =>
  vector === null || score === null ? null : { vector, score };

// ---------------------------------------------------------------------------------------------
// Triage

/** Fields to change; a field left out stays as it is, null clears it. */
export interface TriageChanges {
  priority?: Priority | null;
  dueAt?: Date | null;
  severity?: Severity | null;
  cvss31?: CvssValue | null;
  cvss40?: CvssValue | null;
  cwe?: string | null;
  /** One of the program's scope asset ids (checked against the policy above the store). */
  assetId?: string | null;
  tags?: string[];
}

/**
 * Applies triage changes as one `case.triage_updated` event whose payload is the diff,
 * `{field: {from, to}}`, of the fields that actually changed; nothing changed, nothing written.
 */
export async function updateTriage(
  deps: CaseDeps,
  caseId: string,
  actor: TeamActor,
  changes: TriageChanges,
  at: Date,
): Promise<{ changed: boolean; diff: TriageDiff }> {
  checkActor(actor);
  const wanted = checkTriage(changes);
  return runCaseCommand<{ changed: boolean; diff: TriageDiff }>(
    deps,
    { id: caseId },
    at,
    async (row, trx) => {
      const diff: TriageDiff = {};
      const set: CaseChanges = {};
      const scalar = <K extends "priority" | "due_at" | "severity" | "cwe" | "asset_id">(
        field: string,
        column: K,
        value: CasesTable[K] | undefined,
      ) => {
        if (value === undefined || value === row[column]) return;
        diff[field] = { from: row[column], to: value };
        set[column] = value;
      };
      scalar("priority", "priority", wanted.priority);
      scalar("dueAt", "due_at", wanted.dueAt);
      scalar("severity", "severity", wanted.severity);
      scalar("cwe", "cwe", wanted.cwe);
      scalar("assetId", "asset_id", wanted.assetId);
      for (const [field, value, current] of [
        ["cvss31", wanted.cvss31, cvssOf(row.cvss31_vector, row.cvss31_score)],
        ["cvss40", wanted.cvss40, cvssOf(row.cvss40_vector, row.cvss40_score)],
      ] as const) {
        if (value === undefined || (value?.vector === current?.vector && value?.score === current?.score))
          continue;
        diff[field] = { from: current, to: value };
        if (field === "cvss31") {
          set.cvss31_vector = value?.vector ?? null;
          set.cvss31_score = value?.score ?? null;
        } else {
          set.cvss40_vector = value?.vector ?? null;
          set.cvss40_score = value?.score ?? null;
        }
      }
      let newTags: string[] | undefined;
      if (wanted.tags !== undefined) {
        const current = (
          await trx
            .selectFrom("case_tags")
            .select("tag")
            .where("case_id", "=", row.id)
            .orderBy("tag")
            .execute()
        ).map((tag) => tag.tag);
        if (current.join("\n") !== wanted.tags.join("\n")) {
          diff.tags = { from: current, to: wanted.tags };
          newTags = wanted.tags;
        }
      }
      if (Object.keys(diff).length === 0) return { result: { changed: false, diff }, events: [] };
      return {
        result: { changed: true, diff },
        events: [{ type: "case.triage_updated", actor, at, payload: diff }],
        set,
        write: async (trx) => {
          if (newTags === undefined) return;
          await trx.deleteFrom("case_tags").where("case_id", "=", row.id).execute();
          if (newTags.length > 0) {
            await trx
              .insertInto("case_tags")
              .values(newTags.map((tag) => ({ case_id: row.id, tag })))
              .execute();
          }
        },
      };
    },
  );
}

interface CheckedTriage {
  priority?: Priority | null;
  dueAt?: string | null;
  severity?: Severity | null;
  cvss31?: CvssValue | null;
  cvss40?: CvssValue | null;
  cwe?: string | null;
  assetId?: string | null;
  tags?: string[];
}

function checkTriage(changes: TriageChanges): CheckedTriage {
  const checked: CheckedTriage = {};
  const { priority, dueAt, severity, cvss31, cvss40, cwe, assetId, tags } = changes;
  if (priority !== undefined) checked.priority = priority === null ? null : checkPriority(priority);
  if (dueAt !== undefined) checked.dueAt = dueAt === null ? null : checkDate(dueAt, "dueAt");
  if (severity !== undefined) checked.severity = severity === null ? null : checkSeverity(severity);
  if (cvss31 !== undefined) checked.cvss31 = cvss31 === null ? null : checkCvss("3.1", cvss31);
  if (cvss40 !== undefined) checked.cvss40 = cvss40 === null ? null : checkCvss("4.0", cvss40);
  if (cwe !== undefined) checked.cwe = cwe === null ? null : normaliseCwe(cwe);
  if (assetId !== undefined) {
    if (assetId !== null && !PolicyId.safeParse(assetId).success) {
      throw new InvalidCaseCommandError("assetId", "an asset id is a policy id (lower case, digits, -)");
    }
    checked.assetId = assetId;
  }
  if (tags !== undefined) checked.tags = normaliseTags(tags);
  return checked;
}
