import { describe, expect, it } from "vitest";
import { acmePolicy } from "../../../test/support/acme-policy.js";
import { caseFactsAt } from "../../../test/support/case-facts.js";
import type { CaseClockFacts } from "../clocks/case-clocks.js";
import { disclosurePhases, embargoEnd } from "../clocks/disclosure.js";
import {
  decideMove,
  NO_PLAN_RECORDS,
  type PlanRecords,
  planPhases,
  planSteps,
  withMovedDates,
} from "./plan.js";

const RECEIVED = new Date("2026-11-25T10:00:00Z");
const DAY = 86_400_000;
const at = (ms: number) => new Date(RECEIVED.getTime() + ms);

const POLICY = acmePolicy({
  contacts: [{ id: "lead", name: "Lea", roles: ["point-of-contact", "lead"], email: "lea@acme.example" }],
  disclosure: {
    embargo: { within: { days: 60 } },
    phases: [
      {
        id: "last",
        name: "Last",
        day: 90,
        audiences: ["reporter"],
        actions: [
          { kind: "allow-reporter-disclosure", text: "Let the reporter disclose" },
          { kind: "credit-reporter", text: "Credit" },
          { kind: "close-case", text: "Close" },
        ],
      },
    ],
  },
});

const facts = (overrides: Partial<CaseClockFacts> = {}): CaseClockFacts => caseFactsAt(RECEIVED, overrides);
const released = facts({ fixReleasedAt: at(0) });

function plan(f: CaseClockFacts, records: PlanRecords, now: Date) {
  const moved = withMovedDates(f, records);
  return planPhases(disclosurePhases(POLICY, moved, now), moved, records, "u1");
}

describe("the disclosure plan's tasks", () => {
  it("closes the close-case task only when the case is closed as resolved; a case closed otherwise owes none", () => {
    const open = plan(released, NO_PLAN_RECORDS, at(DAY))[0]!;
    expect(open.tasks.map((task) => [task.kind, task.by, task.done])).toEqual([
      ["allow-reporter-disclosure", "system", null],
      ["credit-reporter", "team", null],
      ["close-case", "system", null],
    ]);
    const resolved = plan(
      { ...released, closedAt: at(2 * DAY), outcome: "resolved" },
      NO_PLAN_RECORDS,
      at(3 * DAY),
    );
    expect(resolved[0]!.tasks[2]!.done).toEqual({ at: at(2 * DAY), actor: "system" });
    const dropped = plan(
      { ...released, closedAt: at(2 * DAY), outcome: "informative" },
      NO_PLAN_RECORDS,
      at(3 * DAY),
    );
    expect(dropped[0]!.tasks).toEqual([]);
  });

  it("refuses moving a date the reporter sees once it passed, and any move without a reason", () => {
    const now = at(DAY);
    const phases = disclosurePhases(POLICY, released, now);
    const embargo = embargoEnd(POLICY, released, now);
    expect(
      decideMove(POLICY, embargo, phases, { what: "phase:last", to: at(100 * DAY), reason: " " }, now),
    ).toMatchObject({
      ok: false,
      field: "reason",
    });
    expect(
      decideMove(POLICY, embargo, phases, { what: "embargo", to: at(70 * DAY), reason: "why" }, now),
    ).toEqual({
      ok: true,
      from: at(60 * DAY),
      reporterSees: true,
    });
    const late = at(61 * DAY);
    const lateEmbargo = embargoEnd(POLICY, released, late);
    expect(
      decideMove(POLICY, lateEmbargo, phases, { what: "embargo", to: at(70 * DAY), reason: "why" }, late),
    ).toMatchObject({ ok: false, field: "what" });
  });

  it("owes the reporter each notice once and escalates open team tasks a day late to the lead contacts", () => {
    const now = at(91 * DAY);
    const moved = withMovedDates(released, NO_PLAN_RECORDS);
    const dated = disclosurePhases(POLICY, moved, now);
    const phases = planPhases(dated, moved, NO_PLAN_RECORDS, "u1");
    const steps = planSteps("c1", POLICY, moved, phases, dated, NO_PLAN_RECORDS, new Set(), now);
    expect(steps.reporter.map((step) => step.key)).toEqual([
      "c1:reporter:embargo-ended",
      "c1:reporter:may-publish",
    ]);
    expect(steps.escalations.map((step) => [step.task.kind, step.notify])).toEqual([
      ["credit-reporter", ["lead"]],
      ["close-case", ["lead"]],
    ]);
    const told: PlanRecords = {
      ...NO_PLAN_RECORDS,
      told: steps.reporter.map((step) => ({
        key: step.key,
        kind: step.kind,
        date: step.date,
        mailed: true,
        at: now,
      })),
    };
    const again = planSteps(
      "c1",
      POLICY,
      moved,
      planPhases(dated, moved, told, "u1"),
      dated,
      told,
      new Set(steps.escalations.map((step) => step.idempotencyKey)),
      at(200 * DAY),
    );
    expect(again).toEqual({ reporter: [], escalations: [], nextAt: null });
  });
});
