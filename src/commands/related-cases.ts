import { z } from "zod";
import { checklistKey } from "../domain/incident/register.js";
import type { Json } from "../store/canonical-json.js";
import { looksLikeCaseId } from "../store/case-lookup.js";
import { InvalidCaseCommandError } from "../store/staff-errors.js";
import type { Trx } from "./case-change.js";

/**
 * An incident phase's related-cases task (`incident.phases[].relatedCasesTask`, privacytools' "audit
 * for similar problems"): a checklist item of the phase whose mark (`case.checklist_marked`) also
 * carries `related`, the ids of the cases of the same program the team found. The phase completes
 * only once it is checked (src/commands/incident-work.ts).
 */

export const MAX_RELATED_CASES = 50;
/** The form and API field that shows a refusal. */
export const RELATED_FIELD = "related";

/** A phase as far as this task goes (the policy's phase). */
export interface PhaseWithRelatedTask {
  id: string;
  relatedCasesTask?: string | undefined;
}

/** The task as a checklist item of its phase, or undefined when the phase has none. */
export function relatedCasesItem(phase: PhaseWithRelatedTask): { key: string; text: string } | undefined {
  const text = phase.relatedCasesTask;
  return text === undefined ? undefined : { key: checklistKey(text), text };
}

/** Whether `list` and `key` name `phases`' related-cases task. */
export function isRelatedCasesItem(
  phases: readonly PhaseWithRelatedTask[],
  list: string,
  key: string,
): boolean {
  return phases.some((phase) => list === `phase:${phase.id}` && relatedCasesItem(phase)?.key === key);
}

const relatedPayload = z.object({
  list: z.string(),
  key: z.string(),
  related: z.array(z.string()).optional(),
});

/** The cases linked by the latest mark of the item (`list`, `key`), from the case's events. */
export function linkedCasesOf(
  events: readonly { type: string; payload: Json }[],
  list: string,
  key: string,
): string[] {
  let linked: string[] = [];
  for (const event of events) {
    if (event.type !== "case.checklist_marked") continue;
    const parsed = relatedPayload.safeParse(event.payload);
    if (parsed.success && parsed.data.list === list && parsed.data.key === key)
      linked = parsed.data.related ?? [];
  }
  return linked;
}

/**
 * The related cases as typed: trimmed, each once, in order; each must be another case of the
 * program (an unknown id and another program's case get the same answer: nothing tells them apart).
 */
export async function checkRelatedCases(
  trx: Trx,
  program: string,
  caseId: string,
  typed: readonly string[],
): Promise<string[]> {
  const ids = [...new Set(typed.map((id) => id.trim().toLowerCase()).filter((id) => id !== ""))];
  if (ids.length > MAX_RELATED_CASES)
    throw new InvalidCaseCommandError(RELATED_FIELD, `link at most ${MAX_RELATED_CASES} related cases`);
  const self = ids.find((id) => id === caseId);
  if (self !== undefined) throw new InvalidCaseCommandError(RELATED_FIELD, "a case is not related to itself");
  const wellFormed = ids.filter(looksLikeCaseId);
  const found =
    wellFormed.length === 0
      ? []
      : await trx
          .selectFrom("cases")
          .select("id")
          .where("program", "=", program)
          .where("id", "in", wellFormed)
          .execute();
  const known = new Set(found.map((row) => row.id));
  const unknown = ids.find((id) => !known.has(id));
  if (unknown !== undefined)
    throw new InvalidCaseCommandError(
      RELATED_FIELD,
      `"${unknown.slice(0, 64)}" is not a case of this program`,
    );
  return ids;
}
