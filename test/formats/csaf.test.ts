import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AdvisoryRecord } from "../../src/domain/advisories/record.js";
import { type CsafDocument, CsafImportError, fromCsaf, importCsaf, toCsaf } from "../../src/formats/csaf.js";
import {
  exampleRecords,
  importContext,
  privacyToolsRecord,
  rocketChatRecord,
  standaloneRecord,
} from "./records.js";
import { csafSchemaErrors, csafValidatorFailures, readVector, VECTORS } from "./validators.js";

interface TestCases {
  tests: { id: string; group: string; failures?: { name: string }[]; valid?: { name: string }[] }[];
}

/** The OASIS test files copied into test/vectors (one failing and one passing file per mandatory test). */
const copied = new Set(
  readdirSync(join(VECTORS, "csaf-2.0/test/validator/data/mandatory")).map((file) => `mandatory/${file}`),
);
const testCases = (readVector("csaf-2.0/test/validator/data/testcases.json") as TestCases).tests.filter(
  (test) => test.group === "mandatory",
);
const mustPass = testCases.flatMap((test) =>
  (test.valid ?? []).filter((file) => copied.has(file.name)).map((f) => f.name),
);
const mustFail = testCases.flatMap((test) =>
  (test.failures ?? [])
    .filter((file) => copied.has(file.name))
    .map((file) => ({ id: test.id, name: file.name })),
);
const EXAMPLES = ["examples/bsi-2022-0001.json", "examples/rhsa-2021_5217.json"];

async function expectValid(doc: unknown, label: string): Promise<void> {
  expect(csafSchemaErrors(doc), `${label}: OASIS schema`).toEqual([]);
  expect(await csafValidatorFailures(doc), `${label}: csaf-validator-lib`).toEqual([]);
}

/** What a CSAF document and a record both carry, in a form two documents can be compared by. */
function sharedFields(doc: CsafDocument) {
  const record = fromCsaf(doc, importContext);
  return {
    title: record.title,
    trackingId: record.trackingId,
    publisher: record.publisher,
    summary: record.summary,
    description: record.description,
    cveId: record.cveId,
    aliases: record.aliases,
    cwe: record.cwe,
    cvss31: record.cvss31,
    cvss40: record.cvss40,
    severity: record.severity,
    products: record.products.map((p) => ({
      vendor: p.vendor,
      name: p.name,
      package: p.package,
      ranges: p.ranges,
    })),
    references: record.references,
    credits: record.credits,
    publishedAt: record.publishedAt,
    updatedAt: record.updatedAt,
    revisions: record.revisions,
  };
}

describe("CSAF 2.0 export", () => {
  it("every example record's export passes the OASIS schema and the validator's schema and mandatory tests", async () => {
    for (const record of exampleRecords) {
      const doc = toCsaf(record, { selfUrl: `https://example.org/csaf/${record.trackingId}.json` });
      expect(doc.document.category).toBe("csaf_security_advisory");
      await expectValid(doc, record.trackingId);
    }
  });

  it("the validators fail a document that breaks the rules (they can say no)", async () => {
    const doc = toCsaf(rocketChatRecord);
    const broken = structuredClone(doc);
    broken.document.tracking.version = "3";
    expect(await csafValidatorFailures(broken)).toEqual([expect.stringMatching(/^6\.1\.16: /)]);
    const noStatus = structuredClone(doc);
    delete noStatus.vulnerabilities?.[0]?.product_status;
    expect((await csafValidatorFailures(noStatus)).join("\n")).toMatch(/6\.1\.27\.6/);
    expect(csafSchemaErrors({ ...doc, document: { ...doc.document, csaf_version: "2.1" } })).not.toEqual([]);
  });

  it("the Rocket.Chat export has vendor → product → version branches, statuses, remediations, score and credits", () => {
    const doc = toCsaf(rocketChatRecord);
    expect(doc.document.publisher).toEqual({
      category: "vendor",
      name: "Rocket.Chat",
      namespace: "https://rocket.chat",
    });
    expect(doc.document.tracking).toMatchObject({
      id: "EMBARGO-ROCKETCHAT-2026-0001",
      status: "final",
      version: "2",
      initial_release_date: "2026-03-02T10:00:00.000Z",
      current_release_date: "2026-03-09T08:30:00.000Z",
      revision_history: [
        { number: "1", date: "2026-03-02T10:00:00.000Z", summary: "Initial publication." },
        { number: "2", date: "2026-03-09T08:30:00.000Z", summary: "Added the 6.12 fix." },
      ],
    });
    const vendor = doc.product_tree?.branches?.[0];
    expect(vendor).toMatchObject({ category: "vendor", name: "Rocket.Chat" });
    const product = vendor?.branches?.[0];
    expect(product).toMatchObject({ category: "product_name", name: "Rocket.Chat server" });
    expect(product?.branches?.map((b) => [b.category, b.name, b.product?.product_id])).toEqual([
      ["product_version_range", "vers:semver/>=7.0.0|<7.0.3", "CSAFPID-rocketchat-server-1"],
      ["product_version_range", "vers:semver/>=6.12.0|<6.12.2", "CSAFPID-rocketchat-server-2"],
      ["product_version_range", "vers:semver/>=7.0.3", "CSAFPID-rocketchat-server-3"],
      ["product_version_range", "vers:semver/>=5.0.0|<6.0.0", "CSAFPID-rocketchat-server-4"],
    ]);
    const vulnerability = doc.vulnerabilities?.[0];
    expect(vulnerability?.cve).toBe("CVE-2026-12345");
    expect(vulnerability?.cwe?.id).toBe("CWE-79");
    expect(vulnerability?.product_status).toEqual({
      known_affected: [
        "CSAFPID-rocketchat-server-1",
        "CSAFPID-rocketchat-server-2",
        "CSAFPID-rocketchat-server-4",
      ],
      fixed: ["CSAFPID-rocketchat-server-3"],
    });
    expect(vulnerability?.remediations).toEqual([
      {
        category: "vendor_fix",
        details: "Fixed in version 7.0.3: update to it or a later version.",
        product_ids: ["CSAFPID-rocketchat-server-1"],
      },
      {
        category: "vendor_fix",
        details: "Fixed in version 6.12.2: update to it or a later version.",
        product_ids: ["CSAFPID-rocketchat-server-2"],
      },
      {
        category: "no_fix_planned",
        details: "5.x is out of support: upgrade to 6.12.2 or later.",
        product_ids: ["CSAFPID-rocketchat-server-4"],
      },
    ]);
    expect(vulnerability?.scores?.[0]?.cvss_v3).toEqual({
      version: "3.1",
      vectorString: "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:N",
      baseScore: 8.7,
      baseSeverity: "HIGH",
    });
    expect(doc.document.acknowledgments).toEqual([
      { names: ["Ada Example"], summary: "finder", urls: ["https://ada.example"] },
      { names: ["Rocket.Chat security team"], summary: "remediation developer" },
    ]);
  });

  it("labels are product versions; CVSS 4.0 rides in a note; a record without CVE id names its tracking id", () => {
    const live = toCsaf(privacyToolsRecord);
    const branches = live.product_tree?.branches?.[0]?.branches?.[0]?.branches;
    expect(branches?.map((b) => [b.category, b.name])).toEqual([
      ["product_version", "live"],
      ["product_version", "staging"],
    ]);
    expect(live.vulnerabilities?.[0]?.notes).toContainEqual({
      category: "other",
      title: "CVSS v4.0",
      text: privacyToolsRecord.cvss40?.vector,
    });
    const standalone = toCsaf(standaloneRecord);
    expect(standalone.vulnerabilities?.[0]?.cve).toBeUndefined();
    expect(standalone.vulnerabilities?.[0]?.ids).toEqual([
      { system_name: "Kafe", text: "EMBARGO-KAFE-2026-0001" },
    ]);
    expect(standalone.vulnerabilities?.[0]?.remediations).toEqual([
      { category: "none_available", details: "No fix is available yet.", product_ids: ["CSAFPID-kafe-1"] },
    ]);
  });

  it("record → CSAF → record gives the record back", () => {
    for (const record of exampleRecords) {
      const back = fromCsaf(toCsaf(record), { ...importContext, id: record.id, program: record.program });
      // vers has no wildcard: "5.x" comes back as the range it means.
      const expected: AdvisoryRecord = {
        ...record,
        caseId: null,
        products: record.products.map((p) => ({
          ...p,
          ranges: p.ranges.map((r) => (r.versions === "5.x" ? { ...r, versions: ">=5.0.0 <6.0.0" } : r)),
        })),
      };
      expect(back, record.trackingId).toEqual(expected);
    }
  });
});

describe("CSAF 2.0 import", () => {
  it("the OASIS test files that must pass import, and exporting the record again validates", async () => {
    expect(mustPass.length).toBeGreaterThanOrEqual(15);
    for (const name of [...mustPass.map((n) => `test/validator/data/${n}`), ...EXAMPLES]) {
      const source = readVector(`csaf-2.0/${name}`);
      const record = await importCsaf(source, importContext);
      expect(record.trackingId, name).toBe((source as CsafDocument).document.tracking.id);
      await expectValid(toCsaf(record), name);
    }
  });

  it("the OASIS test files that must fail are refused, naming the failing test", async () => {
    expect(mustFail.length).toBeGreaterThanOrEqual(40);
    for (const { id, name } of mustFail) {
      const error = await importCsaf(readVector(`csaf-2.0/test/validator/data/${name}`), importContext).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error, name).toBeInstanceOf(CsafImportError);
      const failing = (error as CsafImportError).failingTests;
      // 6.1.8 (invalid CVSS) is checked by the strict schema test, as the validator library documents.
      expect(failing, name).toContain(id === "6.1.8" ? "schema" : id);
      expect((error as CsafImportError).message, name).toMatch(
        id === "6.1.8" ? /the CSAF 2\.0 schema/ : new RegExp(`mandatory test ${id.replaceAll(".", "\\.")}:`),
      );
    }
  });

  it("CSAF → record → CSAF keeps the shared fields (OASIS examples and test files)", async () => {
    for (const name of [...EXAMPLES, ...mustPass.map((n) => `test/validator/data/${n}`)]) {
      const source = readVector(`csaf-2.0/${name}`) as CsafDocument;
      const again = toCsaf(await importCsaf(source, importContext));
      expect(sharedFields(again), name).toEqual(sharedFields(source));
    }
  });

  it("reads an OASIS example's fields into the record", async () => {
    const record = await importCsaf(readVector("csaf-2.0/examples/bsi-2022-0001.json"), importContext);
    expect(record.trackingId).toBe("BSI-2022-0001");
    expect(record.cveId).toBe("CVE-2022-27193");
    expect(record.publisher.name).toBe("Bundesamt für Sicherheit in der Informationstechnik");
    expect(record.products.length).toBeGreaterThan(0);
    expect(record.products.flatMap((p) => p.ranges).some((r) => r.status === "affected")).toBe(true);
    expect(record.revisions[0]?.number).toBe(1);
  });

  it("refuses strangers' input with a clear error", async () => {
    const good = toCsaf(rocketChatRecord);
    const attempts: [unknown, RegExp][] = [
      [null, /a JSON object is expected/],
      [[good], /a JSON object is expected/],
      ["{}", /a JSON object is expected/],
      [{}, /the CSAF 2\.0 schema/],
      [{ ...good, document: { ...good.document, category: "csaf_base", extra: 1 } }, /the CSAF 2\.0 schema/],
      [
        {
          ...good,
          vulnerabilities: [
            { ...good.vulnerabilities?.[0], product_status: { known_affected: ["CSAFPID-nowhere"] } },
          ],
        },
        /mandatory test 6\.1\.1:/,
      ],
    ];
    for (const [input, message] of attempts) {
      await expect(importCsaf(input, importContext)).rejects.toThrow(message);
    }
  });
});
