import type { LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff, staffJson, userIdOf } from "../support/staff.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";
import { fileReport, ROCKETCHAT_RESOLUTION_KEYS, textOf } from "../support/workspace.js";

/**
 * Advisories (issue 13) through the doors the team uses: the case page's button and the advisory
 * pages' forms, and the staff JSON API. A Rocket.Chat case with its CVE id, scores and affected
 * releases becomes a prefilled draft; a second member approves it; it is published only once the
 * case is disclosed; a correction is revision 2 and revision 1 stays byte for byte. Stranger
 * inputs are refused with a 400 naming the field.
 */
const T0 = new Date("2026-12-10T10:00:00Z");
const CVSS31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:N";
const CVSS40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N";

describe.each(databases)("advisories on $name", (database) => {
  let t: TestApp;
  let markus: CreatedStaff;
  let fred: CreatedStaff;
  let viewer: CreatedStaff;
  let privacy: CreatedStaff;
  beforeEach(async () => {
    t = await startTestApp(database.open);
    t.clock.set(T0);
    markus = await createStaff(t, {
      email: "markus@rocket.example",
      role: "responder",
      program: "rocketchat",
    });
    fred = await createStaff(t, { email: "fred@rocket.example", role: "responder", program: "rocketchat" });
    viewer = await createStaff(t, { email: "viewer@rocket.example", role: "viewer", program: "rocketchat" });
    privacy = await createStaff(t, {
      email: "jonah@privacytools.example",
      role: "responder",
      program: "privacytools",
    });
  });
  afterEach(async () => {
    await t.close();
  });

  const api = (who: CreatedStaff, method: "GET" | "POST" | "PUT" | "PATCH", url: string, body?: unknown) =>
    staffJson(t, who, method, url, body);
  const userId = (who: CreatedStaff) => userIdOf(t, who);
  const ok = (response: LightMyRequestResponse, status = 200) => {
    expect(response.statusCode, response.body).toBe(status);
    return response.json();
  };
  const move = async (id: string, ...states: string[]) => {
    for (const to of states) ok(await api(markus, "POST", `/api/v1/cases/${id}/transitions`, { to }));
  };

  /** A Rocket.Chat report from a reporter who wants credit, triaged with its CVE id, scores and matrix. */
  async function rocketchatCase(): Promise<string> {
    const filed = await t.app.inject({
      method: "POST",
      url: "/api/v1/programs/rocketchat/reports",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({
        title: "Messages leak between rooms",
        fields: { description: "Moving a thread leaks its messages." },
        credit: { mode: "name", name: "Ada Lovelace", link: "https://ada.example" },
        contact: { email: "ada@example.org" },
      }),
    });
    const id = (filed.json() as { id: string }).id;
    await move(id, "triaged");
    ok(
      await api(markus, "PATCH", `/api/v1/cases/${id}/triage`, {
        dueAt: "2026-12-31",
        cwe: "CWE-200",
        cvss: [CVSS31, CVSS40],
      }),
    );
    await move(id, "in-progress");
    ok(
      await api(markus, "PUT", `/api/v1/cases/${id}/identifiers`, {
        cveId: "CVE-2026-40001",
        aliases: ["GHSA-abcd-efgh-ijkl"],
      }),
    );
    for (const cell of [
      { asset: "rocketchat-product", version: ">=7.0.0 <7.1.0", status: "fixed", fixedIn: "7.0.4" },
      { asset: "rocketchat-product", version: ">=6.13.0 <6.14.0", status: "affected" },
      { asset: "rocketchat-cloud", version: "live", status: "fixed", fixedIn: "2026-12-09" },
    ])
      ok(await api(markus, "PUT", `/api/v1/cases/${id}/affected`, cell));
    return id;
  }

  /** Creates the case's advisory with the case page's button; its id. */
  async function createFromCasePage(caseId: string, who = markus): Promise<string> {
    const page = await who.browser.get(`/cases/${caseId}`);
    expect(textOf(page.body)).toContain("Create the advisory");
    const created = await who.browser.post("/advisories/rocketchat", { case: caseId });
    expect(created.statusCode, created.body).toBe(303);
    const match = /^\/advisories\/rocketchat\/([a-z2-7]{16})\?notice=created$/.exec(
      String(created.headers.location),
    );
    if (match?.[1] === undefined) throw new Error(`no advisory in ${created.headers.location}`);
    return match[1];
  }

  it("Rocket.Chat: a case's advisory is prefilled, approved by a second member, published only after disclosure, corrected as revision 2", async () => {
    const caseId = await rocketchatCase();
    const advisoryId = await createFromCasePage(caseId);

    // Prefilled from the case: title, scores, CWE, CVE id and alias, matrix (minus cells under
    // investigation), the reporter's credit as finder.
    const created = ok(await api(viewer, "GET", `/api/v1/advisories/${advisoryId}`));
    expect(created).toMatchObject({
      program: "rocketchat",
      caseId,
      state: "draft",
      trackingId: null,
      draftVersion: 1,
      draft: {
        title: "Messages leak between rooms",
        cveId: "CVE-2026-40001",
        aliases: ["GHSA-abcd-efgh-ijkl"],
        cwe: "CWE-200",
        cvss31: CVSS31,
        cvss40: CVSS40,
        credits: [{ name: "Ada Lovelace", type: "finder", url: "https://ada.example/" }],
        products: [
          {
            id: "rocketchat-product",
            ranges: [
              { versions: ">=7.0.0 <7.1.0", status: "fixed", fixedIn: "7.0.4" },
              { versions: ">=6.13.0 <6.14.0", status: "affected" },
            ],
          },
          { id: "rocketchat-cloud", ranges: [{ versions: "live", status: "fixed", fixedIn: "2026-12-09" }] },
        ],
      },
    });
    // The case page now links to it, and a second press does not make another.
    expect((await markus.browser.get(`/cases/${caseId}`)).body).toContain(
      `/advisories/rocketchat/${advisoryId}`,
    );
    const again = await markus.browser.post("/advisories/rocketchat", { case: caseId });
    expect(again.headers.location).toBe(`/advisories/rocketchat/${advisoryId}`);
    const twice = await api(markus, "POST", "/api/v1/programs/rocketchat/advisories", { caseId });
    expect(twice.statusCode).toBe(409);

    // Edit through the page's form (no JavaScript): the draft's text, references, credits.
    await markus.browser.get(`/advisories/rocketchat/${advisoryId}`);
    const saved = await markus.browser.post(`/advisories/rocketchat/${advisoryId}`, {
      version: "1",
      title: "Messages leak between rooms",
      summary: "Moving a thread showed its messages to members of the target room.",
      description:
        "Update to **7.0.4**. See [the release](https://github.com/RocketChat/Rocket.Chat/releases).",
      "cve-id": "CVE-2026-40001",
      aliases: "GHSA-abcd-efgh-ijkl",
      cwe: "CWE-200",
      cvss31: CVSS31,
      cvss40: CVSS40,
      severity: "",
      products:
        "rocketchat-product | >=7.0.0 <7.1.0 | fixed | 7.0.4\nrocketchat-cloud | live | fixed | 2026-12-09",
      references: "https://github.com/RocketChat/Rocket.Chat/releases/tag/7.0.4 | release-notes",
      credits: "Ada Lovelace | finder | https://ada.example/",
      "revision-summary": "",
    });
    expect(saved.statusCode, saved.body).toBe(303);
    expect(saved.headers.location).toBe(`/advisories/rocketchat/${advisoryId}?notice=saved`);

    // The last editor may not approve; a stale version is refused; nothing is published unapproved.
    const own = await api(markus, "POST", `/api/v1/advisories/${advisoryId}/approval`, { version: 2 });
    expect(own.statusCode).toBe(409);
    expect(own.json()).toMatchObject({ error: "advisory_conflict" });
    expect(own.json().message).toContain("another member of the team must approve it");
    expect(
      (await api(fred, "POST", `/api/v1/advisories/${advisoryId}/approval`, { version: 1 })).statusCode,
    ).toBe(409);
    const unapproved = await api(fred, "POST", `/api/v1/advisories/${advisoryId}/publication`, {
      version: 2,
    });
    expect(unapproved.statusCode).toBe(409);
    expect(unapproved.json().message).toContain("not approved");
    // A viewer reads, never approves.
    expect(
      (await api(viewer, "POST", `/api/v1/advisories/${advisoryId}/approval`, { version: 2 })).statusCode,
    ).toBe(403);

    // Fred approves through the page's button.
    await fred.browser.get(`/advisories/rocketchat/${advisoryId}`);
    const approved = await fred.browser.post(`/advisories/rocketchat/${advisoryId}/approve`, {
      version: "2",
    });
    expect(approved.headers.location).toBe(`/advisories/rocketchat/${advisoryId}?notice=approved`);

    // Before the case is disclosed: refused, and nothing public.
    const early = await api(markus, "POST", `/api/v1/advisories/${advisoryId}/publication`, { version: 2 });
    expect(early.statusCode).toBe(409);
    expect(early.json().message).toContain("Not before the case is disclosed");
    await markus.browser.get(`/advisories/rocketchat/${advisoryId}`);
    const earlyForm = await markus.browser.post(`/advisories/rocketchat/${advisoryId}/publish`, {
      version: "2",
    });
    expect(earlyForm.statusCode).toBe(409);
    expect(textOf(earlyForm.body)).toContain("An advisory never leaks an embargo");
    expect(textOf((await t.app.inject({ url: "/p/rocketchat/advisories" })).body)).not.toContain(
      "Messages leak",
    );
    expect((await t.app.inject({ url: "/p/rocketchat/advisories.atom" })).body).not.toContain(
      "Messages leak",
    );
    expect(await t.store.db.selectFrom("advisory_revisions").selectAll().execute()).toEqual([]);

    // Disclosed: published as revision 1, with the program's first tracking id.
    for (const key of ROCKETCHAT_RESOLUTION_KEYS)
      ok(
        await api(markus, "POST", `/api/v1/cases/${caseId}/checklist`, {
          list: "resolution",
          key,
          done: true,
        }),
      );
    await move(caseId, "fixed");
    ok(await api(markus, "POST", `/api/v1/cases/${caseId}/agreement`, { note: "Ada agreed by phone." }));
    await move(caseId, "disclosed");
    const published = ok(
      await api(markus, "POST", `/api/v1/advisories/${advisoryId}/publication`, { version: 2 }),
      201,
    );
    expect(published).toEqual({
      revision: 1,
      trackingId: "EMBARGO-ROCKETCHAT-2026-0001",
      url: `${PUBLIC_URL}/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0001`,
    });
    const first = await t.store.db
      .selectFrom("advisory_revisions")
      .selectAll()
      .where("advisory_id", "=", advisoryId)
      .executeTakeFirstOrThrow();
    expect(first).toMatchObject({
      number: 1,
      approved_by: await userId(fred),
      published_by: await userId(markus),
    });
    const record = JSON.parse(first.record_json);
    expect(record).toMatchObject({
      trackingId: "EMBARGO-ROCKETCHAT-2026-0001",
      caseId: null,
      cveId: "CVE-2026-40001",
      severity: "high",
      cvss31: { vector: CVSS31, score: 9.3 },
      revisions: [{ number: 1, summary: "Initial publication." }],
      publisher: { name: "Rocket.Chat" },
      products: [
        { id: "rocketchat-product", vendor: "Rocket.Chat" },
        { id: "rocketchat-cloud", vendor: "Rocket.Chat" },
      ],
    });
    // Nothing public names the case.
    expect(first.record_json).not.toContain(caseId);
    const json = await t.app.inject({ url: "/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0001.json" });
    expect(json.statusCode).toBe(200);
    expect(json.headers["content-type"]).toMatch(/^application\/json/);
    expect(json.body).toBe(first.record_json);

    // A correction: the same rules, a revision summary required, then revision 2.
    const corrected = ok(
      await api(fred, "PATCH", `/api/v1/advisories/${advisoryId}`, {
        version: 2,
        products: [
          {
            id: "rocketchat-product",
            ranges: [{ versions: ">=7.0.0 <7.0.4", status: "affected", fixedIn: "7.0.4" }],
          },
        ],
      }),
    );
    expect(corrected).toMatchObject({ changed: true, draftVersion: 3, approvedBy: null });
    ok(await api(markus, "POST", `/api/v1/advisories/${advisoryId}/approval`, { version: 3 }));
    const noSummary = await api(markus, "POST", `/api/v1/advisories/${advisoryId}/publication`, {
      version: 3,
    });
    expect(noSummary.statusCode).toBe(400);
    expect(noSummary.json().fields).toEqual([
      { field: "revisionSummary", message: expect.stringContaining("Revision 2 is a correction") },
    ]);
    ok(
      await api(fred, "PATCH", `/api/v1/advisories/${advisoryId}`, {
        version: 3,
        revisionSummary: "The affected range ends at 7.0.4.",
      }),
    );
    ok(await api(markus, "POST", `/api/v1/advisories/${advisoryId}/approval`, { version: 4 }));
    t.clock.set(new Date(T0.getTime() + 600_000));
    expect(
      ok(await api(markus, "POST", `/api/v1/advisories/${advisoryId}/publication`, { version: 4 }), 201),
    ).toMatchObject({ revision: 2, trackingId: "EMBARGO-ROCKETCHAT-2026-0001" });
    const revisions = await t.store.db
      .selectFrom("advisory_revisions")
      .selectAll()
      .where("advisory_id", "=", advisoryId)
      .orderBy("number")
      .execute();
    expect(revisions.map((revision) => revision.number)).toEqual([1, 2]);
    expect(revisions[0]?.record_json).toBe(first.record_json);
    const second = JSON.parse(revisions[1]?.record_json ?? "{}");
    expect(second.revisions).toEqual([
      { number: 1, date: record.revisions[0].date, summary: "Initial publication." },
      { number: 2, date: "2026-12-10T10:10:00.000Z", summary: "The affected range ends at 7.0.4." },
    ]);
    expect(second.publishedAt).toBe(record.publishedAt);
    // Nothing left to publish: the draft is revision 2 as published.
    expect(
      (await api(markus, "POST", `/api/v1/advisories/${advisoryId}/publication`, { version: 4 })).statusCode,
    ).toBe(409);

    // The case's chain holds the advisory's steps, internally.
    const events = await t.store.db
      .selectFrom("case_events")
      .select(["type", "actor"])
      .where("case_id", "=", caseId)
      .where("type", "like", "advisory.%")
      .orderBy("seq")
      .execute();
    expect(events.map((event) => event.type)).toEqual([
      "advisory.drafted",
      "advisory.drafted",
      "advisory.approved",
      "advisory.published",
      "advisory.drafted",
      "advisory.approved",
      "advisory.drafted",
      "advisory.approved",
      "advisory.published",
    ]);
    // The draft stays encrypted at rest.
    const row = await t.store.db
      .selectFrom("advisories")
      .selectAll()
      .where("id", "=", advisoryId)
      .executeTakeFirstOrThrow();
    expect(row.content_ct).not.toContain("Messages leak");

    // The staff pages list and show it; a viewer sees no forms.
    const list = textOf((await viewer.browser.get("/advisories/rocketchat")).body);
    expect(list).toContain("Messages leak between rooms");
    expect(list).toContain("EMBARGO-ROCKETCHAT-2026-0001");
    const page = await viewer.browser.get(`/advisories/rocketchat/${advisoryId}`);
    expect(textOf(page.body)).toContain("Revision 2");
    expect(page.body).not.toContain("Save the draft");
    expect((await api(viewer, "PATCH", `/api/v1/advisories/${advisoryId}`, { title: "x" })).statusCode).toBe(
      403,
    );
  });

  it("a standalone advisory is written in its own transaction with a security-log entry, and needs a second member too", async () => {
    const created = ok(await api(markus, "POST", "/api/v1/programs/rocketchat/advisories", {}), 201);
    expect(created).toMatchObject({ caseId: null, draft: { title: "", products: [] } });
    const id = created.id as string;
    ok(
      await api(markus, "PATCH", `/api/v1/advisories/${id}`, {
        version: 1,
        title: "Session fixation in the cloud login",
        summary: "Found in an internal review.",
        products: [
          { id: "rocketchat-cloud", ranges: [{ versions: "live", status: "fixed", fixedIn: "2026-12-10" }] },
        ],
        severity: "medium",
      }),
    );
    expect((await api(markus, "POST", `/api/v1/advisories/${id}/approval`, { version: 2 })).statusCode).toBe(
      409,
    );
    ok(await api(fred, "POST", `/api/v1/advisories/${id}/approval`, { version: 2 }));
    expect(
      ok(await api(markus, "POST", `/api/v1/advisories/${id}/publication`, { version: 2 }), 201),
    ).toMatchObject({
      trackingId: "EMBARGO-ROCKETCHAT-2026-0001",
    });
    const log = await t.store.db
      .selectFrom("security_log")
      .select(["type", "actor", "payload_json"])
      .where("type", "like", "advisory.%")
      .orderBy("seq")
      .execute();
    const [m, f] = [`user:${await userId(markus)}`, `user:${await userId(fred)}`];
    expect(log.map((entry) => [entry.type, entry.actor])).toEqual([
      ["advisory.created", m],
      ["advisory.edited", m],
      ["advisory.approved", f],
      ["advisory.published", m],
    ]);
    expect(log.map((entry) => entry.payload_json).join()).not.toContain("Session fixation");
    // The next one of the program takes the next number.
    const next = ok(await api(fred, "POST", "/api/v1/programs/rocketchat/advisories", {}), 201);
    ok(
      await api(fred, "PATCH", `/api/v1/advisories/${next.id}`, { title: "Second", summary: "Another fix." }),
    );
    ok(await api(markus, "POST", `/api/v1/advisories/${next.id}/approval`, { version: 2 }));
    expect(
      ok(await api(fred, "POST", `/api/v1/advisories/${next.id}/publication`, { version: 2 }), 201),
    ).toMatchObject({
      trackingId: "EMBARGO-ROCKETCHAT-2026-0002",
    });
  });

  it("documents the advisory routes in the OpenAPI document with their schemas", async () => {
    const response = await t.app.inject({ url: "/api/v1/openapi.json" });
    expect(response.statusCode).toBe(200);
    const doc = response.json() as {
      paths: Record<string, Record<string, { security?: unknown; responses?: Record<string, unknown> }>>;
      components: { schemas?: Record<string, unknown> };
    };
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        "GET /api/v1/programs/{program}/advisories",
        "POST /api/v1/programs/{program}/advisories",
        "GET /api/v1/advisories/{id}",
        "PATCH /api/v1/advisories/{id}",
        "POST /api/v1/advisories/{id}/approval",
        "POST /api/v1/advisories/{id}/publication",
      ]),
    );
    expect(Object.keys(doc.paths["/api/v1/advisories/{id}/publication"]?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(["201", "400", "401", "403", "404", "409"]),
    );
    expect(Object.keys(doc.components.schemas ?? {})).toEqual(
      expect.arrayContaining(["Advisory", "AdvisoryDraft", "AdvisoryDraftChange", "NewAdvisory"]),
    );
  });

  it("refuses a stranger's inputs with a 400 naming the field, and other programs' advisories and cases", async () => {
    const id = (
      ok(await api(markus, "POST", "/api/v1/programs/rocketchat/advisories", {}), 201) as { id: string }
    ).id;
    const refused = async (body: Record<string, unknown>, field: string, words: string) => {
      const response = await api(markus, "PATCH", `/api/v1/advisories/${id}`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      const answer = response.json();
      expect(answer.error).toMatch(/^(invalid_request|validation_failed|bad_request)$/);
      expect(JSON.stringify(answer.fields ?? answer)).toContain(field);
      expect(answer.message.toLowerCase()).toContain(words.toLowerCase());
    };
    await refused({ references: [{ url: "javascript:alert(1)" }] }, "references.0.url", "https://");
    await refused({ references: [{ url: "http://example.org/" }] }, "references.0.url", "https://");
    await refused(
      { credits: [{ name: "Eve", type: "finder", url: "javascript:alert(1)" }] },
      "credits.0.url",
      "https://",
    );
    await refused({ credits: [{ name: "Eve", type: "hero" }] }, "credits.0.type", "type is one of");
    await refused({ cvss31: "CVSS:3.1/AV:X" }, "cvss31", "not a valid vector");
    await refused({ cvss31: CVSS40 }, "cvss31", "CVSS:3.1/");
    await refused({ cwe: "XSS" }, "cwe", "CWE-79");
    await refused({ cveId: "CVE-26-1" }, "cveId", "CVE id");
    await refused({ severity: "apocalyptic" }, "severity", "severity is one of");
    await refused(
      {
        products: [{ id: "rocketchat-product", ranges: [{ versions: ">=7.0.0 <<7.1", status: "affected" }] }],
      },
      "products.0.ranges.0.versions",
      ">=7.0.0 <<7.1",
    );
    await refused(
      { products: [{ id: "rocketchat-product", ranges: [{ versions: "7.0.3", status: "fixed" }] }] },
      "products.0.ranges.0.fixedIn",
      "version that fixes it",
    );
    await refused({ products: [{ id: "kafe-app", ranges: [] }] }, "products.0.id", "not an in-scope asset");
    await refused({ description: "x".repeat(20_001) }, "description", "at most 20,000 characters");
    const huge = await api(markus, "PATCH", `/api/v1/advisories/${id}`, { title: "x".repeat(2_001) });
    expect(huge.statusCode).toBe(400);
    const unknownMember = await api(markus, "PATCH", `/api/v1/advisories/${id}`, { caseId: "x" });
    expect(unknownMember.statusCode).toBe(400);
    expect(
      (await api(markus, "POST", `/api/v1/advisories/${id}/approval`, { version: "2" })).statusCode,
    ).toBe(400);
    // The form's lines too: a product line without its status.
    await markus.browser.get(`/advisories/rocketchat/${id}`);
    const form = await markus.browser.post(`/advisories/rocketchat/${id}`, {
      version: "1",
      title: "T",
      products: "rocketchat-product | 7.0.3",
    });
    expect(form.statusCode).toBe(400);
    expect(textOf(form.body)).toContain("Line 1 of products");
    // Nothing was saved by any of them.
    expect(ok(await api(markus, "GET", `/api/v1/advisories/${id}`)).draftVersion).toBe(1);

    // Another program's advisory is not found; its case is not one of this program's.
    expect((await api(privacy, "GET", `/api/v1/advisories/${id}`)).statusCode).toBe(404);
    expect((await api(privacy, "PATCH", `/api/v1/advisories/${id}`, { title: "Mine" })).statusCode).toBe(404);
    expect((await privacy.browser.get(`/advisories/privacytools/${id}`)).statusCode).toBe(404);
    expect((await markus.browser.get(`/advisories/privacytools/${id}`)).statusCode).toBe(404);
    const privacyCase = await fileReport(t, "privacytools");
    const foreign = await api(markus, "POST", "/api/v1/programs/rocketchat/advisories", {
      caseId: privacyCase.id,
    });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().message).toContain("There is no case");
    expect((await api(privacy, "GET", "/api/v1/programs/rocketchat/advisories")).statusCode).toBe(404);
  });
});
