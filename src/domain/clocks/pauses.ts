/**
 * When a case was waiting for its reporter: the `needs-info` state, from the moment the case
 * entered it until the moment it left it. Clocks with `pausesWhileWaitingForReporter` do not run
 * during these intervals (escalation.ts measures them in the clock's own unit). Pure: the case's
 * state changes go in (the store records each as a `case.state_changed` event), intervals come out.
 */
export interface Pause {
  from: Date;
  /** Null while the case is still waiting for the reporter. */
  to: Date | null;
}

/** One recorded move of a case from one lifecycle state to another. */
export interface StateChange {
  at: Date;
  from: string;
  to: string;
}

const WAITING = "needs-info";

/**
 * The intervals the case spent in `needs-info`, in time order; the last one is open (`to: null`)
 * while the case is still there. Changes are taken in time order whatever order they come in.
 * The state a change moves to decides (a change "from needs-info to needs-info" cannot happen; it
 * would neither open nor close anything).
 */
export function waitingForReporter(changes: readonly StateChange[]): Pause[] {
  const sorted = [...changes].sort((a, b) => a.at.getTime() - b.at.getTime());
  const pauses: Pause[] = [];
  let open: Date | null = null;
  for (const change of sorted) {
    if (open === null && change.to === WAITING) open = change.at;
    else if (open !== null && change.to !== WAITING) {
      pauses.push({ from: open, to: change.at });
      open = null;
    }
  }
  if (open !== null) pauses.push({ from: open, to: null });
  return pauses;
}

/**
 * The pauses up to `at`, any still-open one ended there: what has been paused so far. A due date
 * computed from these is the earliest it can now be (if the reporter answered this instant); for
 * a clock that stopped at `at`, the time it was really paused before it stopped.
 */
export function closeOpenPauses(pauses: readonly Pause[], at: Date): Pause[] {
  return pauses
    .filter((pause) => pause.from.getTime() < at.getTime())
    .map((pause) =>
      pause.to === null || pause.to.getTime() > at.getTime() ? { from: pause.from, to: at } : pause,
    );
}
