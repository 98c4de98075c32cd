import { describe, expect, it } from "vitest";
import { assess, type PublishedRange, type PublishedRow, readPublishedRow } from "./affected-answer.js";
import { parseVersion, type Version } from "./versions.js";

const row = (
  versions: string,
  status: string,
  fixedIn: string | null = null,
  cve = "CVE-2026-1",
): PublishedRow => ({
  versions,
  status,
  fixed_in: fixedIn,
  cve_id: cve,
  published_at: "2026-11-20T10:00:00.000Z",
});
const read = (...rows: PublishedRow[]): PublishedRange[] =>
  rows.map((r) => {
    const range = readPublishedRow(r);
    if (range === undefined) throw new Error(`unreadable row ${r.versions}`);
    return range;
  });
const v = (text: string): Version => {
  const parsed = parseVersion(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};

describe("is my version affected?", () => {
  const rows = read(
    row(">=7.0.0 <7.1.0", "fixed", "7.0.3"),
    row(">=6.0.0 <6.13.0", "will-not-fix", "7.0.3"),
    row("8.x", "not-affected"),
    row("6.x", "affected", "7.0.3", "CVE-2026-2"),
    row("6.12.x", "affected", "6.12.4", "CVE-2026-3"),
    row("live", "fixed"),
  );

  it("finds a version before the fix affected, and from the fix on fixed", () => {
    expect(assess(rows, v("7.0.2"))).toMatchObject({
      affected: true,
      status: "affected",
      fixedIn: ["7.0.3"],
    });
    expect(assess(rows, v("7.0.3"))).toMatchObject({ affected: false, status: "fixed", fixedIn: [] });
  });

  it("lists every fix of what affects the version, oldest first, once", () => {
    const answer = assess(rows, v("6.12.1"));
    expect(answer).toMatchObject({ affected: true, status: "affected", fixedIn: ["6.12.4", "7.0.3"] });
    expect(answer.advisories.map((a) => [a.status, a.affectsVersion])).toEqual([
      ["will-not-fix", true],
      ["affected", true],
      ["affected", true],
    ]);
  });

  it("never lets a fix version undo will-not-fix, though it names it as where to go", () => {
    expect(assess(read(row("6.x", "will-not-fix", "7.0.0")), v("6.5"))).toMatchObject({
      affected: true,
      fixedIn: ["7.0.0"],
    });
    expect(assess(read(row("6.x", "will-not-fix", "6.0.0")), v("6.5"))).toMatchObject({ affected: true });
  });

  it("answers not-affected, and unknown when nothing published names the version", () => {
    expect(assess(rows, v("8.1"))).toMatchObject({ affected: false, status: "not-affected" });
    expect(assess(rows, v("9.0"))).toEqual({
      affected: false,
      status: "unknown",
      fixedIn: [],
      advisories: [],
    });
    expect(assess([], v("1.0"))).toMatchObject({ status: "unknown" });
  });

  it("takes a label's row as it says, a fix it cannot order against as given", () => {
    expect(assess(rows, v("live"))).toMatchObject({ affected: false, status: "fixed" });
    expect(assess(read(row("live", "affected", "2026-11-30")), v("live"))).toMatchObject({
      affected: true,
      fixedIn: ["2026-11-30"],
    });
  });

  it("refuses rows it cannot read rather than guess", () => {
    expect(readPublishedRow(row(">=7.0.0 <", "affected"))).toBeUndefined();
    expect(readPublishedRow(row("7.x", "under-investigation"))).toBeUndefined();
    expect(readPublishedRow(row(" 7.x ", "affected", "  "))).toMatchObject({ fixedIn: null });
  });
});
