import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { multipart, openForm, startTestApp, type TestApp } from "../support/web.js";
import { fileReport } from "../support/workspace.js";

/**
 * An `Authorization: Bearer …` header matters only where an API token is used: the staff
 * routes. Public pages and the intake API answer as they would without it (any bearer header,
 * a browser extension's or a proxy's, turned them into 401 before).
 */
const BAD = { authorization: "Bearer x" };

describe.each(databases)("a bearer token on public pages on $name", (database) => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp(database.open);
    token = (await fileReport(t, "kafe")).token;
  });
  afterAll(async () => {
    await t.close();
  });

  it("leaves every public page as it is", async () => {
    for (const url of [
      "/",
      "/p/kafe",
      "/p/kafe/report",
      "/.well-known/security.txt",
      "/p/kafe/security.txt",
      `/r/${token}`,
      `/r/${token}/receipt`,
      "/login",
      "/api/v1/pow/challenge",
      "/healthz",
    ]) {
      const response = await t.app.inject({ method: "GET", url, headers: BAD });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 200 });
    }
  });

  it("takes a report through the intake API and the form", async () => {
    const api = await t.app.inject({
      method: "POST",
      url: "/api/v1/programs/kafe/reports",
      headers: { ...BAD, "content-type": "application/json" },
      payload: JSON.stringify({ title: "With a header", fields: { "location-impact": "x", steps: "y" } }),
    });
    expect(api.statusCode).toBe(201);
    const form = await openForm(t.app, "/p/kafe/report");
    const body = await multipart({
      _csrf: form.csrf,
      title: "With a header",
      "fields.location-impact": "x",
      "fields.steps": "y",
    });
    const page = await t.app.inject({
      method: "POST",
      url: "/p/kafe/report",
      headers: { ...BAD, ...body.headers, cookie: form.cookie },
      payload: body.payload,
    });
    expect(page.statusCode).toBe(303);
  });

  it("still refuses the bad token where a token is used", async () => {
    const api = await t.app.inject({ method: "GET", url: "/api/v1/cases", headers: BAD });
    expect(api.statusCode).toBe(401);
    expect(api.json()).toMatchObject({ error: "invalid_token" });
    const write = await t.app.inject({
      method: "POST",
      url: "/api/v1/cases/abc/notes",
      headers: { ...BAD, "content-type": "application/json" },
      payload: JSON.stringify({ text: "x" }),
    });
    expect(write.statusCode).toBe(401);
    expect(write.json()).toMatchObject({ error: "invalid_token" });
    expect((await t.app.inject({ method: "GET", url: "/inbox", headers: BAD })).statusCode).toBe(401);
  });
});
