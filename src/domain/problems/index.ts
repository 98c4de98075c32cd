export {
  type CaseProblemLink,
  currentProblemLink,
  PROBLEM_LINKED,
  PROBLEM_UNLINKED,
  type ProblemLinkPayload,
} from "./case-link.js";
export {
  elapsedWords,
  type LinkedCaseFacts,
  type ProblemMetrics,
  problemMetrics,
} from "./problem-metrics.js";
export { parseProblemNumber, problemReference } from "./problem-number.js";
export {
  type Checked,
  decideProblemChange,
  isProblemState,
  MAX_PROBLEM_TITLE,
  MAX_ROOT_CAUSE,
  newProblemText,
  nextProblemStates,
  PROBLEM_STATE_LABELS,
  PROBLEM_STATES,
  type ProblemChange,
  type ProblemChangeRequest,
  type ProblemField,
  type ProblemState,
} from "./problem-rules.js";
