import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { PUBLIC_URL, startTestApp, type TestApp, tokenFrom } from "../support/web.js";

const report = {
  title: "Stored XSS in the profile page",
  asset: "mastodon",
  fields: {
    description: "The bio field renders HTML.",
    reproduction: "Set bio to <img src=x onerror=alert(1)>",
  },
  credit: { mode: "name", name: "Grace" },
  contact: { email: "grace@example.net" },
};

describe.each(databases)("JSON intake API on $name", (database) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(database.open);
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (
    payload: unknown,
    headers: Record<string, string> = { "content-type": "application/json" },
    program = "privacytools",
  ) =>
    t.app.inject({
      method: "POST",
      url: `/api/v1/programs/${program}/reports`,
      headers,
      payload: typeof payload === "string" ? payload : JSON.stringify(payload),
    });

  it("creates a case and returns its id, the reporter's private URL and the acknowledgment deadline", async () => {
    const response = await post({
      ...report,
      attachments: [
        {
          filename: "poc.html",
          contentType: "text/html",
          dataBase64: Buffer.from("<b>poc</b>").toString("base64"),
        },
      ],
    });
    expect(response.statusCode).toBe(201);
    const body = response.json() as { id: string; reporterUrl: string; acknowledgeBy: string };
    expect(body.id).toMatch(/^[a-z0-9]+$/i);
    expect(body.reporterUrl.startsWith(`${PUBLIC_URL}/r/`)).toBe(true);
    // privacytools acknowledges within 48 hours.
    expect(body.acknowledgeBy).toBe("2026-11-27T10:00:00.000Z");

    const page = await t.app.inject({ method: "GET", url: `/r/${tokenFrom(body.reporterUrl)}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Stored XSS in the profile page");
    expect(page.body).toContain("&lt;img src=x onerror=alert(1)>");
    expect(page.body).toContain("poc.html");
  });

  it("answers with the case's number in its program and its reference; each program counts its own", async () => {
    const kitsuReport = {
      title: "Open redirect after sign-in",
      fields: { description: "The next parameter is followed anywhere." },
      contact: { email: "grace@example.net" },
    };
    type Created = { id: string; number: number; reference: string };
    const first = (await post(kitsuReport, undefined, "kitsu")).json() as Created;
    const second = (await post(kitsuReport, undefined, "kitsu")).json() as Created;
    expect(first.number).toBeGreaterThanOrEqual(1);
    expect(first.reference).toBe(`KITSU-${first.number}`);
    expect(second).toMatchObject({ number: first.number + 1, reference: `KITSU-${first.number + 1}` });
    // Another program's count is its own: Kafe's first case is KAFE-1, whatever Kitsu has.
    const kafe = (
      await post(
        { ...kitsuReport, fields: { "location-impact": "The admin page.", steps: "Open it." } },
        undefined,
        "kafe",
      )
    ).json() as Created;
    expect(kafe).toMatchObject({ number: 1, reference: "KAFE-1" });

    // The OpenAPI document says so.
    const doc = (await t.app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json() as {
      components: {
        schemas: Record<string, { properties: Record<string, { type?: string }>; required: string[] }>;
      };
    };
    const created = doc.components.schemas.ReportCreated!;
    expect(created.properties.number?.type).toBe("integer");
    expect(created.properties.reference?.type).toBe("string");
    expect(created.required).toEqual(expect.arrayContaining(["id", "number", "reference", "reporterUrl"]));
  });

  it("names each problem: malformed JSON, missing and unknown fields, template rules", async () => {
    const malformed = await post('{"title": "x",');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: "malformed_json" });

    const missing = await post({ ...report, title: undefined });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().fields).toEqual([expect.objectContaining({ field: "title" })]);

    const unknown = await post({ ...report, severity: "critical" });
    expect(unknown.statusCode).toBe(400);
    expect(JSON.stringify(unknown.json())).toContain("severity");

    const template = await post({ ...report, fields: { reproduction: "x" }, asset: "not-an-asset" });
    expect(template.statusCode).toBe(400);
    expect(template.json().fields).toEqual(
      expect.arrayContaining([
        { field: "fields.description", message: "Description is required" },
        { field: "asset", message: "not one of this program's in-scope assets" },
      ]),
    );
  });

  it("answers 404, 413 and 415 for the wrong program, size and content type", async () => {
    expect((await post(report, undefined, "nope")).statusCode).toBe(404);
    expect((await post(report, { "content-type": "text/plain" })).statusCode).toBe(415);
    expect((await post(report, { "content-type": "application/x-www-form-urlencoded" })).statusCode).toBe(
      415,
    );
    const big = Buffer.alloc(t.config.limits.attachmentBytes + 1).toString("base64");
    const tooLarge = await post({ ...report, attachments: [{ filename: "a.bin", dataBase64: big }] });
    expect(tooLarge.statusCode).toBe(413);
  });

  it("publishes an OpenAPI document generated from the schemas", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/v1/openapi.json" });
    expect(response.statusCode).toBe(200);
    const doc = response.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain("/api/v1/programs/{program}/reports");
    expect(JSON.stringify(doc)).toContain("dataBase64");
  });

  it("answers /healthz", async () => {
    const response = await t.app.inject({ method: "GET", url: "/healthz" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ok" });
  });
});
