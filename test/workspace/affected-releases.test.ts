import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import {
  createApiToken,
  fileReport,
  postCaseForm,
  postCaseFormEntries,
  textOf,
} from "../support/workspace.js";

/**
 * The affected-release matrix of a case, its CVE id and aliases, privacytools' "fixes for every
 * release in production" and its audit for similar problems, and what is published when a case is
 * disclosed: through the case page's forms and the staff JSON API, as the team uses them.
 */
const T0 = new Date("2026-12-07T10:00:00Z");

describe.each(databases)("affected releases and CVE ids on $name", (database) => {
  let t: TestApp;
  let admin: CreatedStaff;
  let privacytoolsToken: string;
  let privacytoolsViewer: string;
  let rocketchatToken: string;
  let kitsuToken: string;
  beforeEach(async () => {
    t = await startTestApp(database.open);
    t.clock.set(T0);
    admin = await createStaff(t, { email: "admin@example.org", role: "admin" });
    privacytoolsToken = await createApiToken(admin, "privacytools", "responder");
    privacytoolsViewer = await createApiToken(admin, "privacytools", "viewer");
    rocketchatToken = await createApiToken(admin, "rocketchat", "responder");
    kitsuToken = await createApiToken(admin, "kitsu", "responder");
  });
  afterEach(async () => {
    await t.close();
  });

  const api = (method: "GET" | "POST" | "PUT", url: string, token: string, body?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  const move = (id: string, to: string, token = privacytoolsToken) =>
    api("POST", `/api/v1/cases/${id}/transitions`, token, { to });
  const setCell = (id: string, cell: Record<string, unknown>, token = privacytoolsToken) =>
    api("PUT", `/api/v1/cases/${id}/affected`, token, cell);
  const identifiers = (id: string, body: Record<string, unknown>, token = privacytoolsToken) =>
    api("PUT", `/api/v1/cases/${id}/identifiers`, token, body);
  const published = (caseId: string) =>
    t.store.db
      .selectFrom("published_affected")
      .select(["program", "product", "product_name", "versions", "status", "fixed_in", "cve_id"])
      .where("case_id", "=", caseId)
      .orderBy("product")
      .orderBy("versions")
      .execute();
  const inProgress = async (id: string) => {
    for (const to of ["triaged", "in-progress"]) expect((await move(id, to)).statusCode).toBe(200);
  };

  it("privacytools: a case is fixed only once every release in production is fixed or not affected", async () => {
    const report = await fileReport(t, "privacytools");
    await inProgress(report.id);

    // The matrix starts from the policy's releases, each under investigation.
    const matrix = await api("GET", `/api/v1/cases/${report.id}/affected`, privacytoolsViewer);
    expect(matrix.statusCode).toBe(200);
    expect(matrix.json()).toMatchObject({
      fixAllProductionReleases: true,
      cells: [
        { asset: "privacytools-code", version: "main", inProduction: true, status: "under-investigation" },
        { asset: "mastodon", version: "live", status: "under-investigation" },
        { asset: "matrix", version: "live", status: "under-investigation" },
        { asset: "riot", version: "live", status: "under-investigation" },
      ],
    });

    const refused = await move(report.id, "fixed");
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      error: "transition_blocked",
      reason: "production-releases-unfixed",
    });
    expect(refused.json().message).toContain("Mastodon hosted by privacytools.io live (under investigation)");

    // Through the case page's forms: each cell with what its status needs.
    const needsVersion = await postCaseForm(admin, report.id, "affected", {
      asset: "privacytools-code",
      version: "main",
      status: "fixed",
      "fixed-in": "",
      reason: "",
    });
    expect(needsVersion.statusCode).toBe(400);
    expect(textOf(needsVersion.body)).toContain("a fixed release names the version that fixes it");
    for (const [asset, status, fixedIn] of [
      ["privacytools-code", "fixed", "commit 4f2a9c1"],
      ["mastodon", "not-affected", ""],
      ["matrix", "fixed", "synapse 1.120.2"],
    ] as const) {
      const saved = await postCaseForm(admin, report.id, "affected", {
        asset,
        version: asset === "privacytools-code" ? "main" : "live",
        status,
        "fixed-in": fixedIn,
        reason: "",
      });
      expect(saved.statusCode).toBe(303);
      expect(saved.headers.location).toBe(`/cases/${report.id}?notice=affected`);
    }
    const same = await postCaseForm(admin, report.id, "affected", {
      asset: "mastodon",
      version: "live",
      status: "not-affected",
      "fixed-in": "",
      reason: "",
    });
    expect(same.headers.location).toBe(`/cases/${report.id}?notice=unchanged`);

    // Riot is still under investigation, and a release that will not be fixed is still owed.
    const riotOnly = await move(report.id, "fixed");
    expect(riotOnly.statusCode).toBe(409);
    expect(riotOnly.json().message).toContain(
      "still owed: Riot hosted by privacytools.io live (under investigation)",
    );
    expect(riotOnly.json().message).not.toContain("Mastodon");
    const wontFix = await setCell(report.id, {
      asset: "riot",
      version: "live",
      status: "will-not-fix",
      reason: "Riot is being retired next month",
    });
    expect(wontFix.statusCode).toBe(200);
    const stillOwed = await move(report.id, "fixed");
    expect(stillOwed.statusCode).toBe(409);
    expect(stillOwed.json().message).toContain("Riot hosted by privacytools.io live (will not fix)");
    const page = textOf((await admin.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain("Affected releases");
    expect(page).toContain("still owed: Riot hosted by privacytools.io live (will not fix)");
    expect(page).toContain("will not fix: Riot is being retired next month");

    expect(
      (await setCell(report.id, { asset: "riot", version: "live", status: "not-affected" })).statusCode,
    ).toBe(200);
    const fixed = await move(report.id, "fixed");
    expect(fixed.statusCode).toBe(200);
    expect(fixed.json()).toMatchObject({ from: "in-progress", to: "fixed" });
    // Nothing was published: the case is fixed, not disclosed.
    expect(await published(report.id)).toEqual([]);
  });

  it("Rocket.Chat: the matrix starts from the policy's releases and takes a release added on the case", async () => {
    const report = await fileReport(t, "rocketchat");
    const before = (await api("GET", `/api/v1/cases/${report.id}/affected`, rocketchatToken)).json();
    expect(before.fixAllProductionReleases).toBe(false);
    expect(
      before.cells.map((cell: { version: string; inProduction: boolean }) => [
        cell.version,
        cell.inProduction,
      ]),
    ).toEqual([
      [">=7.0.0 <7.1.0", true],
      [">=6.13.0 <6.14.0", true],
      [">=6.0.0 <6.13.0", false],
      ["live", true],
    ]);

    const added = await api("POST", `/api/v1/cases/${report.id}/releases`, rocketchatToken, {
      asset: "rocketchat-product",
      version: "5.4.x",
      inProduction: false,
    });
    expect(added.json()).toEqual({ changed: true });
    const again = await api("POST", `/api/v1/cases/${report.id}/releases`, rocketchatToken, {
      asset: "rocketchat-product",
      version: "5.4.x",
      inProduction: false,
    });
    expect(again.json()).toEqual({ changed: false });
    // The policy's own releases keep the policy's production flag.
    const policyFlag = await api("POST", `/api/v1/cases/${report.id}/releases`, rocketchatToken, {
      asset: "rocketchat-cloud",
      version: "live",
      inProduction: false,
    });
    expect(policyFlag.statusCode).toBe(400);
    // Through the case page too: a checkbox left unchecked is a release out of production.
    const viaPage = await postCaseForm(admin, report.id, "releases", {
      asset: "rocketchat-cloud",
      version: "eu-1",
    });
    expect(viaPage.headers.location).toBe(`/cases/${report.id}?notice=release-added`);

    const set = await setCell(
      report.id,
      { asset: "rocketchat-product", version: "5.4.x", status: "fixed", fixedIn: "5.4.12" },
      rocketchatToken,
    );
    expect(set.json()).toMatchObject({
      changed: true,
      cell: {
        asset: "rocketchat-product",
        version: "5.4.x",
        source: "case",
        status: "fixed",
        fixedIn: "5.4.12",
      },
    });
    const after = (await api("GET", `/api/v1/cases/${report.id}/affected`, rocketchatToken)).json();
    expect(
      after.cells.map((cell: { asset: string; version: string; status: string; inProduction: boolean }) => [
        cell.asset,
        cell.version,
        cell.status,
        cell.inProduction,
      ]),
    ).toEqual([
      ["rocketchat-product", ">=7.0.0 <7.1.0", "under-investigation", true],
      ["rocketchat-product", ">=6.13.0 <6.14.0", "under-investigation", true],
      ["rocketchat-product", ">=6.0.0 <6.13.0", "under-investigation", false],
      ["rocketchat-product", "5.4.x", "fixed", false],
      ["rocketchat-cloud", "live", "under-investigation", true],
      ["rocketchat-cloud", "eu-1", "under-investigation", false],
    ]);
    const page = textOf((await admin.browser.get(`/cases/${report.id}`)).body);
    expect(page).toContain("5.4.x (added on the case)");
    expect(page).toContain("fixed in 5.4.12");
  });

  it("refuses a malformed CVE id with 400, and one another case of the program has with 409", async () => {
    const first = await fileReport(t, "privacytools");
    const second = await fileReport(t, "privacytools", { title: "Another bug" });
    const kitsu = await fileReport(t, "kitsu");

    const malformed = await identifiers(first.id, { cveId: "CVE-26-1" });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({
      error: "invalid_request",
      fields: [{ field: "cveId", message: expect.stringContaining("CVE-2026-12345") }],
    });
    const badAlias = await identifiers(first.id, { aliases: ["GHSA <script>"] });
    expect(badAlias.statusCode).toBe(400);
    expect(badAlias.json().fields[0].field).toBe("aliases");

    const set = await identifiers(first.id, { cveId: "cve-2026-31337", aliases: ["GHSA-abcd-1234-wxyz"] });
    expect(set.json()).toEqual({ changed: true, cveId: "CVE-2026-31337", aliases: ["GHSA-abcd-1234-wxyz"] });
    expect((await identifiers(first.id, { cveId: "CVE-2026-31337" })).json()).toMatchObject({
      changed: false,
    });

    const taken = await identifiers(second.id, { cveId: "CVE-2026-31337" });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({
      error: "identifier_taken",
      message: `CVE-2026-31337 is already used by case ${first.id} of this program.`,
      fields: [{ field: "cveId" }],
    });
    const aliasTaken = await identifiers(second.id, { aliases: ["ghsa-ABCD-1234-wxyz"] });
    expect(aliasTaken.statusCode).toBe(409);
    expect(aliasTaken.json().message).toContain(`GHSA-ABCD-1234-WXYZ is already used by case ${first.id}`);
    // Through the page: the same answer beside the field.
    const viaPage = await postCaseForm(admin, second.id, "identifiers", {
      "cve-id": "CVE-2026-31337",
      aliases: "",
    });
    expect(viaPage.statusCode).toBe(409);
    expect(textOf(viaPage.body)).toContain(
      `CVE-2026-31337 is already used by case ${first.id} of this program.`,
    );

    // Another program may have it.
    const elsewhere = await identifiers(kitsu.id, { cveId: "CVE-2026-31337" }, kitsuToken);
    expect(elsewhere.statusCode).toBe(200);

    // Two members saving the same new id on two cases at once: one wins, the other gets 409.
    const race = await Promise.all([
      identifiers(first.id, { cveId: "CVE-2026-40000" }),
      identifiers(second.id, { cveId: "CVE-2026-40000" }),
    ]);
    expect(race.map((response) => response.statusCode).sort()).toEqual([200, 409]);

    // Once given up, the id is free again; the case detail lists what each case has.
    const winner = race[0]?.statusCode === 200 ? first : second;
    const loser = winner === first ? second : first;
    expect((await identifiers(winner.id, { cveId: null })).json()).toMatchObject({
      changed: true,
      cveId: null,
    });
    expect((await identifiers(loser.id, { cveId: "CVE-2026-40000" })).statusCode).toBe(200);
    const detail = (await api("GET", `/api/v1/cases/${loser.id}`, privacytoolsToken)).json();
    expect(detail).toMatchObject({ cveId: "CVE-2026-40000" });
    expect((await api("GET", `/api/v1/cases/${first.id}`, privacytoolsToken)).json().aliases).toEqual([
      "GHSA-abcd-1234-wxyz",
    ]);
    const rows = await t.store.db
      .selectFrom("case_identifiers")
      .select(["program", "value", "case_id", "kind"])
      .orderBy("program")
      .orderBy("value")
      .execute();
    expect(rows).toEqual([
      { program: "kitsu", value: "CVE-2026-31337", case_id: kitsu.id, kind: "cve" },
      { program: "privacytools", value: "CVE-2026-40000", case_id: loser.id, kind: "cve" },
      { program: "privacytools", value: "GHSA-ABCD-1234-WXYZ", case_id: first.id, kind: "alias" },
    ]);
  });

  it("publishes the matrix of a disclosed case, and nothing of a case under embargo", async () => {
    const embargoed = await fileReport(t, "privacytools", { title: "Still secret" });
    const disclosed = await fileReport(t, "privacytools");
    for (const report of [embargoed, disclosed]) {
      await inProgress(report.id);
      await identifiers(report.id, { cveId: report === embargoed ? "CVE-2026-1111" : "CVE-2026-2222" });
      for (const [asset, version, status, fixedIn] of [
        ["privacytools-code", "main", "fixed", "commit 4f2a9c1"],
        ["mastodon", "live", "not-affected", null],
        ["matrix", "live", "fixed", "synapse 1.120.2"],
        ["riot", "live", "not-affected", null],
      ] as const)
        expect((await setCell(report.id, { asset, version, status, fixedIn })).statusCode).toBe(200);
      expect((await move(report.id, "fixed")).statusCode).toBe(200);
    }
    expect(await published(embargoed.id)).toEqual([]);
    // A stranger asking "is my version affected?" learns nothing while both are under embargo.
    const stranger = (product: string, version: string) =>
      t.app.inject({
        method: "GET",
        url: `/api/v1/programs/privacytools/affected?product=${product}&version=${version}`,
      });
    expect((await stranger("matrix", "live")).statusCode).toBe(404);

    t.clock.set(new Date(T0.getTime() + 60_000));
    expect((await move(disclosed.id, "disclosed")).statusCode).toBe(200);
    // Once disclosed (and past the public answer's 30 s cache), the same question is answered.
    const answer = await stranger("matrix", "live");
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({
      product: "matrix",
      status: "fixed",
      advisories: [{ cveId: "CVE-2026-2222", status: "fixed", fixedIn: "synapse 1.120.2" }],
    });
    expect(answer.body).not.toContain("CVE-2026-1111");
    expect(answer.body).not.toContain(disclosed.id);
    const rows = await published(disclosed.id);
    expect(rows).toEqual([
      {
        program: "privacytools",
        product: "mastodon",
        product_name: "Mastodon hosted by privacytools.io",
        versions: "live",
        status: "not-affected",
        fixed_in: null,
        cve_id: "CVE-2026-2222",
      },
      {
        program: "privacytools",
        product: "matrix",
        product_name: "Matrix hosted by privacytools.io",
        versions: "live",
        status: "fixed",
        fixed_in: "synapse 1.120.2",
        cve_id: "CVE-2026-2222",
      },
      {
        program: "privacytools",
        product: "privacytools-code",
        product_name: "The privacytools.io repository and code",
        versions: "main",
        status: "fixed",
        fixed_in: "commit 4f2a9c1",
        cve_id: "CVE-2026-2222",
      },
      {
        program: "privacytools",
        product: "riot",
        product_name: "Riot hosted by privacytools.io",
        versions: "live",
        status: "not-affected",
        fixed_in: null,
        cve_id: "CVE-2026-2222",
      },
    ]);
    expect(await published(embargoed.id)).toEqual([]);

    // After disclosure, a change to the matrix or the CVE id is published in the same change; a
    // release still under investigation is not.
    const added = await api("POST", `/api/v1/cases/${disclosed.id}/releases`, privacytoolsToken, {
      asset: "privacytools-code",
      version: "v2-beta",
      inProduction: false,
    });
    expect(added.statusCode).toBe(200);
    expect(await published(disclosed.id)).toHaveLength(4);
    await setCell(disclosed.id, { asset: "privacytools-code", version: "v2-beta", status: "affected" });
    await identifiers(disclosed.id, { cveId: "CVE-2026-2223" });
    const after = await published(disclosed.id);
    expect(after).toHaveLength(5);
    expect(after.every((row) => row.cve_id === "CVE-2026-2223")).toBe(true);
    expect(after.find((row) => row.versions === "v2-beta")).toMatchObject({
      status: "affected",
      fixed_in: null,
    });
    // Still nothing about the case under embargo, whatever changes on it.
    await identifiers(embargoed.id, { cveId: "CVE-2026-1112" });
    expect(await published(embargoed.id)).toEqual([]);
    // The reporter's page says nothing of the matrix or the identifiers (internal events).
    const reporterPage = await t.app.inject({ method: "GET", url: `/r/${embargoed.token}` });
    expect(reporterPage.statusCode).toBe(200);
    expect(reporterPage.body).not.toContain("CVE-2026-1112");
    expect(reporterPage.body).not.toContain("synapse 1.120.2");
    const disclosedPage = await admin.browser.get(`/cases/${disclosed.id}`);
    expect(disclosedPage.statusCode, disclosedPage.body.slice(0, 3000)).toBe(200);
    const page = textOf(disclosedPage.body);
    expect(page).toContain(
      "The case is disclosed: these releases (all but those under investigation) are published.",
    );
  });

  it("privacytools: the audit phase completes only once its related-cases task is checked, linking cases of the program only", async () => {
    const original = await fileReport(t, "privacytools", {
      title: "XSS in the Mastodon profile bio",
      asset: "mastodon",
      fields: { description: "Stored cross-site scripting in the profile bio field." },
    });
    const report = await fileReport(t, "privacytools", {
      title: "XSS in profile bio",
      asset: "mastodon",
      fields: { description: "The profile bio field allows stored XSS." },
    });
    const kitsu = await fileReport(t, "kitsu");
    for (const phase of ["confirm", "audit"]) {
      const started = await postCaseForm(admin, report.id, "incident-phase", { phase, action: "start" });
      expect(started.statusCode).toBe(303);
    }
    const early = await postCaseForm(admin, report.id, "incident-phase", {
      phase: "audit",
      action: "complete",
    });
    expect(early.statusCode).toBe(409);
    expect(textOf(early.body)).toContain('check "Link the cases with similar problems found by the audit"');

    // The page offers the likely duplicate as a candidate.
    const page = await admin.browser.get(`/cases/${report.id}`);
    expect(page.body).toContain(`name="related" value="${original.id}"`);
    expect(textOf(page.body)).toContain("No related case linked yet.");

    // Another program's case, an unknown id and the case itself are refused, naming the id.
    for (const [other, message] of [
      [kitsu.id, `"${kitsu.id}" is not a case of this program`],
      ["aaaaaaaaaaaaaaaa", `"aaaaaaaaaaaaaaaa" is not a case of this program`],
      ["../../etc/passwd", `"../../etc/passwd" is not a case of this program`],
      [report.id, "A case is not related to itself."],
    ]) {
      const refused = await postCaseFormEntries(admin, report.id, "related-cases", [
        ["phase", "audit"],
        ["related", original.id],
        ["related-other", other ?? ""],
        ["done", "yes"],
      ]);
      expect(refused.statusCode).toBe(400);
      expect(textOf(refused.body)).toContain(message);
    }
    const tooMany = await api("POST", `/api/v1/cases/${report.id}/checklist`, privacytoolsToken, {
      list: "phase:audit",
      key: "link-the-cases-with-similar-problems-found-by-the-audit",
      done: true,
      related: Array.from({ length: 51 }, (_, i) => `case${i}`),
    });
    expect(tooMany.statusCode).toBe(400);
    // Links belong to the related-cases task only.
    const wrongItem = await api("POST", `/api/v1/cases/${report.id}/checklist`, privacytoolsToken, {
      list: "coordinator",
      key: "release",
      done: true,
      related: [original.id],
    });
    expect(wrongItem.statusCode).toBe(400);

    const linked = await postCaseFormEntries(admin, report.id, "related-cases", [
      ["phase", "audit"],
      ["related", original.id],
      ["related-other", ""],
      ["note", "same sanitizer on the bio and the display name"],
      ["done", "yes"],
    ]);
    expect(linked.statusCode).toBe(303);
    expect(linked.headers.location).toBe(`/cases/${report.id}?notice=related-cases`);
    const after = await admin.browser.get(`/cases/${report.id}`);
    expect(after.body).toContain(`<a href="/cases/${original.id}">XSS in the Mastodon profile bio</a>`);
    expect(textOf(after.body)).toContain("done: same sanitizer on the bio and the display name");

    const completed = await postCaseForm(admin, report.id, "incident-phase", {
      phase: "audit",
      action: "complete",
    });
    expect(completed.statusCode).toBe(303);
    // The API says the same: the mark keeps its links.
    const viaApi = await api("POST", `/api/v1/cases/${report.id}/checklist`, privacytoolsToken, {
      list: "phase:audit",
      key: "link-the-cases-with-similar-problems-found-by-the-audit",
      done: true,
      note: "same sanitizer on the bio and the display name",
    });
    expect(viaApi.json()).toEqual({ changed: false });
  });

  it("answers a stranger's inputs to the matrix with clear refusals", async () => {
    const report = await fileReport(t, "privacytools");
    const kitsu = await fileReport(t, "kitsu");
    const cases: [Record<string, unknown>, string, string][] = [
      [
        { asset: "mastodon", version: "1".repeat(101), status: "affected" },
        "version",
        "at most 100 characters",
      ],
      [{ asset: "mastodon", version: "x".repeat(5_000), status: "affected" }, "body.version", ""],
      [
        { asset: "gitlab", version: "live", status: "affected" },
        "asset",
        `"gitlab" is not an in-scope asset`,
      ],
      [
        { asset: "other-services", version: "live", status: "affected" },
        "version",
        "add the release to the case first",
      ],
      [{ asset: "mastodon", version: "live", status: "broken" }, "status", "The status is one of"],
      [
        { asset: "mastodon", version: "live", status: "will-not-fix" },
        "reason",
        "Will not fix needs a reason",
      ],
      [
        { asset: "mastodon", version: "live", status: "affected", fixedIn: "1.0" },
        "fixedIn",
        "only with the status fixed",
      ],
      [
        { asset: "mastodon", version: "live", status: "will-not-fix", reason: "r".repeat(2_001) },
        "reason",
        "at most 2000",
      ],
    ];
    for (const [body, field, message] of cases) {
      const refused = await setCell(report.id, body);
      expect(refused.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      if (message !== "") {
        expect(refused.json().fields[0]).toMatchObject({ field });
        expect(refused.json().message).toContain(message);
      }
    }
    const unknownField = await setCell(report.id, {
      asset: "mastodon",
      version: "live",
      status: "affected",
      extra: 1,
    });
    expect(unknownField.statusCode).toBe(400);
    const bidi = await api("POST", `/api/v1/cases/${report.id}/releases`, privacytoolsToken, {
      asset: "mastodon",
      version: "1.0\u202e",
    });
    expect(bidi.statusCode).toBe(400);
    // Viewers read, but do not write; other programs' callers do not see the case at all.
    expect(
      (
        await setCell(
          report.id,
          { asset: "mastodon", version: "live", status: "affected" },
          privacytoolsViewer,
        )
      ).statusCode,
    ).toBe(403);
    expect((await api("GET", `/api/v1/cases/${report.id}/affected`, kitsuToken)).statusCode).toBe(404);
    expect((await identifiers(kitsu.id, { cveId: "CVE-2026-5555" })).statusCode).toBe(404);
    // The page shows a refusal beside the matrix's forms.
    const viaPage = await postCaseForm(admin, report.id, "affected", {
      asset: "gitlab",
      version: "live",
      status: "affected",
    });
    expect(viaPage.statusCode).toBe(400);
    expect(textOf(viaPage.body)).toContain('"gitlab" is not an in-scope asset of this program');
    // Nothing was written by any of it.
    const matrix = (await api("GET", `/api/v1/cases/${report.id}/affected`, privacytoolsToken)).json();
    expect(matrix.cells.every((cell: { status: string }) => cell.status === "under-investigation")).toBe(
      true,
    );
    expect(matrix.cells).toHaveLength(4);
    // The OpenAPI document describes the doors.
    const openapi = (await t.app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json();
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/cases/{id}/affected",
        "/api/v1/cases/{id}/releases",
        "/api/v1/cases/{id}/identifiers",
      ]),
    );
    expect(Object.keys(openapi.components.schemas)).toEqual(
      expect.arrayContaining(["AffectedCell", "AffectedMatrix", "CaseIdentifiersRequest"]),
    );
  });
});
