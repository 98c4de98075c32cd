import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scoreCvss } from "../../src/domain/cvss/index.js";
import { databases } from "../support/databases.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { createApiToken, fileReport, textOf } from "../support/workspace.js";

describe.each(databases)("the staff JSON API on $name", (database) => {
  let t: TestApp;
  let responderToken: string;
  let viewerToken: string;
  let kitsuToken: string;
  let adminId: string;
  beforeEach(async () => {
    t = await startTestApp(database.open);
    const admin = await createStaff(t, {
      email: "admin@privacytools.example",
      role: "admin",
      program: "privacytools",
    });
    responderToken = await createApiToken(admin, "privacytools", "responder");
    viewerToken = await createApiToken(admin, "privacytools", "viewer");
    const kitsuAdmin = await createStaff(t, {
      email: "admin@kitsu.example",
      role: "admin",
      program: "kitsu",
    });
    kitsuToken = await createApiToken(kitsuAdmin, "kitsu", "admin");
    adminId = (
      await t.store.db
        .selectFrom("users")
        .select("id")
        .where("email", "=", "admin@privacytools.example")
        .executeTakeFirstOrThrow()
    ).id;
  });
  afterEach(async () => {
    await t.close();
  });

  const api = (
    method: "GET" | "POST" | "PATCH",
    url: string,
    token: string | undefined,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    t.app.inject({
      method,
      url,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });

  it("answers 401 without credentials or with a bad token", async () => {
    const report = await fileReport(t, "privacytools");
    for (const [method, url] of [
      ["GET", "/api/v1/cases"],
      ["GET", `/api/v1/cases/${report.id}`],
      ["POST", `/api/v1/cases/${report.id}/acknowledge`],
      ["POST", `/api/v1/cases/${report.id}/transitions`],
    ] as const) {
      const response = await api(method, url, undefined, method === "POST" ? { to: "triaged" } : undefined);
      expect(response.statusCode, url).toBe(401);
      expect(response.json()).toMatchObject({ error: "login_required" });
    }
    const bad = await api("GET", "/api/v1/cases", `embargo_${"x".repeat(43)}`);
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toMatchObject({ error: "invalid_token" });
  });

  it("lists the token's program's cases with the inbox filters, and pages", async () => {
    await fileReport(t, "kitsu", { title: "Kitsu problem" });
    const a = await fileReport(t, "privacytools", { title: "Open redirect on login" });
    await fileReport(t, "privacytools", { title: "Stored XSS in the profile page" });
    const list = await api("GET", "/api/v1/cases", viewerToken);
    expect(list.statusCode).toBe(200);
    const body = list.json() as {
      cases: { id: string; title: string; program: string; clock: unknown }[];
      next: null;
    };
    expect(body.cases.map((c) => c.title).sort()).toEqual([
      "Open redirect on login",
      "Stored XSS in the profile page",
    ]);
    expect(body.next).toBeNull();
    expect(body.cases[0]).toMatchObject({
      program: "privacytools",
      state: "new",
      acknowledgeBy: "2026-11-27T10:00:00.000Z",
      clock: { text: "acknowledge within 2 d", overdue: false },
    });

    const filtered = await api("GET", "/api/v1/cases?q=redirect", viewerToken);
    expect((filtered.json() as typeof body).cases.map((c) => c.id)).toEqual([a.id]);
    const paged = await api("GET", "/api/v1/cases?limit=1", viewerToken);
    const first = paged.json() as { cases: unknown[]; next: string };
    expect(first.cases).toHaveLength(1);
    const second = await api("GET", `/api/v1/cases?limit=1&after=${first.next}`, viewerToken);
    expect((second.json() as typeof body).cases).toHaveLength(1);
    expect((await api("GET", "/api/v1/cases?after=nonsense", viewerToken)).statusCode).toBe(400);
    // Another program's token sees its own cases only.
    const kitsu = await api("GET", "/api/v1/cases", kitsuToken);
    expect((kitsu.json() as typeof body).cases.map((c) => c.title)).toEqual(["Kitsu problem"]);
  });

  it("reads a case; 404 outside the caller's programs", async () => {
    const report = await fileReport(t, "privacytools", { asset: "mastodon" });
    const read = await api("GET", `/api/v1/cases/${report.id}`, viewerToken);
    expect(read.statusCode).toBe(200);
    expect(read.headers["cache-control"]).toBe("no-store");
    expect(read.json()).toMatchObject({
      id: report.id,
      program: "privacytools",
      state: "new",
      assetId: "mastodon",
      report: {
        title: "Stored XSS in the profile page",
        fields: { description: "The bio field renders HTML." },
      },
      contact: { email: "ada@example.org", openpgpKey: null, openpgpFingerprint: null },
      allowedTransitions: ["triaged", "needs-info", "closed"],
      canWork: false,
      clocks: [
        { id: "acknowledge", state: "running", dueAt: "2026-11-27T10:00:00.000Z", text: "due in 2 d" },
        { id: "detailed-response", state: "running" },
      ],
    });
    const other = await api("GET", `/api/v1/cases/${report.id}`, kitsuToken);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual({ error: "not_found", message: "Case not found." });
    expect((await api("GET", "/api/v1/cases/aaaaaaaaaaaaaaaa", viewerToken)).statusCode).toBe(404);
    // Writes outside the programs: 404 too, not 403.
    expect(
      (await api("POST", `/api/v1/cases/${report.id}/notes`, kitsuToken, { text: "x" })).statusCode,
    ).toBe(404);
  });

  it("acknowledges, replies, notes and assigns with a responder token; a viewer token gets 403", async () => {
    const report = await fileReport(t, "privacytools");
    const forbidden = await api("POST", `/api/v1/cases/${report.id}/replies`, viewerToken, { text: "Hello" });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ error: "forbidden" });
    expect((await api("POST", `/api/v1/cases/${report.id}/acknowledge`, viewerToken)).statusCode).toBe(403);

    const ack = await api("POST", `/api/v1/cases/${report.id}/acknowledge`, responderToken);
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toEqual({ changed: true });
    expect((await api("POST", `/api/v1/cases/${report.id}/acknowledge`, responderToken)).json()).toEqual({
      changed: false,
    });

    const replied = await api("POST", `/api/v1/cases/${report.id}/replies`, responderToken, {
      text: "We are on it.",
      detailedResponse: true,
      attachments: [
        {
          filename: "fix.diff",
          contentType: "text/plain",
          dataBase64: Buffer.from("diff").toString("base64"),
        },
      ],
    });
    expect(replied.statusCode).toBe(201);
    const noted = await api("POST", `/api/v1/cases/${report.id}/notes`, responderToken, {
      text: "Internal API note",
    });
    expect(noted.statusCode).toBe(201);
    expect(
      (await api("POST", `/api/v1/cases/${report.id}/replies`, responderToken, { text: " " })).statusCode,
    ).toBe(400);

    const reporter = await t.app.inject({ method: "GET", url: `/r/${report.token}` });
    expect(textOf(reporter.body)).toContain("The team wrote We are on it.");
    expect(reporter.body).toContain("fix.diff");
    expect(reporter.body).not.toContain("Internal API note");

    const assigned = await api("POST", `/api/v1/cases/${report.id}/assignee`, responderToken, {
      userId: adminId,
    });
    expect(assigned.json()).toEqual({ changed: true });
    const notMember = await api("POST", `/api/v1/cases/${report.id}/assignee`, responderToken, {
      userId: "aaaaaaaaaaaaaaaa",
    });
    expect(notMember.statusCode).toBe(400);

    const read = (await api("GET", `/api/v1/cases/${report.id}`, responderToken)).json() as {
      assignee: string;
      detailedResponseAt: string;
      events: { type: string; reporterVisible: boolean; text?: string }[];
      clocks: { id: string; state: string }[];
    };
    expect(read.assignee).toBe(adminId);
    expect(read.detailedResponseAt).toBe(t.clock.now().toISOString());
    expect(read.events.find((e) => e.type === "team.note")).toMatchObject({
      reporterVisible: false,
      text: "Internal API note",
    });
    expect(read.clocks.map((c) => c.state)).toEqual(["met", "met"]);
  });

  it("triages with vectors (scored here), a CWE and a due date; names the bad metric", async () => {
    const report = await fileReport(t, "privacytools");
    const v31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const v40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N";
    const triaged = await api("PATCH", `/api/v1/cases/${report.id}/triage`, responderToken, {
      priority: "high",
      dueAt: "2026-12-01",
      cvss: [v31, v40],
      cwe: "79",
      tags: ["Web", "xss"],
    });
    expect(triaged.statusCode).toBe(200);
    expect(triaged.json()).toEqual({
      changed: true,
      triage: {
        priority: "high",
        severity: "medium",
        dueAt: "2026-12-01T23:59:59.000Z",
        cwe: "CWE-79",
        cvss31: { vector: v31, score: scoreCvss(v31).score },
        cvss40: { vector: v40, score: scoreCvss(v40).score },
      },
    });
    const again = await api("PATCH", `/api/v1/cases/${report.id}/triage`, responderToken, {
      priority: "high",
    });
    expect(again.json()).toMatchObject({ changed: false });

    const bad = await api("PATCH", `/api/v1/cases/${report.id}/triage`, responderToken, {
      cvss: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: "invalid_request", fields: [{ field: "cvss31" }] });
    expect((bad.json() as { message: string }).message).toContain("missing mandatory metric A");
    const cwe = await api("PATCH", `/api/v1/cases/${report.id}/triage`, responderToken, { cwe: "CWE-0" });
    expect(cwe.json()).toMatchObject({ fields: [{ field: "cwe" }] });
    const viewer = await api("PATCH", `/api/v1/cases/${report.id}/triage`, viewerToken, { priority: "low" });
    expect(viewer.statusCode).toBe(403);
  });

  it("moves a case: 200, 409 with the allowed targets, 400 without an outcome", async () => {
    const report = await fileReport(t, "privacytools");
    const refused = await api("POST", `/api/v1/cases/${report.id}/transitions`, responderToken, {
      to: "fixed",
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({
      error: "transition_not_allowed",
      message: 'Cannot move a case from "new" to "fixed"; allowed: triaged, needs-info, closed.',
      allowed: ["triaged", "needs-info", "closed"],
    });
    const noOutcome = await api("POST", `/api/v1/cases/${report.id}/transitions`, responderToken, {
      to: "closed",
    });
    expect(noOutcome.statusCode).toBe(400);
    expect(noOutcome.json()).toMatchObject({ error: "invalid_transition", fields: [{ field: "outcome" }] });

    const moved = await api("POST", `/api/v1/cases/${report.id}/transitions`, responderToken, {
      to: "triaged",
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toEqual({
      from: "new",
      to: "triaged",
      outcome: null,
      reporterMessage: "Your report has been triaged.",
      agreementDueAt: null,
    });
    const viewer = await api("POST", `/api/v1/cases/${report.id}/transitions`, viewerToken, {
      to: "in-progress",
    });
    expect(viewer.statusCode).toBe(403);
    const reporter = await t.app.inject({ method: "GET", url: `/r/${report.token}` });
    expect(textOf(reporter.body)).toContain("Your report has been triaged.");
  });

  it("takes a browser session too, but only JSON for writes", async () => {
    const report = await fileReport(t, "privacytools");
    const responder = await createStaff(t, {
      email: "r@example.org",
      role: "responder",
      program: "privacytools",
    });
    const cookie = responder.browser.cookieHeader();
    const read = await api("GET", `/api/v1/cases/${report.id}`, undefined, undefined, { cookie });
    expect(read.statusCode).toBe(200);
    const form = await t.app.inject({
      method: "POST",
      url: `/api/v1/cases/${report.id}/acknowledge`,
      headers: { cookie, "content-type": "text/plain" },
      payload: "x",
    });
    expect(form.statusCode).toBe(415);
    const json = await api("POST", `/api/v1/cases/${report.id}/acknowledge`, undefined, {}, { cookie });
    expect(json.statusCode).toBe(200);
  });

  it("lists the staff routes in the OpenAPI document with a bearer scheme", async () => {
    const doc = (await t.app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json() as {
      paths: Record<string, Record<string, { security?: unknown; responses?: Record<string, unknown> }>>;
      components: { securitySchemes?: Record<string, unknown> };
    };
    expect(doc.components.securitySchemes?.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        "GET /api/v1/cases",
        "GET /api/v1/cases/{id}",
        "POST /api/v1/cases/{id}/acknowledge",
        "POST /api/v1/cases/{id}/replies",
        "POST /api/v1/cases/{id}/notes",
        "POST /api/v1/cases/{id}/assignee",
        "PATCH /api/v1/cases/{id}/triage",
        "POST /api/v1/cases/{id}/transitions",
      ]),
    );
    const transitions = doc.paths["/api/v1/cases/{id}/transitions"]?.post;
    expect(transitions?.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(transitions?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "401", "403", "404", "409"]),
    );
    // Pages are not API routes.
    expect(routes.some((route) => route.includes("/inbox"))).toBe(false);
  });
});
