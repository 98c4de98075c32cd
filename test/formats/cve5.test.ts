import { describe, expect, it } from "vitest";
import { type CveExportOptions, toCveCnaContainer, toCveRecord } from "../../src/formats/cve5.js";
import { exampleRecords, privacyToolsRecord, rocketChatRecord, standaloneRecord } from "./records.js";
import { cveCnaErrors, cveRecordErrors } from "./validators.js";

const options: CveExportOptions = {
  orgId: "b3476cb9-2e3d-41a6-98d0-0f47421a65b6",
  shortName: "Embargo",
  dateReserved: "2026-02-20T00:00:00.000Z",
};

describe("CVE JSON 5 export", () => {
  it("every example record's CNA container passes the bundled CVE schema", () => {
    for (const record of exampleRecords) {
      expect(cveCnaErrors(toCveCnaContainer(record, options)), record.trackingId).toEqual([]);
    }
  });

  it("the full CVE record of every record with a CVE id passes the bundled CVE schema", () => {
    for (const record of exampleRecords.filter((r) => r.cveId !== null)) {
      const cve = toCveRecord(record, options);
      expect(cveRecordErrors(cve), record.trackingId).toEqual([]);
      expect(cve.cveMetadata).toMatchObject({
        cveId: record.cveId,
        state: "PUBLISHED",
        assignerOrgId: options.orgId,
      });
    }
  });

  it("the schema check fails a container that breaks the schema (the validator can say no)", () => {
    const container = toCveCnaContainer(rocketChatRecord, options);
    expect(cveCnaErrors({ ...container, affected: [] })).not.toEqual([]);
    expect(cveCnaErrors({ ...container, credits: [{ lang: "en", value: "x", type: "hero" }] })).not.toEqual(
      [],
    );
  });

  it("Embargo ranges become semver version/lessThan entries, a fix an unaffected version, fixed ranges unaffected", () => {
    const container = toCveCnaContainer(rocketChatRecord, options);
    expect(container.affected).toEqual([
      {
        vendor: "Rocket.Chat",
        product: "Rocket.Chat server",
        collectionURL: "https://www.npmjs.com",
        packageName: "@rocket.chat/meteor",
        defaultStatus: "unknown",
        versions: [
          { version: "7.0.0", lessThan: "7.0.3", status: "affected", versionType: "semver" },
          { version: "7.0.3", status: "unaffected" },
          { version: "6.12.0", lessThan: "6.12.2", status: "affected", versionType: "semver" },
          { version: "6.12.2", status: "unaffected" },
          { version: "7.0.3", lessThan: "*", status: "unaffected", versionType: "semver" },
          { version: "5", lessThanOrEqual: "5.*", status: "affected", versionType: "semver" },
        ],
      },
    ]);
    expect(container.problemTypes?.[0]?.descriptions[0]).toMatchObject({
      cweId: "CWE-79",
      type: "CWE",
      lang: "en",
    });
    expect(container.metrics).toEqual([
      {
        format: "CVSS",
        cvssV3_1: {
          version: "3.1",
          vectorString: "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:N",
          baseScore: 8.7,
          baseSeverity: "HIGH",
        },
      },
    ]);
    expect(container.credits).toEqual([
      { lang: "en", value: "Ada Example (https://ada.example)", type: "finder" },
      { lang: "en", value: "Rocket.Chat security team", type: "remediation developer" },
    ]);
    expect(container.references.map((r) => r.url)).toEqual(rocketChatRecord.references.map((r) => r.url));
    expect(container.descriptions[0]).toMatchObject({ lang: "en", value: rocketChatRecord.summary });
  });

  it("labels become single versions with their status, and CVSS 4.0 carries its computed score", () => {
    const container = toCveCnaContainer(privacyToolsRecord, options);
    expect(container.affected[0]?.versions).toEqual([
      { version: "live", status: "unaffected" },
      { version: "staging", status: "unaffected" },
    ]);
    expect(container.metrics).toEqual([
      {
        format: "CVSS",
        cvssV4_0: {
          version: "4.0",
          vectorString: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:L/VA:N/SC:L/SI:L/SA:N",
          baseScore: 5.3,
          baseSeverity: "MEDIUM",
        },
      },
    ]);
  });

  it("a record without CVE id has a CNA container but no full record; one without references is refused", () => {
    expect(cveCnaErrors(toCveCnaContainer(standaloneRecord, options))).toEqual([]);
    expect(() => toCveRecord(standaloneRecord, options)).toThrow(/needs a CVE id/);
    expect(() => toCveCnaContainer({ ...standaloneRecord, references: [] }, options)).toThrow(
      /at least one reference/,
    );
    expect(() => toCveCnaContainer({ ...standaloneRecord, products: [] }, options)).toThrow(
      /affected product/,
    );
  });
});
