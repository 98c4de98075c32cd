import { beforeAll, describe, expect, it } from "vitest";
import { loadPolicyFile } from "../../policy/loader.js";
import {
  decidePhase,
  type PhaseRecord,
  type PolicyPhase,
  phaseStates,
  REPORTER_INVITATION,
} from "./phases.js";

let kitsu: PolicyPhase[];
beforeAll(async () => {
  const loaded = await loadPolicyFile("examples/policies/kitsu.yaml");
  if (loaded.policy === undefined) throw new Error(JSON.stringify(loaded.problems));
  kitsu = loaded.policy.policy.incident.phases;
});

const start = (phaseId: string): PhaseRecord => ({ phaseId, action: "start" });

describe("incident phases (Kitsu's four)", () => {
  it("has assessment, containment, remediation, postmortem", () => {
    expect(kitsu.map((phase) => phase.id)).toEqual([
      "assessment",
      "containment",
      "remediation",
      "postmortem",
    ]);
  });

  it("starts the first phase and tells the reporter what it is", () => {
    const decision = decidePhase(kitsu, [], { phaseId: "assessment", action: "start" });
    expect(decision).toMatchObject({
      ok: true,
      reporterMessage: "We started: Assessment — Find the root cause, nature and scope of the issue.",
    });
  });

  it("goes in order: a phase waits for the ones before it to be started or skipped", () => {
    const refused = decidePhase(kitsu, [], { phaseId: "remediation", action: "start" });
    expect(refused).toMatchObject({ ok: false, code: "out-of-order" });
    if (!refused.ok) expect(refused.message).toContain("Assessment comes before Remediation");
    expect(
      decidePhase(kitsu, [start("assessment")], { phaseId: "remediation", action: "start" }),
    ).toMatchObject({
      ok: false,
      code: "out-of-order",
    });
    expect(decidePhase(kitsu, [], { phaseId: "containment", action: "skip" })).toMatchObject({
      ok: false,
      code: "out-of-order",
    });
  });

  it("skips only skippable phases, and tells the reporter when the policy says so", () => {
    const skipped = decidePhase(kitsu, [start("assessment")], { phaseId: "containment", action: "skip" });
    expect(skipped).toMatchObject({
      ok: true,
      reporterMessage: "We skipped Containment and went on to Remediation.",
    });
    const records = [start("assessment"), { phaseId: "containment", action: "skip" } as const];
    expect(decidePhase(kitsu, records, { phaseId: "remediation", action: "skip" })).toMatchObject({
      ok: false,
      code: "not-skippable",
    });
    expect(decidePhase(kitsu, records, { phaseId: "remediation", action: "start" })).toMatchObject({
      ok: true,
      reporterMessage:
        "We started: Remediation — The long-term fix, which may involve larger changes than containment.",
    });
  });

  it("never starts a phase twice and completes only started phases, once", () => {
    expect(
      decidePhase(kitsu, [start("assessment")], { phaseId: "assessment", action: "start" }),
    ).toMatchObject({
      ok: false,
      code: "already-done",
    });
    expect(decidePhase(kitsu, [], { phaseId: "assessment", action: "complete" })).toMatchObject({
      ok: false,
      code: "not-started",
    });
    const done = [start("assessment"), { phaseId: "assessment", action: "complete" } as const];
    expect(decidePhase(kitsu, done, { phaseId: "assessment", action: "complete" })).toMatchObject({
      ok: false,
      code: "already-done",
    });
    expect(decidePhase(kitsu, done, { phaseId: "assessment", action: "start" })).toMatchObject({
      ok: false,
      code: "already-done",
    });
    expect(
      decidePhase(kitsu, [start("assessment")], { phaseId: "assessment", action: "complete" }),
    ).toMatchObject({
      ok: true,
      reporterMessage: "We completed: Assessment.",
    });
  });

  it("says a public announcement follows remediation, and invites the reporter to the postmortem", () => {
    const records: PhaseRecord[] = [
      start("assessment"),
      { phaseId: "containment", action: "skip" },
      start("remediation"),
    ];
    expect(decidePhase(kitsu, records, { phaseId: "remediation", action: "complete" })).toMatchObject({
      ok: true,
      reporterMessage: "We completed: Remediation. A public announcement follows.",
    });
    const postmortem = decidePhase(kitsu, records, { phaseId: "postmortem", action: "start" });
    expect(postmortem.ok && postmortem.reporterMessage).toBe(
      `We started: Postmortem — ${kitsu[3]?.description} ${REPORTER_INVITATION}`,
    );
  });

  it("refuses phases the policy does not have, and keeps quiet when the policy does not notify", () => {
    expect(decidePhase(kitsu, [], { phaseId: "nope", action: "start" })).toMatchObject({
      ok: false,
      code: "unknown-phase",
    });
    const quiet = kitsu.map((phase) => ({
      ...phase,
      notifyReporter: false,
      notifyReporterWhenSkipped: false,
    }));
    expect(decidePhase(quiet, [], { phaseId: "assessment", action: "start" })).toMatchObject({
      ok: true,
      reporterMessage: null,
    });
    expect(
      decidePhase(quiet, [start("assessment")], { phaseId: "containment", action: "skip" }),
    ).toMatchObject({
      ok: true,
      reporterMessage: null,
    });
  });

  it("lists each phase's state", () => {
    const states = phaseStates(kitsu, [
      start("assessment"),
      { phaseId: "assessment", action: "complete" },
      { phaseId: "containment", action: "skip" },
      start("remediation"),
      start("unknown"),
    ]);
    expect(states.map((entry) => [entry.phase.id, entry.state])).toEqual([
      ["assessment", "completed"],
      ["containment", "skipped"],
      ["remediation", "started"],
      ["postmortem", "pending"],
    ]);
  });
});
