import type { Policy } from "../../policy/schema.js";
import type { CaseClockFacts } from "../clocks/case-clocks.js";
import { type DisclosureFacts, type DisclosureStep, disclosurePhases } from "../clocks/disclosure.js";
import { userEntry } from "../notifications/recipients.js";
import {
  earliestOpenTaskDue,
  openTaskOwners,
  type PlanPhase,
  type PlanRecords,
  type PlanSteps,
  planPhases,
  planSteps,
  withMovedDates,
} from "./plan.js";

/**
 * The disclosure plan of one case as the timer worker sees it at `now`: the case's facts with the
 * dates its team moved (planDisclosure and the clocks use them), the tasks, what is owed
 * (src/domain/disclosure/plan.ts `planSteps`), the owners of open tasks (they hear of their
 * phase falling due) and the earliest open task (`cases.disclosure_due_at`). Pure.
 */
export interface DisclosurePlanWork {
  facts: DisclosureFacts;
  phases: PlanPhase[];
  steps: PlanSteps;
  /** User ids owning open tasks. */
  owners: string[];
  openDueAt: Date | null;
  /** A phase notice told to the owners of the phase's open tasks too. */
  withOwners(step: DisclosureStep): DisclosureStep;
}

export function disclosurePlanWork(
  caseId: string,
  policy: Policy,
  clockFacts: CaseClockFacts,
  records: PlanRecords,
  assignee: string | null,
  taken: ReadonlySet<string>,
  now: Date,
): DisclosurePlanWork {
  const facts = withMovedDates(clockFacts, records);
  const dated = disclosurePhases(policy, facts, now);
  const phases = planPhases(dated, facts, records, assignee);
  const steps = planSteps(caseId, policy, facts, phases, dated, records, taken, now);
  const ownersOf = new Map(phases.map((phase) => [phase.id, openTaskOwners(phase)]));
  return {
    facts,
    phases,
    steps,
    owners: [...new Set([...ownersOf.values()].flat())],
    openDueAt: earliestOpenTaskDue(phases),
    withOwners: (step) =>
      step.kind !== "phase"
        ? step
        : { ...step, notify: [...step.notify, ...(ownersOf.get(step.phase.id) ?? []).map(userEntry)] },
  };
}
