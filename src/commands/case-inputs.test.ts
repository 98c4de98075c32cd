import { describe, expect, it } from "vitest";
import { closingOutcomesFor } from "../domain/lifecycle/policy-rules.js";
import type { Policy } from "../policy/schema.js";
import type { StaffCase } from "../store/staff-case-read.js";
import { InvalidCaseCommandError } from "../store/staff-errors.js";
import { dueDateInput, parseDueDate, parseInstantInput } from "../workspace/local-time.js";
import { checkCwe, cvssOf, cvssVersionOf, severityOfScore, triageChanges } from "./triage-input.js";

describe("what the commands check before the store", () => {
  it("reads a due date as the end of that day in the program's time zone", () => {
    const due = parseDueDate("2026-12-04", "America/Los_Angeles");
    expect(due).toEqual(new Date("2026-12-05T07:59:59.000Z"));
    expect(dueDateInput(due, "America/Los_Angeles")).toBe("2026-12-04");
    expect(parseDueDate("2026-12-04T12:00:00+01:00", "UTC")).toEqual(new Date("2026-12-04T11:00:00Z"));
    expect(() => parseDueDate("2026-02-30", "UTC")).toThrow(InvalidCaseCommandError);
    // With a time and an offset too: `new Date` would roll these over to 2 March and 25:00 to the next day.
    expect(() => parseDueDate("2026-02-30T10:00:00Z", "UTC")).toThrow(InvalidCaseCommandError);
    expect(() => parseDueDate("2026-12-04T25:00:00+01:00", "UTC")).toThrow(InvalidCaseCommandError);
    expect(() => parseDueDate("tomorrow", "UTC")).toThrow(InvalidCaseCommandError);
  });

  it("reads an instant as typed in a form: a wall time in the program's zone, an offset as it is, never a rolled-over date", () => {
    const now = new Date("2026-12-01T00:00:00Z");
    expect(parseInstantInput("", "Europe/Berlin", now, "at")).toBe(now);
    expect(parseInstantInput("2026-12-04T10:00", "Europe/Berlin", now, "at")).toEqual(
      new Date("2026-12-04T09:00:00Z"),
    );
    expect(parseInstantInput("2026-12-04T10:00:00-05:00", "Europe/Berlin", now, "at")).toEqual(
      new Date("2026-12-04T15:00:00Z"),
    );
    for (const bad of [
      "2026-02-30T10:00:00Z",
      "2026-02-30T10:00",
      "2026-12-04T24:00:00Z",
      "2026-13-01T10:00Z",
    ])
      expect(() => parseInstantInput(bad, "Europe/Berlin", now, "at"), bad).toThrow(InvalidCaseCommandError);
  });

  it("accepts only CWE ids of the catalogue, in their normal form", () => {
    expect(checkCwe("79")).toBe("CWE-79");
    expect(checkCwe(" cwe-89 ")).toBe("CWE-89");
    expect(() => checkCwe("CWE-999999")).toThrow(/not in the CWE catalogue/);
    expect(() => checkCwe("XSS")).toThrow(/looks like CWE-79/);
  });

  it("scores vectors in canonical form and names the field and metric of a bad one", () => {
    expect(cvssOf("3.1", "CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H")).toEqual({
      vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
      score: 9.8,
    });
    expect(cvssVersionOf("CVSS:4.0/AV:N")).toBe("4.0");
    expect(cvssVersionOf("AV:N")).toBeUndefined();
    try {
      cvssOf("3.1", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidCaseCommandError);
      expect((error as InvalidCaseCommandError).field).toBe("cvss31");
      expect((error as Error).message).toContain("AV");
    }
    expect(() => cvssOf("4.0", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")).toThrow(
      /starts with "CVSS:4.0\/"/,
    );
  });

  it("derives the severity from a score", () => {
    expect([0, 0.1, 4, 7, 9].map(severityOfScore)).toEqual(["none", "low", "medium", "high", "critical"]);
  });

  it("offers the closing outcomes the state and the policy allow", () => {
    const plain = { incident: { register: undefined } } as unknown as Policy;
    const register = { incident: { register: { noIncidentOutcome: true } } } as unknown as Policy;
    expect(closingOutcomesFor("new", plain)).not.toContain("resolved");
    expect(closingOutcomesFor("fixed", plain)).toContain("resolved");
    expect(closingOutcomesFor("new", plain)).not.toContain("no-incident");
    expect(closingOutcomesFor("new", register)).toContain("no-incident");
    expect(closingOutcomesFor("closed", plain)).toEqual([]);
  });

  it("takes only the priorities the program's register uses", () => {
    const current = { triage: { cvss31: null, cvss40: null } } as unknown as StaffCase;
    const twoLevels = { incident: { register: { priorities: ["low", "high"] } } } as unknown as Policy;
    const plain = { incident: { register: undefined } } as unknown as Policy;
    expect(triageChanges(twoLevels, current, { priority: "high" })).toEqual({ priority: "high" });
    expect(triageChanges(twoLevels, current, { priority: null })).toEqual({ priority: null });
    expect(() => triageChanges(twoLevels, current, { priority: "medium" })).toThrow(
      "one of this program's priorities: low, high",
    );
    expect(triageChanges(plain, current, { priority: "medium" })).toEqual({ priority: "medium" });
  });
});
