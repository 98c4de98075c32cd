import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEmbargo } from "../support/cli.js";

interface DueDatesJson {
  received: string;
  timeZone: string;
  clocks: { id: string; dueAt: string | null; dueAtLocal: string | null }[];
}

const KITSU = "examples/policies/kitsu.yaml";
const FORMAT = "expected an ISO 8601 date and time such as 2026-11-27T18:30:00-08:00";

/**
 * `embargo policy clocks --received`: a time without a UTC offset is a time of the program's
 * business calendar, never of the machine the command runs on, so two machines give the same
 * deadlines; a date or time that does not exist is refused, not rolled over to the next month.
 * Two programs in zones nine hours apart (Kitsu in Los Angeles, a copy of it in Berlin): whatever
 * the zone of the machine running the tests, it differs from at least one of them.
 */
describe("embargo policy clocks --received", () => {
  let dir: string;
  let berlin: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "embargo-clocks-input-"));
    berlin = join(dir, "kitsu-berlin.yaml");
    const kitsu = readFileSync(KITSU, "utf8");
    const moved = kitsu
      .replace("timeZone: America/Los_Angeles", "timeZone: Europe/Berlin")
      .replace("holidayCountry: US", "holidayCountry: DE");
    expect(moved).toContain("timeZone: Europe/Berlin");
    writeFileSync(berlin, moved);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const clocks = async (file: string, received: string) => {
    const result = await runEmbargo(["policy", "clocks", file, "--received", received]);
    return { ...result, json: result.code === 0 ? (JSON.parse(result.stdout) as DueDatesJson) : undefined };
  };

  it("reads a time without an offset in the program's time zone, whatever the machine's, and says so", async () => {
    for (const [file, zone, offset, dueAtLocal] of [
      [KITSU, "America/Los_Angeles", "-08:00", "2026-12-09T10:00:00-08:00"],
      [berlin, "Europe/Berlin", "+01:00", "2026-12-09T10:00:00+01:00"],
    ] as const) {
      const local = await clocks(file, "2026-12-08T10:00:00");
      const explicit = await clocks(file, `2026-12-08T10:00:00${offset}`);
      expect(local.code, zone).toBe(0);
      // Tuesday 10:00 in the program's zone; one business day later is Wednesday 10:00 there.
      expect(local.json?.clocks).toEqual([expect.objectContaining({ id: "acknowledge", dueAtLocal })]);
      expect(local.json).toEqual(explicit.json);
      expect(local.stderr).toBe(
        `embargo policy clocks: --received 2026-12-08T10:00:00 has no UTC offset: read as 10:00 ${zone} ` +
          `(the program's time zone): 2026-12-08T10:00:00${offset}\n`,
      );
      expect(explicit.stderr).toBe("");
    }
  });

  it("says how it read a time the clocks skip or show twice that day", async () => {
    const skipped = await clocks(KITSU, "2026-03-08T02:30");
    expect(skipped.code).toBe(0);
    expect(skipped.json?.received).toBe("2026-03-08T10:00:00.000Z");
    expect(skipped.stderr).toContain(
      "read in America/Los_Angeles (the program's time zone), whose clocks skip 02:30 that day: " +
        "2026-03-08T03:00:00-07:00, the moment they jump",
    );
    const twice = await clocks(KITSU, "2026-11-01T01:30");
    expect(twice.code).toBe(0);
    expect(twice.json?.received).toBe("2026-11-01T08:30:00.000Z");
    expect(twice.stderr).toContain(
      "the first of the two times the clocks show it that day: 2026-11-01T01:30:00-07:00",
    );
  });

  it("refuses dates and times that do not exist, naming the expected format", async () => {
    for (const [received, problem] of [
      ["2026-02-30T10:00:00Z", "2026-02-30 is not a real date"],
      ["2026-12-08T25:00", "25:00 is not a time of day"],
      ["2026-12-08T10:60:00+01:00", "10:60:00 is not a time of day"],
      ["2026-13-01T10:00", "2026-13-01 has no month 13"],
      ["2026-12-08T10:00+25:00", "+25:00 is not a UTC offset"],
      ["next friday", '"next friday" is not a date and time'],
      ["2026-12-08", '"2026-12-08" is not a date and time'],
    ] as const) {
      const result = await clocks(KITSU, received);
      expect(result.code, received).not.toBe(0);
      expect(result.stdout, received).toBe("");
      expect(result.stderr, received).toContain(`'${received}' is invalid. ${problem}`);
      expect(result.stderr, received).toContain(FORMAT);
    }
  });

  it("refuses an impossible --now of policy render the same way", async () => {
    const result = await runEmbargo([
      "policy",
      "render",
      KITSU,
      "--format",
      "security.txt",
      "--now",
      "2026-02-30T00:00:00Z",
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("2026-02-30 is not a real date");
    expect(result.stderr).toContain(FORMAT);
  });
});
