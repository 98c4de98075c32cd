import { describe, expect, it } from "vitest";
import { ByteBudget } from "./byte-budget.js";

describe("ByteBudget", () => {
  it("reserves up to its limit, refuses past it without reserving, and takes back what is released", () => {
    const budget = new ByteBudget(100);
    expect(budget.reserve(60)).toBe(true);
    expect(budget.reserve(50)).toBe(false);
    expect(budget.held).toBe(60);
    expect(budget.reserve(40)).toBe(true);
    budget.release(60);
    expect(budget.held).toBe(40);
  });
});
