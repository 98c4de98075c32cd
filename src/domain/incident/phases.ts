/**
 * Incident response phases on a case (the policy's `incident.phases`, e.g. Kitsu's assessment,
 * containment, remediation, postmortem): which step the team may take next, and what the reporter
 * is told about it when the policy promises to keep them informed. Pure: no store, no clock.
 *
 * The rules: phases go in the policy's order. A phase may be started, or skipped when the policy
 * marks it `skippable`, once every phase before it has been started, completed or skipped; it
 * cannot be started (or skipped) twice. A started phase may be completed once. Phases may overlap:
 * starting the next one does not require completing the one before. A phase with questions or
 * tasks completes only once every question is answered and every task checked (`PhaseWork`).
 */

/** The parts of a policy phase this rule reads (structurally the policy schema's phase). */
export interface PolicyPhase {
  id: string;
  name: string;
  description?: string | undefined;
  skippable: boolean;
  notifyReporter: boolean;
  notifyReporterWhenSkipped: boolean;
  endsWithPublicAnnouncement: boolean;
  reporterInvited: boolean;
  questions: readonly { question: string }[];
  tasks: readonly string[];
}

/** What is still open on the phase being completed: questions not answered, tasks not checked. */
export interface PhaseWork {
  unanswered: readonly string[];
  openTasks: readonly string[];
}

export const NO_OPEN_WORK: PhaseWork = { unanswered: [], openTasks: [] };

export const PHASE_ACTIONS = ["start", "complete", "skip"] as const;
export type PhaseAction = (typeof PHASE_ACTIONS)[number];

export const isPhaseAction = (value: string): value is PhaseAction =>
  (PHASE_ACTIONS as readonly string[]).includes(value);

/** One step already recorded on the case, oldest first. */
export interface PhaseRecord {
  phaseId: string;
  action: PhaseAction;
}

export interface PhaseRequest {
  phaseId: string;
  action: PhaseAction;
}

export type PhaseState = "pending" | "started" | "completed" | "skipped";

export type PhaseRefusalCode =
  | "unknown-phase"
  | "out-of-order"
  | "not-skippable"
  | "already-done"
  | "not-started"
  | "work-open";

export type PhaseDecision =
  | { ok: true; phase: PolicyPhase; reporterMessage: string | null }
  | { ok: false; code: PhaseRefusalCode; message: string };

/** The invitation added to the reporter's message when a phase they may take part in starts. */
export const REPORTER_INVITATION =
  "You are invited to take part: tell us what you think of how we handled your report and what we could do better, by replying here.";

/** Each policy phase with its state on the case, in the policy's order. Records of unknown phases are ignored. */
export function phaseStates(
  phases: readonly PolicyPhase[],
  records: readonly PhaseRecord[],
): { phase: PolicyPhase; state: PhaseState }[] {
  const states = new Map<string, PhaseState>();
  for (const record of records) {
    states.set(
      record.phaseId,
      record.action === "start" ? "started" : record.action === "complete" ? "completed" : "skipped",
    );
  }
  return phases.map((phase) => ({ phase, state: states.get(phase.id) ?? "pending" }));
}

/** Whether `request` may be recorded after `records`, and what the reporter is then told (null: nothing). */
export function decidePhase(
  phases: readonly PolicyPhase[],
  records: readonly PhaseRecord[],
  request: PhaseRequest,
  open: PhaseWork = NO_OPEN_WORK,
): PhaseDecision {
  const states = phaseStates(phases, records);
  const index = states.findIndex((entry) => entry.phase.id === request.phaseId);
  const current = states[index];
  if (current === undefined)
    return {
      ok: false,
      code: "unknown-phase",
      message: `the policy has no incident phase "${request.phaseId}"`,
    };
  const { phase, state } = current;

  if (request.action === "complete") {
    if (state === "pending" || state === "skipped")
      return { ok: false, code: "not-started", message: `${phase.name} has not been started` };
    if (state === "completed")
      return { ok: false, code: "already-done", message: `${phase.name} is already completed` };
    if (open.unanswered.length > 0 || open.openTasks.length > 0) {
      const missing = [
        ...open.unanswered.map((question) => `answer "${question}"`),
        ...open.openTasks.map((task) => `check "${task}"`),
      ];
      return {
        ok: false,
        code: "work-open",
        message: `${phase.name} cannot be completed yet: ${missing.join("; ")}`,
      };
    }
    return {
      ok: true,
      phase,
      reporterMessage: phase.notifyReporter
        ? `We completed: ${phase.name}.${phase.endsWithPublicAnnouncement ? " A public announcement follows." : ""}`
        : null,
    };
  }

  if (state !== "pending")
    return { ok: false, code: "already-done", message: `${phase.name} is already ${state}` };
  const waiting = states.slice(0, index).find((entry) => entry.state === "pending");
  if (waiting !== undefined)
    return {
      ok: false,
      code: "out-of-order",
      message: `${waiting.phase.name} comes before ${phase.name}: start or skip it first`,
    };

  if (request.action === "skip") {
    if (!phase.skippable)
      return { ok: false, code: "not-skippable", message: `${phase.name} may not be skipped` };
    const next = phases[index + 1];
    return {
      ok: true,
      phase,
      reporterMessage: phase.notifyReporterWhenSkipped
        ? next === undefined
          ? `We skipped ${phase.name}.`
          : `We skipped ${phase.name} and went on to ${next.name}.`
        : null,
    };
  }

  if (!phase.notifyReporter) return { ok: true, phase, reporterMessage: null };
  const started =
    phase.description === undefined
      ? `We started: ${phase.name}.`
      : `We started: ${phase.name} — ${phase.description}`;
  return {
    ok: true,
    phase,
    reporterMessage: phase.reporterInvited ? `${started} ${REPORTER_INVITATION}` : started,
  };
}
