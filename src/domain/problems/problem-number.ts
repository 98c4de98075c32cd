/**
 * A problem's number within its program, as people write it. Problems are numbered per program
 * (P-1, P-2, …): a short name the team can say aloud and write in a commit message, unlike a
 * random id. Only digits make a number: "1e3", "0x10", "../x" or " 3.0" are not one.
 */
const PROBLEM_REFERENCE = /^(?:[Pp]-?)?([1-9][0-9]{0,8})$/;

/** `3`, `P-3`, `p-3` or `P3` → 3; anything else → undefined. */
export function parseProblemNumber(text: string): number | undefined {
  const digits = PROBLEM_REFERENCE.exec(text.trim())?.[1];
  return digits === undefined ? undefined : Number(digits);
}

/** How a problem is named on pages, in events and in the API: `P-3`. */
export function problemReference(problemNumber: number): string {
  return `P-${problemNumber}`;
}
