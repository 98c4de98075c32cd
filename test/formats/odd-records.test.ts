import { describe, expect, it } from "vitest";
import type { AdvisoryRecord } from "../../src/domain/advisories/record.js";
import { toCsaf } from "../../src/formats/csaf.js";
import { toCveCnaContainer } from "../../src/formats/cve5.js";
import { toOsv } from "../../src/formats/osv.js";
import { standaloneRecord } from "./records.js";
import { csafSchemaErrors, csafValidatorFailures, cveCnaErrors, osvErrors } from "./validators.js";

/** Versions an import may bring that Embargo's own syntax does not write, and names a stranger may choose. */
const odd: AdvisoryRecord = {
  ...standaloneRecord,
  title: 'Ünïcødé <script>alert(1)</script> & "quotes"',
  summary: "  ",
  description: "",
  aliases: ["GHSA-xxxx-yyyy-zzzz", "OSV-2026-1"],
  products: [
    {
      id: "pkg with spaces/and?odd#chars",
      name: "Ōdd product",
      vendor: "Vendor, Inc. <x>",
      package: { ecosystem: "Debian:12", name: "libodd" },
      ranges: [
        { versions: "1:2.3-4ubuntu1", status: "affected" },
        { versions: ">=1:2.3 <1:2.5", status: "affected", fixedIn: "1:2.5" },
        { versions: "10.1 SP2", status: "fixed" },
        { versions: "all versions before 3", status: "not-affected" },
        { versions: "live || >=7.0.0 <7.1.0 || 6.x", status: "will-not-fix" },
        { versions: ">7.2.0 <=7.3.1", status: "affected" },
      ],
    },
    { id: "empty", name: "Named only", vendor: "Vendor, Inc. <x>", ranges: [] },
  ],
  credits: [{ name: "Ⓐnon", type: "other" }],
};

describe("exports of odd records", () => {
  it("foreign versions, range words, labels among ranges and odd names still give valid CVE, OSV and CSAF", async () => {
    expect(cveCnaErrors(toCveCnaContainer(odd, { orgId: "b3476cb9-2e3d-41a6-98d0-0f47421a65b6" }))).toEqual(
      [],
    );
    expect(osvErrors(toOsv(odd))).toEqual([]);
    const csaf = toCsaf(odd);
    expect(csafSchemaErrors(csaf)).toEqual([]);
    expect(await csafValidatorFailures(csaf)).toEqual([]);
    const names = csaf.product_tree?.branches?.[0]?.branches?.[0]?.branches?.map((b) => [b.category, b.name]);
    expect(names).toEqual([
      ["product_version", "1:2.3-4ubuntu1"],
      ["product_version_range", "vers:generic/>=1:2.3|<1:2.5"],
      ["product_version", "10.1 SP2"],
      ["product_version_range", "all versions before 3"],
      ["product_version_range", "vers:generic/live|>=7.0.0|<7.1.0|>=6.0.0|<7.0.0"],
      ["product_version_range", "vers:semver/>7.2.0|<=7.3.1"],
    ]);
  });

  it("a record that gives no product version a status exports as csaf_base, not as a security advisory", async () => {
    const unnamed: AdvisoryRecord = { ...odd, products: [{ id: "p", name: "P", vendor: "V", ranges: [] }] };
    const csaf = toCsaf(unnamed);
    expect(csaf.document.category).toBe("csaf_base");
    expect(csafSchemaErrors(csaf)).toEqual([]);
    expect(await csafValidatorFailures(csaf)).toEqual([]);
  });

  it("an invalid CVSS vector in a record is refused by every exporter that scores it", () => {
    const bad: AdvisoryRecord = { ...standaloneRecord, cvss31: { vector: "CVSS:3.1/AV:N", score: 9 } };
    expect(() => toCsaf(bad)).toThrow();
    expect(() => toCveCnaContainer(bad, { orgId: "b3476cb9-2e3d-41a6-98d0-0f47421a65b6" })).toThrow();
  });
});
