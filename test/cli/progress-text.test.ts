import { describe, expect, it } from "vitest";
import {
  LINE_EVERY_MS,
  type ProgressEvent,
  type ProgressLabels,
  type ProgressMode,
  progressStep,
  QUIET_MS,
  REDRAW_MS,
  startProgress,
} from "../../src/cli/progress-text.js";

const ROTATE: ProgressLabels = { title: "Re-encrypting", command: "keys rotate", unit: "rows" };

/** Feeds events at the given times (ms) to one stage begun at 0; the texts written, in order. */
function run(mode: ProgressMode, events: readonly [number, ProgressEvent][]): string[] {
  let state = startProgress(0);
  const texts: string[] = [];
  for (const [now, event] of events) {
    const step = progressStep(mode, ROTATE, state, event, now);
    state = step.state;
    if (step.text !== "") texts.push(step.text);
  }
  return texts;
}

const at = (now: number, done: number, total = 10_000): [number, ProgressEvent] => [now, { done, total }];
const end = (now: number, outcome: "completed" | "failed" = "completed"): [number, ProgressEvent] => [
  now,
  { end: outcome },
];

describe("progressStep on a terminal", () => {
  it("redraws one line in place, with grouped counts and the percentage", () => {
    expect(run("terminal", [at(0, 0), at(REDRAW_MS, 1_200)])).toEqual([
      "\rRe-encrypting: 0 / 10,000 rows (0%)",
      "\rRe-encrypting: 1,200 / 10,000 rows (12%)",
    ]);
  });

  it("redraws at most once per REDRAW_MS, and not when the line would not change", () => {
    expect(
      run("terminal", [at(0, 0), at(REDRAW_MS - 1, 500), at(REDRAW_MS, 600), at(2 * REDRAW_MS, 600)]),
    ).toEqual(["\rRe-encrypting: 0 / 10,000 rows (0%)", "\rRe-encrypting: 600 / 10,000 rows (6%)"]);
  });

  it("covers the rest of a longer line before it with spaces", () => {
    const texts = run("terminal", [at(0, 9_999, 10_000), at(REDRAW_MS, 5, 5)]);
    expect(texts[1]).toBe(`\rRe-encrypting: 5 / 5 rows (100%)${" ".repeat(8)}`);
  });

  it("clears its line at the end, whether the operation completed or failed", () => {
    const line = "Re-encrypting: 1,200 / 10,000 rows (12%)";
    const clear = `\r${" ".repeat(line.length)}\r`;
    expect(run("terminal", [at(0, 1_200), end(50)])).toEqual([`\r${line}`, clear]);
    expect(run("terminal", [at(0, 1_200), end(50, "failed")])).toEqual([`\r${line}`, clear]);
    expect(run("terminal", [end(50)])).toEqual([]);
  });

  it("counts a done above the total (rows added meanwhile) as the total", () => {
    expect(run("terminal", [at(0, 12, 10)])).toEqual(["\rRe-encrypting: 12 / 12 rows (100%)"]);
    expect(run("terminal", [at(0, 0, 0)])).toEqual(["\rRe-encrypting: 0 / 0 rows (100%)"]);
  });
});

describe("progressStep in plain lines (not a terminal)", () => {
  it("says nothing for an operation quicker than QUIET_MS", () => {
    expect(
      run("lines", [at(0, 0), at(QUIET_MS - 1, 9_000), at(QUIET_MS - 1, 10_000), end(QUIET_MS - 1)]),
    ).toEqual([]);
  });

  it("starts once QUIET_MS have passed, then writes a line a tenth of the way, and the end line", () => {
    const events = [
      at(0, 0),
      at(QUIET_MS, 1_200),
      at(QUIET_MS + 1, 1_900),
      at(QUIET_MS + 2, 2_000),
      at(QUIET_MS + 3, 2_500),
      at(QUIET_MS + 4, 4_100),
      at(QUIET_MS + 5, 10_000),
      end(QUIET_MS + 6),
    ];
    expect(run("lines", events)).toEqual([
      "keys rotate: 1200/10000 rows\n",
      "keys rotate: 2000/10000 rows\n",
      "keys rotate: 4100/10000 rows\n",
      "keys rotate: 10000/10000 rows, done\n",
    ]);
  });

  it("writes a line every LINE_EVERY_MS within a slow tenth, none while the counts stand still", () => {
    const start = QUIET_MS;
    const events = [
      at(start, 100),
      at(start + LINE_EVERY_MS - 1, 150),
      at(start + LINE_EVERY_MS, 200),
      at(start + 3 * LINE_EVERY_MS, 200),
    ];
    expect(run("lines", events)).toEqual(["keys rotate: 100/10000 rows\n", "keys rotate: 200/10000 rows\n"]);
  });

  it("ends with the final count once the operation has been long, even if no line came before", () => {
    expect(run("lines", [at(0, 0), at(10, 10_000), end(QUIET_MS)])).toEqual([
      "keys rotate: 10000/10000 rows, done\n",
    ]);
  });

  it("writes no end line when the operation failed: its error follows", () => {
    expect(run("lines", [at(QUIET_MS, 1_200), end(QUIET_MS + 1, "failed")])).toEqual([
      "keys rotate: 1200/10000 rows\n",
    ]);
  });
});
