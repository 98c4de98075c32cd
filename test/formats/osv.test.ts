import { describe, expect, it } from "vitest";
import type { AdvisoryRecord } from "../../src/domain/advisories/record.js";
import { fromOsv, importOsv, type OsvDocument, OsvImportError, toOsv } from "../../src/formats/osv.js";
import {
  exampleRecords,
  importContext,
  privacyToolsRecord,
  rocketChatRecord,
  standaloneRecord,
} from "./records.js";
import { osvErrors, readVector } from "./validators.js";

/** The OSV project's linter test records that are valid OSV (test/vectors/osv/testdata/). */
const VALID_OSV = ["GO-2020-0001", "GHSA-9v2f-6vcg-3hgv", "CVE-2023-41045", "PYSEC-2023-74"];

/** The events of every non-GIT range of a package, or GIT ranges where there is no package. */
function eventsOf(doc: OsvDocument): string[] {
  return (doc.affected ?? []).flatMap((affected) =>
    (affected.ranges ?? [])
      .filter((range) => affected.package === undefined || range.type !== "GIT")
      .map(
        (range) => `${affected.package?.name ?? range.repo}:${range.type}:${JSON.stringify(range.events)}`,
      ),
  );
}

describe("OSV export", () => {
  it("every example record's OSV export passes the OSV schema", () => {
    for (const record of exampleRecords) expect(osvErrors(toOsv(record)), record.trackingId).toEqual([]);
  });

  it("the schema check fails a document that breaks the schema (the validator can say no)", () => {
    const doc = toOsv(rocketChatRecord);
    expect(osvErrors({ ...doc, id: "EMBARGO-ROCKETCHAT-2026-0001" })).not.toEqual([]);
    expect(
      osvErrors({ ...doc, affected: [{ ranges: [{ type: "SEMVER", events: [{ fixed: "1.0.0" }] }] }] }),
    ).not.toEqual([]);
  });

  it("ranges become introduced/fixed events, labels versions; the id is the CVE id, else x_ and the tracking id", () => {
    const doc = toOsv(rocketChatRecord);
    expect(doc.id).toBe("CVE-2026-12345");
    expect(doc.aliases).toEqual(["GHSA-abcd-efgh-ijkl"]);
    expect(doc.affected).toEqual([
      {
        package: { ecosystem: "npm", name: "@rocket.chat/meteor", purl: "pkg:npm/%40rocket.chat/meteor" },
        ranges: [
          {
            type: "SEMVER",
            events: [
              { introduced: "7.0.0" },
              { fixed: "7.0.3" },
              { introduced: "6.12.0" },
              { fixed: "6.12.2" },
              { introduced: "5.0.0" },
              { limit: "6.0.0" },
            ],
          },
        ],
        database_specific: {
          vendor: "Rocket.Chat",
          product: "Rocket.Chat server",
          product_id: "rocketchat-server",
        },
      },
    ]);
    expect(doc.severity).toEqual([{ type: "CVSS_V3", score: rocketChatRecord.cvss31?.vector }]);
    expect(doc.references).toEqual([
      { type: "FIX", url: "https://github.com/RocketChat/Rocket.Chat/pull/40001" },
      { type: "WEB", url: "https://github.com/RocketChat/Rocket.Chat/releases/tag/7.0.3" },
    ]);
    expect(doc.credits).toEqual([
      { name: "Ada Example", contact: ["https://ada.example"], type: "FINDER" },
      { name: "Rocket.Chat security team", type: "REMEDIATION_DEVELOPER" },
    ]);
    expect(doc.database_specific).toMatchObject({ cwe_ids: ["CWE-79"], severity: "HIGH" });

    // A live service that is fixed is not affected any more: OSV lists nothing for it.
    const live = toOsv(privacyToolsRecord);
    expect(live.affected).toEqual([]);
    expect(live.severity).toEqual([{ type: "CVSS_V4", score: privacyToolsRecord.cvss40?.vector }]);
    const affectedLive = toOsv({
      ...privacyToolsRecord,
      products: [
        {
          id: "website",
          name: "website",
          vendor: "privacytools.io",
          ranges: [{ versions: "live", status: "affected" }],
        },
      ],
    });
    expect(affectedLive.affected).toEqual([
      {
        versions: ["live"],
        database_specific: { vendor: "privacytools.io", product: "website", product_id: "website" },
      },
    ]);
    expect(osvErrors(affectedLive)).toEqual([]);

    expect(toOsv(standaloneRecord).id).toBe("x_EMBARGO-KAFE-2026-0001");
  });

  it("record → OSV → record keeps what OSV carries", () => {
    for (const record of exampleRecords) {
      const back = fromOsv(toOsv(record), importContext);
      expect(back.trackingId).toBe(record.trackingId);
      expect(back.cveId).toBe(record.cveId);
      expect(back.aliases).toEqual(record.aliases);
      expect(back.title).toBe(record.title);
      expect(back.summary).toBe(record.summary);
      expect(back.cwe).toBe(record.cwe);
      expect(back.cvss31).toEqual(record.cvss31);
      expect(back.cvss40).toEqual(record.cvss40);
      expect(back.severity).toBe(record.severity);
      expect(back.credits).toEqual(record.credits);
      expect(back.references.map((r) => r.url)).toEqual(record.references.map((r) => r.url));
      expect(back.publishedAt).toBe(record.publishedAt);
      expect(back.updatedAt).toBe(record.updatedAt);
      // OSV has no "will not fix": Rocket.Chat's 5.x comes back as an affected range without a fix.
      const affectedOnly = (r: AdvisoryRecord) =>
        r.products.flatMap((p) =>
          p.ranges
            .filter((range) => range.status === "affected" || range.status === "will-not-fix")
            .map((range) => (range.versions === "5.x" ? ">=5.0.0 <6.0.0" : range.versions)),
        );
      expect(affectedOnly(back)).toEqual(affectedOnly(record));
    }
  });
});

describe("OSV import", () => {
  it("the OSV test records import, export again valid, and keep the shared fields (OSV → record → OSV)", () => {
    for (const name of VALID_OSV) {
      const source = readVector(`osv/testdata/${name}.json`) as OsvDocument;
      expect(osvErrors(source), name).toEqual([]);
      const record = importOsv(source, importContext);
      const again = toOsv(record);
      expect(osvErrors(again), name).toEqual([]);
      expect(again.id).toBe(source.id);
      expect(new Set(again.aliases ?? [])).toEqual(new Set(source.aliases ?? []));
      expect(again.summary).toBe(source.summary);
      expect(again.details).toBe(source.details);
      expect(again.modified).toBe(source.modified);
      expect(again.published).toBe(source.published);
      expect(again.severity ?? []).toEqual(
        (source.severity ?? []).filter((s) => s.score.startsWith("CVSS:3.1/") || s.type === "CVSS_V4"),
      );
      expect(again.references).toEqual(source.references);
      expect((again.credits ?? []).map((c) => c.name)).toEqual((source.credits ?? []).map((c) => c.name));
      expect((again.affected ?? []).flatMap((a) => (a.package === undefined ? [] : [a.package]))).toEqual(
        (source.affected ?? []).filter((a) => a.package !== undefined).map((a) => a.package),
      );
      expect(eventsOf(again), name).toEqual(eventsOf(source));
    }
  });

  it("reads an OSV record's fields into the record", () => {
    const record = importOsv(readVector("osv/testdata/GO-2020-0001.json"), importContext);
    expect(record).toMatchObject({
      id: importContext.id,
      program: "acme",
      trackingId: "GO-2020-0001",
      cveId: "CVE-2020-36567",
      aliases: ["GHSA-6vm3-jj99-7229"],
      title: "Arbitrary log line injection in github.com/gin-gonic/gin",
      caseId: null,
      publishedAt: "2021-04-14T20:04:52Z",
      updatedAt: "2024-05-20T16:03:47Z",
    });
    expect(record.products).toEqual([
      {
        id: "GO-2020-0001-1",
        name: "github.com/gin-gonic/gin",
        vendor: "Go",
        package: { ecosystem: "Go", name: "github.com/gin-gonic/gin" },
        ranges: [{ versions: "<1.6.0", status: "affected", fixedIn: "1.6.0" }],
      },
    ]);
    const gradio = importOsv(readVector("osv/testdata/GHSA-9v2f-6vcg-3hgv.json"), importContext);
    expect(gradio.cvss31).toEqual({ vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 });
    expect(gradio.cwe).toBe("CWE-94");
    expect(gradio.severity).toBe("critical");
  });

  it("refuses broken OSV records and strangers' input with the reason", () => {
    expect(() =>
      importOsv(readVector("osv/testdata/nointroduced-CVE-2023-41045.json"), importContext),
    ).toThrow(/affected\[0\]\.ranges\[0\] has no "introduced" event/);
    const good = readVector("osv/testdata/GO-2020-0001.json") as OsvDocument;
    const attempts: [unknown, RegExp][] = [
      [null, /Not an OSV document/],
      [[good], /Not an OSV document/],
      ["CVE-2020-36567", /Not an OSV document/],
      [{ ...good, id: 7 }, /id/],
      [{ ...good, modified: undefined }, /modified/],
      [{ ...good, affected: [{ versions: ["1.0.0"] }] }, /names no package/],
      [
        { ...good, affected: [{ ranges: [{ type: "GIT", events: [{ introduced: "0" }] }] }] },
        /GIT range without a repo/,
      ],
      [
        {
          ...good,
          affected: [{ package: good.affected?.[0]?.package, ranges: [{ type: "SEMVER", events: [] }] }],
        },
        /events/,
      ],
      [{ ...good, severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:Q" }] }, /Not an OSV document/],
      [{ ...good, credits: [{ name: "" }] }, /credits/],
    ];
    for (const [input, message] of attempts) {
      expect(() => importOsv(input, importContext)).toThrow(OsvImportError);
      expect(() => importOsv(input, importContext)).toThrow(message);
    }
  });
});
