/**
 * A problem found in a policy file, precise enough for a person to fix it without guessing:
 * where (file, line, column, field path), what was expected, what was found, and a
 * suggestion when the value looks like a misspelling of a valid one.
 */
export interface PolicyProblem {
  file: string;
  line: number;
  column: number;
  /** The field's path, e.g. `serviceLevels.clocks[0].within`; empty for the whole document. */
  path: string;
  message: string;
  suggestion?: string;
}

export function formatProblem(problem: PolicyProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  const field = problem.path === "" ? "" : ` ${problem.path}:`;
  const hint = problem.suggestion === undefined ? "" : ` (did you mean "${problem.suggestion}"?)`;
  return `${where}${field} ${problem.message}${hint}`;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** Orders problems by position so a file's problems read top to bottom. */
export function byPosition(a: PolicyProblem, b: PolicyProblem): number {
  return (
    a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.path.localeCompare(b.path)
  );
}

/** Describes a value found in a file in a few words, for "expected …, found …" messages. */
export function describeFound(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") {
    const keys = Object.keys(value);
    return keys.length === 0 ? "an empty mapping" : `a mapping with ${keys.join(", ")}`;
  }
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}
