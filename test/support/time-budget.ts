import { expect } from "vitest";

/**
 * Issue 14's time bound for code that reads a stranger's text: at most MS_PER_KB per kilobyte of
 * input plus FIXED_MS per input. Generous for linear work on a busy two-core machine; quadratic
 * work on the sizes the tests use takes seconds and fails by a wide margin.
 */
export const FIXED_MS = 250;
export const MS_PER_KB = 2;

/**
 * Runs `work` (which must be repeatable) and fails if it took longer than the budget for `bytes`.
 * A run over budget is timed once more and the faster run counts: a garbage collection or a
 * neighbour's burst can slow one run, while super-linear work is slow every time.
 */
export async function expectWithinBudget(label: string, bytes: number, work: () => unknown): Promise<void> {
  const budget = FIXED_MS + (MS_PER_KB * bytes) / 1024;
  const timed = async (): Promise<number> => {
    const start = performance.now();
    await work();
    return performance.now() - start;
  };
  let elapsed = await timed();
  if (elapsed > budget) elapsed = Math.min(elapsed, await timed());
  expect(
    elapsed,
    `${label}: ${elapsed.toFixed(0)} ms for ${(bytes / 1024).toFixed(0)} KB (budget ${budget.toFixed(0)} ms)`,
  ).toBeLessThanOrEqual(budget);
}
