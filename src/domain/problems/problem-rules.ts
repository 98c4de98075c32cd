/**
 * The rules of a problem record (`incident.register.problemManagement`): what its title and root
 * cause may hold, and how its state moves. Pure: the caller reads the problem and applies the
 * decision.
 *
 * States, after ITIL's problem management, kept to the three a small team acts on:
 * - `open`: the problem is being analysed; its root cause may still be a guess, or empty (a team
 *   opens a problem precisely because an incident recurs and nobody knows why yet);
 * - `known-error`: the root cause is known and written down; a workaround may exist, the permanent
 *   fix is still to come. That is what "known error" means, so it needs a root cause;
 * - `resolved`: the permanent fix is in place. Also needs the root cause: it is what the fix fixed.
 * A resolved problem can be reopened when it recurs after all, and a known error can go back to
 * open when its root cause turns out wrong.
 */
export const PROBLEM_STATES = ["open", "known-error", "resolved"] as const;
export type ProblemState = (typeof PROBLEM_STATES)[number];

export const PROBLEM_STATE_LABELS: Readonly<Record<ProblemState, string>> = {
  open: "Open (under analysis)",
  "known-error": "Known error (root cause known, fix pending)",
  resolved: "Resolved (permanent fix in place)",
};

/** from → the states a problem may move to. */
const NEXT_STATES: Readonly<Record<ProblemState, readonly ProblemState[]>> = {
  open: ["known-error", "resolved"],
  "known-error": ["open", "resolved"],
  resolved: ["open"],
};

/** As long as a report's title. */
export const MAX_PROBLEM_TITLE = 200;
export const MAX_ROOT_CAUSE = 5_000;

export type ProblemField = "title" | "rootCause" | "state";

export type Checked<T> = { ok: true; value: T } | { ok: false; field: ProblemField; message: string };

const refuse = (
  field: ProblemField,
  message: string,
): { ok: false; field: ProblemField; message: string } => ({
  ok: false,
  field,
  message,
});

export function isProblemState(value: string): value is ProblemState {
  return (PROBLEM_STATES as readonly string[]).includes(value);
}

export function nextProblemStates(from: ProblemState): readonly ProblemState[] {
  return NEXT_STATES[from];
}

function checkRootCause(raw: string): Checked<string> {
  const rootCause = raw.trim();
  if (rootCause.length > MAX_ROOT_CAUSE)
    return refuse("rootCause", `the root cause may have at most ${MAX_ROOT_CAUSE} characters`);
  return { ok: true, value: rootCause };
}

/** A new problem's title and root cause (a new problem is `open`: the root cause may be empty). */
export function newProblemText(input: {
  title: string;
  rootCause: string;
}): Checked<{ title: string; rootCause: string }> {
  const title = input.title.trim();
  if (title === "") return refuse("title", "a problem needs a title");
  if (title.length > MAX_PROBLEM_TITLE)
    return refuse("title", `the title may have at most ${MAX_PROBLEM_TITLE} characters`);
  const rootCause = checkRootCause(input.rootCause);
  return rootCause.ok ? { ok: true, value: { title, rootCause: rootCause.value } } : rootCause;
}

export interface ProblemChangeRequest {
  /** Undefined: the state stays. */
  state?: string | undefined;
  /** Undefined: the root cause stays. */
  rootCause?: string | undefined;
}

export interface ProblemChange {
  state: ProblemState;
  rootCause: string;
  changed: boolean;
}

/** A change of a problem's state or root cause, checked against its current ones. */
export function decideProblemChange(
  current: { state: ProblemState; rootCause: string },
  request: ProblemChangeRequest,
): Checked<ProblemChange> {
  const wanted = request.state ?? current.state;
  if (!isProblemState(wanted)) return refuse("state", `the state is one of ${PROBLEM_STATES.join(", ")}`);
  if (wanted !== current.state && !NEXT_STATES[current.state].includes(wanted))
    return refuse(
      "state",
      `a ${current.state} problem can move to ${NEXT_STATES[current.state].join(" or ")}, not ${wanted}`,
    );
  const rootCause =
    request.rootCause === undefined
      ? { ok: true as const, value: current.rootCause }
      : checkRootCause(request.rootCause);
  if (!rootCause.ok) return rootCause;
  if (wanted !== "open" && rootCause.value === "")
    return refuse(
      "rootCause",
      `write down the root cause first: a ${wanted === "resolved" ? "resolved problem" : "known error"} has one`,
    );
  return {
    ok: true,
    value: {
      state: wanted,
      rootCause: rootCause.value,
      changed: wanted !== current.state || rootCause.value !== current.rootCause,
    },
  };
}
