import { describe, expect, it } from "vitest";
import {
  currentProblemLink,
  decideProblemChange,
  elapsedWords,
  newProblemText,
  PROBLEM_LINKED,
  PROBLEM_UNLINKED,
  parseProblemNumber,
  problemMetrics,
} from "./index.js";

describe("problem numbers", () => {
  it.each([
    ["3", 3],
    ["P-3", 3],
    ["p-12", 12],
    ["P3", 3],
    [" 7 ", 7],
  ])("reads %s as %d", (text, expected) => {
    expect(parseProblemNumber(text)).toBe(expected);
  });

  it.each(["", "0", "P-0", "03", "1e3", "0x10", "3.0", "-3", "../x", "P--3", "1234567890", "P-3x"])(
    "refuses %j",
    (text) => {
      expect(parseProblemNumber(text)).toBeUndefined();
    },
  );
});

describe("problem rules", () => {
  it("needs a title; the root cause may be empty while the problem is open", () => {
    expect(newProblemText({ title: "  ", rootCause: "" })).toMatchObject({ ok: false, field: "title" });
    expect(newProblemText({ title: "x".repeat(201), rootCause: "" })).toMatchObject({
      ok: false,
      field: "title",
    });
    expect(newProblemText({ title: " Leak ", rootCause: " " })).toEqual({
      ok: true,
      value: { title: "Leak", rootCause: "" },
    });
    expect(newProblemText({ title: "Leak", rootCause: "x".repeat(5_001) })).toMatchObject({
      ok: false,
      field: "rootCause",
    });
  });

  it("moves open → known error → resolved → open, each past open with a root cause", () => {
    const open = { state: "open" as const, rootCause: "" };
    expect(decideProblemChange(open, { state: "known-error" })).toMatchObject({
      ok: false,
      field: "rootCause",
    });
    expect(decideProblemChange(open, { state: "known-error", rootCause: "why" })).toEqual({
      ok: true,
      value: { state: "known-error", rootCause: "why", changed: true },
    });
    const resolved = { state: "resolved" as const, rootCause: "why" };
    expect(decideProblemChange(resolved, { state: "known-error" })).toMatchObject({
      ok: false,
      field: "state",
    });
    expect(decideProblemChange(resolved, { state: "open" })).toMatchObject({
      ok: true,
      value: { changed: true },
    });
    expect(decideProblemChange(resolved, { state: "resolved", rootCause: " why " })).toMatchObject({
      ok: true,
      value: { changed: false },
    });
    expect(decideProblemChange(resolved, { state: "closed" })).toMatchObject({ ok: false, field: "state" });
  });
});

describe("problem metrics", () => {
  const now = new Date("2026-12-10T12:00:00Z");
  it("counts cases, open ones, and the time since the last arrival", () => {
    const metrics = problemMetrics(
      [
        { state: "closed", receivedAt: new Date("2026-12-01T12:00:00Z") },
        { state: "fixed", receivedAt: new Date("2026-12-08T09:00:00Z") },
        { state: "new", receivedAt: new Date("2026-12-05T12:00:00Z") },
      ],
      now,
    );
    expect(metrics).toEqual({
      cases: 3,
      open: 2,
      lastReceivedAt: new Date("2026-12-08T09:00:00Z"),
      sinceLastMs: (2 * 24 + 3) * 3_600_000,
    });
    expect(elapsedWords(metrics.sinceLastMs ?? 0)).toBe("2 days");
    expect(problemMetrics([], now)).toEqual({ cases: 0, open: 0, lastReceivedAt: null, sinceLastMs: null });
  });

  it.each([
    [30_000, "less than a minute"],
    [60_000, "1 minute"],
    [3 * 3_600_000 + 59 * 60_000, "3 hours"],
    [24 * 3_600_000, "1 day"],
  ])("says %d ms as %s", (ms, words) => {
    expect(elapsedWords(ms)).toBe(words);
  });
});

describe("a case's problem link, from its events", () => {
  const link = (number: number, problemId = `p${number}`) => ({
    type: PROBLEM_LINKED,
    payload: { problemId, number, title: `Problem ${number}` },
  });
  const unlink = (number: number, problemId = `p${number}`) => ({
    type: PROBLEM_UNLINKED,
    payload: { problemId, number, title: `Problem ${number}` },
  });

  it("is the last link not undone", () => {
    expect(currentProblemLink([])).toBeNull();
    expect(currentProblemLink([link(1), { type: "team.note", payload: {} }])).toMatchObject({ number: 1 });
    expect(currentProblemLink([link(1), unlink(1)])).toBeNull();
    expect(currentProblemLink([link(1), unlink(1), link(2)])).toMatchObject({
      number: 2,
      title: "Problem 2",
    });
    // An unlink of another problem does not undo this one.
    expect(currentProblemLink([link(2), unlink(1)])).toMatchObject({ number: 2 });
  });
});
