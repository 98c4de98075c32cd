import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { durationStats, median, nearestRank } from "./quantiles.js";

describe("nearest-rank percentiles", () => {
  it("takes the value at rank ceil(p × n)", () => {
    expect(nearestRank([4, 1, 3, 2], 0.5)).toBe(2); // rank 2: the lower middle value
    expect(nearestRank([4, 1, 3, 2], 0.9)).toBe(4); // rank ceil(3.6) = 4
    expect(nearestRank([3, 1, 2], 0.5)).toBe(2); // rank ceil(1.5) = 2
    const tens = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    expect(nearestRank(tens, 0.5)).toBe(5);
    expect(nearestRank(tens, 0.9)).toBe(9);
    expect(nearestRank(tens, 0)).toBe(1);
    expect(nearestRank(tens, 1)).toBe(10);
    expect(median([7])).toBe(7);
  });

  it("has no value for no data, and does not reorder its input", () => {
    expect(nearestRank([], 0.5)).toBeNull();
    const input = [3, 1, 2];
    nearestRank(input, 0.9);
    expect(input).toEqual([3, 1, 2]);
  });

  it("refuses a percentile outside [0, 1]", () => {
    expect(() => nearestRank([1], 1.5)).toThrow(RangeError);
    expect(() => nearestRank([1], Number.NaN)).toThrow(RangeError);
  });

  it("summarises durations", () => {
    expect(durationStats([])).toEqual({ count: 0, medianHours: null, p90Hours: null, sumHours: 0 });
    expect(durationStats([6, 2, 4, 1])).toEqual({ count: 4, medianHours: 2, p90Hours: 6, sumHours: 13 });
  });

  it("always answers an observed value with at least a p share of values at or below it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, p) => {
          const result = nearestRank(values, p);
          expect(values).toContain(result);
          const atOrBelow = values.filter((v) => result !== null && v <= result).length;
          expect(atOrBelow).toBeGreaterThanOrEqual(Math.ceil(p * values.length));
          expect(nearestRank(values, 0.5)! <= nearestRank(values, 0.9)!).toBe(true);
        },
      ),
    );
  });
});
