import { describe, expect, it } from "vitest";
import { CvssError, scoreCvss, severityOf } from "./index.js";

describe("scoreCvss", () => {
  it("dispatches on the version prefix", () => {
    expect(scoreCvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").version).toBe("3.1");
    expect(scoreCvss("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").version).toBe("4.0");
  });

  it("ignores surrounding whitespace", () => {
    expect(scoreCvss("  CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\n").vector).toBe(
      "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    );
  });

  it.each([
    [
      "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
      "CVSS vector: unsupported prefix 'CVSS:3.0' (expected CVSS:3.1/ or CVSS:4.0/)",
    ],
    [
      "AV:N/AC:L/Au:N/C:P/I:P/A:P",
      "CVSS vector: unsupported prefix 'AV:N' (expected CVSS:3.1/ or CVSS:4.0/)",
    ],
    ["CVSS:3.1", "CVSS vector: unsupported prefix 'CVSS:3.1' (expected CVSS:3.1/ or CVSS:4.0/)"],
    ["", "CVSS vector: empty string"],
  ])("rejects %j", (vector, message) => {
    let caught: unknown;
    try {
      scoreCvss(vector);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CvssError);
    expect(caught).toMatchObject({ message });
    expect((caught as CvssError).metric).toBeUndefined();
  });
});

describe("severityOf", () => {
  it.each([
    [0, "None"],
    [0.1, "Low"],
    [3.9, "Low"],
    [4, "Medium"],
    [6.9, "Medium"],
    [7, "High"],
    [8.9, "High"],
    [9, "Critical"],
    [10, "Critical"],
  ] as const)("%d → %s", (score, severity) => {
    expect(severityOf(score)).toBe(severity);
  });

  it.each([-0.1, 10.1, Number.NaN, Number.POSITIVE_INFINITY])("rejects %d", (score) => {
    expect(() => severityOf(score)).toThrow(RangeError);
  });
});
