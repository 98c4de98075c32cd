import { describe, expect, it } from "vitest";
import { randomId, sortableId } from "./ids.js";

describe("sortableId", () => {
  it("sorts by the second it was made, and is a 16-character base32 id like randomId", () => {
    const times = [
      "2026-12-07T23:59:59.999Z",
      "2026-12-08T00:00:00.000Z",
      "2027-01-01T00:00:00.000Z",
      "2100-06-01T00:00:00.000Z",
    ];
    const ids = times.map((time) => sortableId(new Date(time)));
    expect([...ids].sort()).toEqual(ids);
    for (const id of [...ids, randomId()]) expect(id).toMatch(/^[a-z2-7]{16}$/);
  });

  it("keeps 45 random bits: ids of the same second differ, and share only the time", () => {
    const at = new Date("2026-12-07T12:00:00.000Z");
    const ids = new Set(Array.from({ length: 1000 }, () => sortableId(at)));
    expect(ids.size).toBe(1000);
    expect(new Set([...ids].map((id) => id.slice(0, 7))).size).toBe(1);
    expect(new Set([...ids].map((id) => id.slice(7, 9))).size).toBeGreaterThan(500);
  });
});
