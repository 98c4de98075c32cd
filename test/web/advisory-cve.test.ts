import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cveCnaErrors, cveRecordErrors } from "../formats/validators.js";
import { type AdvisoryFields, draftAdvisory, publishAdvisory } from "../support/advisories.js";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { textOf } from "../support/workspace.js";

/**
 * CVE JSON 5 for published advisories (issue 13), through the public URL a CNA's tooling reads:
 * `/p/{program}/advisories/{trackingId}.cve.json` is the CNA container of a program whose policy
 * names its CNA (`program.cna`, test/fixtures/policies/advisories/acme.yaml), for an advisory with
 * a CVE id. Everywhere else the URL is 404 and the advisory's page has no link to it.
 */
const T0 = new Date("2026-12-10T10:00:00Z");
const POLICIES = "test/fixtures/policies/advisories";
const ORG_ID = "0b6a2b7e-5c1d-4e8f-9a3b-7c2d1e0f4a5b";
const CVSS31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:N";

const FULL: AdvisoryFields = {
  title: "Stored XSS in the Acme app's profile page",
  summary: "A profile's display name ran as script in other members' browsers.",
  cveId: "CVE-2026-41001",
  cwe: "CWE-79",
  cvss31: CVSS31,
  products: [
    {
      id: "acme-app",
      ranges: [{ versions: ">=2.0.0 <2.3.1", status: "affected", fixedIn: "2.3.1" }],
    },
  ],
  references: [{ url: "https://acme.example/releases/2.3.1", kind: "release-notes" }],
};

describe.each(databases)("CVE JSON 5 documents on $name", (database) => {
  let t: TestApp;
  let alice: CreatedStaff;
  let labsAlice: CreatedStaff;
  let labsBob: CreatedStaff;
  beforeEach(async () => {
    t = await startTestApp(database.open, {}, { policies: POLICIES });
    t.clock.set(T0);
    alice = await createStaff(t, { email: "alice@acme.example", role: "responder", program: "acme" });
    labsAlice = await createStaff(t, {
      email: "alice@labs.acme.example",
      role: "responder",
      program: "acme-labs",
    });
    labsBob = await createStaff(t, {
      email: "bob@labs.acme.example",
      role: "responder",
      program: "acme-labs",
    });
  });
  afterEach(async () => {
    await t.close();
  });

  /** Acme's policy asks for no second approval: Alice publishes alone. */
  async function publishAtAcme(fields: AdvisoryFields): Promise<string> {
    const id = await draftAdvisory(t, "acme", alice, fields);
    const published = await t.app.inject({
      method: "POST",
      url: `/api/v1/advisories/${id}/publication`,
      headers: { cookie: alice.browser.cookieHeader(), "content-type": "application/json" },
      payload: JSON.stringify({ version: 2 }),
    });
    expect(published.statusCode, published.body).toBe(201);
    return String(published.json().trackingId);
  }
  const page = (program: string, trackingId: string) =>
    t.app.inject({ url: `/p/${program}/advisories/${trackingId}` });
  const cve = (program: string, trackingId: string) =>
    t.app.inject({ url: `/p/${program}/advisories/${trackingId}.cve.json` });

  it("serves Acme's CNA container for an advisory with a CVE id, valid against the CVE schema, and links it from the page", async () => {
    const trackingId = await publishAtAcme(FULL);
    expect(trackingId).toBe("EMBARGO-ACME-2026-0001");

    const response = await cve("acme", trackingId);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    const container = response.json();
    expect(cveCnaErrors(container)).toEqual([]);
    expect(container).toMatchObject({
      providerMetadata: { orgId: ORG_ID, shortName: "acme" },
      title: FULL.title,
      descriptions: [{ lang: "en", value: FULL.summary }],
      affected: [{ vendor: "Acme", product: "Acme app" }],
      problemTypes: [{ descriptions: [{ cweId: "CWE-79", type: "CWE" }] }],
      references: [{ url: "https://acme.example/releases/2.3.1" }],
      metrics: [{ cvssV3_1: { vectorString: CVSS31, baseScore: 9.3 } }],
    });
    // What CVE Services makes of it: the record around the container, under the CVE id.
    expect(
      cveRecordErrors({
        dataType: "CVE_RECORD",
        dataVersion: "5.1",
        cveMetadata: {
          cveId: "CVE-2026-41001",
          assignerOrgId: ORG_ID,
          assignerShortName: "acme",
          state: "PUBLISHED",
        },
        containers: { cna: container },
      }),
    ).toEqual([]);
    // The URL's tracking id in any case, as the page's.
    expect((await cve("acme", trackingId.toLowerCase())).body).toBe(response.body);

    const html = (await page("acme", trackingId)).body;
    expect(html).toContain(`href="/p/acme/advisories/${trackingId}.cve.json"`);
    expect(html).toContain("CVE JSON 5 (CNA container)");
  });

  it("answers 404 and shows no link where the program is no CNA, the advisory has no CVE id, or it lacks a reference", async () => {
    const withoutCve = await publishAtAcme({ ...FULL, cveId: "" });
    const withoutReference = await publishAtAcme({ ...FULL, cveId: "CVE-2026-41002", references: [] });
    const labs = await publishAdvisory(
      t,
      "acme-labs",
      { author: labsAlice, approver: labsBob },
      {
        ...FULL,
        products: [{ id: "labs-app", ranges: [{ versions: "1.0.0", status: "affected" }] }],
      },
    );
    for (const [program, trackingId] of [
      ["acme", withoutCve],
      ["acme", withoutReference],
      ["acme-labs", labs.trackingId],
    ] as const) {
      const response = await cve(program, trackingId);
      expect(response.statusCode, `${program} ${trackingId}`).toBe(404);
      expect(textOf(response.body)).toContain("Advisory document not found.");
      const html = (await page(program, trackingId)).body;
      expect(html, trackingId).toContain(`${trackingId}.osv.json`);
      expect(html, trackingId).not.toContain(".cve.json");
      expect(html, trackingId).not.toContain("CVE JSON 5");
    }
    // An unknown, a malformed and another program's tracking id are the same 404.
    for (const url of [
      "/p/acme/advisories/EMBARGO-ACME-2026-0099.cve.json",
      "/p/acme/advisories/not-an-advisory.cve.json",
      `/p/acme/advisories/${labs.trackingId}.cve.json`,
      "/p/nowhere/advisories/EMBARGO-ACME-2026-0001.cve.json",
    ])
      expect((await t.app.inject({ url })).statusCode, url).toBe(404);
  });
});
