import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bucketStart, bucketsBack } from "./buckets.js";

const d = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString();

describe("UTC buckets", () => {
  it("starts weeks on Monday 00:00 UTC", () => {
    expect(iso(bucketStart(d("2024-01-07T23:59:59Z"), "week"))).toBe("2024-01-01T00:00:00.000Z"); // a Sunday
    expect(iso(bucketStart(d("2024-01-08T00:00:00Z"), "week"))).toBe("2024-01-08T00:00:00.000Z"); // a Monday
    expect(iso(bucketStart(d("2025-01-01T10:00:00Z"), "week"))).toBe("2024-12-30T00:00:00.000Z"); // across a year
  });

  it("starts months on the 1st 00:00 UTC", () => {
    expect(iso(bucketStart(d("2024-02-29T23:59:59Z"), "month"))).toBe("2024-02-01T00:00:00.000Z");
  });

  it("counts back from the bucket holding now, oldest first", () => {
    expect(bucketsBack(d("2025-01-10T12:00:00Z"), "month", 3).map((b) => [iso(b.start), iso(b.end)])).toEqual(
      [
        ["2024-11-01T00:00:00.000Z", "2024-12-01T00:00:00.000Z"],
        ["2024-12-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z"],
        ["2025-01-01T00:00:00.000Z", "2025-02-01T00:00:00.000Z"],
      ],
    );
    expect(bucketsBack(d("2024-01-10T12:00:00Z"), "week", 2).map((b) => iso(b.start))).toEqual([
      "2024-01-01T00:00:00.000Z",
      "2024-01-08T00:00:00.000Z",
    ]);
    expect(bucketsBack(d("2024-01-10T12:00:00Z"), "week", 0)).toEqual([]);
  });

  it("refuses a negative or fractional count", () => {
    expect(() => bucketsBack(d("2024-01-10T12:00:00Z"), "week", -1)).toThrow(RangeError);
    expect(() => bucketsBack(d("2024-01-10T12:00:00Z"), "month", 1.5)).toThrow(RangeError);
  });

  it("tiles time without gaps and ends with the bucket holding now", () => {
    fc.assert(
      fc.property(
        fc.date({ min: d("2000-01-01T00:00:00Z"), max: d("2100-01-01T00:00:00Z"), noInvalidDate: true }),
        fc.constantFrom("week" as const, "month" as const),
        fc.integer({ min: 1, max: 30 }),
        (now, size, count) => {
          const buckets = bucketsBack(now, size, count);
          expect(buckets).toHaveLength(count);
          buckets.forEach((b, i) => {
            const next = buckets[i + 1];
            if (next !== undefined) expect(b.end.getTime()).toBe(next.start.getTime());
            expect(b.start.getUTCHours() + b.start.getUTCMinutes() + b.start.getUTCSeconds()).toBe(0);
            if (size === "week") expect(b.start.getUTCDay()).toBe(1);
            else expect(b.start.getUTCDate()).toBe(1);
          });
          const last = buckets[count - 1]!;
          expect(last.start <= now && now < last.end).toBe(true);
        },
      ),
    );
  });
});
