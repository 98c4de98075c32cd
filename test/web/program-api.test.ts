import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { databases } from "../support/databases.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";

/**
 * GET /api/v1/programs/{program}: a program's template and a JSON Schema of its report body, so
 * a client fills the required fields without trial and error; and the OpenAPI document's body
 * per program. The schema is held to the intake's own answers: a body it accepts is taken in
 * (201), a body it refuses is refused (400). It is read back with zod's JSON Schema reader, which
 * checks types, required properties, enums, patterns and unknown properties (not `contains`:
 * that is checked by its shape).
 *
 * `kafe-strict` is Kafe with a required proof of concept and a required choice (written here).
 */
type JsonSchema = Parameters<typeof z.fromJSONSchema>[0];
type Json = Record<string, unknown>;

async function policiesWithStrictKafe(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "embargo-policies-"));
  await cp("examples/policies", dir, { recursive: true });
  const kafe = await readFile("examples/policies/kafe.yaml", "utf8");
  const strict = kafe
    .replace("slug: kafe\n", "slug: kafe-strict\n")
    .replace("name: Kafe\n", "name: Kafe strict\n")
    .replace("      kind: file\n", "      kind: file\n      required: true\n")
    .replace(
      "    - id: poc\n",
      '    - id: version\n      label: Affected version\n      kind: choice\n      choices: ["1.x", "2.x"]\n      required: true\n    - id: poc\n',
    );
  if (!strict.includes("id: version") || !strict.includes("required: true\n      purpose: proof-of-concept"))
    throw new Error("kafe.yaml changed shape");
  await writeFile(path.join(dir, "kafe-strict.yaml"), strict);
  return dir;
}

const POC = Buffer.from("#!/usr/bin/env python3\nprint('proof of concept')\n").toString("base64");
const kafeBody = () => ({
  title: "Heap overflow in the deploy task parser",
  asset: "kafe-source",
  fields: {
    "location-impact": "src/parser.c:120: remote code execution",
    steps: "1. craft a deploy.yaml\n2. run kafe deploy",
    "credit-name": "Ada",
    "credit-link": "https://ada.example",
  },
  contact: { email: "ada@example.net" },
  attachments: [{ filename: "poc.py", contentType: "text/x-python", dataBase64: POC, field: "poc" }],
});

describe.each(databases)("the program API on $name", (database) => {
  let t: TestApp;
  let policies: string;
  beforeAll(async () => {
    policies = await policiesWithStrictKafe();
    t = await startTestApp(database.open, {}, { policies });
  });
  afterAll(async () => {
    await t.close();
    await rm(policies, { recursive: true, force: true });
  });

  const describeProgram = async (slug: string) => {
    const response = await t.app.inject({ method: "GET", url: `/api/v1/programs/${slug}` });
    expect(response.statusCode).toBe(200);
    return response.json() as Json & { reportSchema: Json; template: { fields: Json[] } };
  };
  const submit = (slug: string, body: unknown) =>
    t.app.inject({
      method: "POST",
      url: `/api/v1/programs/${slug}/reports`,
      headers: { "content-type": "application/json" },
      payload: JSON.stringify(body),
    });
  /** What the served schema says of a body, and what the intake does with it: they must agree. */
  const verdicts = async (slug: string, body: unknown) => {
    const schema = z.fromJSONSchema((await describeProgram(slug)).reportSchema as JsonSchema);
    const response = await submit(slug, body);
    return { schema: schema.safeParse(body).success, status: response.statusCode, response };
  };

  it("describes a program: name, slug, template fields with their purpose, and a JSON Schema", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/v1/programs/kafe" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    const kafe = response.json();
    expect(kafe).toMatchObject({
      slug: "kafe",
      name: "Kafe",
      reportUrl: `${PUBLIC_URL}/api/v1/programs/kafe/reports`,
      formUrl: `${PUBLIC_URL}/p/kafe/report`,
      assets: [
        { id: "kafe-source", name: "Kafe source code" },
        { id: "kafe-binaries", name: "Kafe binary builds" },
      ],
      attachments: { maxFiles: 10, maxFileBytes: t.config.limits.attachmentBytes },
    });
    expect(kafe.template.fields).toEqual([
      {
        id: "location-impact",
        label: "Location and potential impact",
        help: "Description of the location and potential impact of the vulnerability.",
        kind: "long-text",
        required: true,
      },
      expect.objectContaining({ id: "steps", kind: "long-text", required: true }),
      expect.objectContaining({ id: "poc", kind: "file", required: false, purpose: "proof-of-concept" }),
      {
        id: "credit-name",
        label: "Your name or handle",
        help: "For recognition in our repository.",
        kind: "text",
        required: false,
        purpose: "credit-name",
      },
      {
        id: "credit-link",
        label: "A link for recognition",
        kind: "url",
        required: false,
        purpose: "credit-link",
      },
    ]);
    expect(kafe.reportSchema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");

    const strict = await describeProgram("kafe-strict");
    expect(strict.template.fields).toContainEqual({
      id: "version",
      label: "Affected version",
      kind: "choice",
      required: true,
      choices: ["1.x", "2.x"],
    });
  });

  it("answers 404 JSON for a program that does not exist", async () => {
    for (const slug of ["nope", "KAFE", "kafe%00", "..%2fkafe"]) {
      const response = await t.app.inject({ method: "GET", url: `/api/v1/programs/${slug}` });
      expect(response.statusCode).toBe(404);
      expect(response.headers["content-type"]).toMatch(/^application\/json/);
      expect(response.json()).toEqual({ error: "not_found", message: "Program not found." });
    }
  });

  it("its JSON Schema has the template's shape", async () => {
    const schema = (await describeProgram("kafe-strict")).reportSchema as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, Json & { properties?: Record<string, Json>; required?: string[] }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(["title", "fields", "attachments"]));
    const fields = schema.properties.fields!;
    expect(fields.required?.sort()).toEqual(["location-impact", "steps", "version"]);
    expect(Object.keys(fields.properties ?? {})).toEqual([
      "location-impact",
      "steps",
      "version",
      "credit-name",
      "credit-link",
    ]);
    expect(fields.properties?.version).toMatchObject({ enum: ["1.x", "2.x"], title: "Affected version" });
    expect(fields.properties?.["credit-link"]).toMatchObject({ format: "uri" });
    expect(fields.properties?.["credit-name"]).toMatchObject({ maxLength: 200 });
    expect(schema.properties.asset).toMatchObject({ enum: ["kafe-source", "kafe-binaries"] });
    // The credit is asked by the template, so not a second time.
    expect(schema.properties.credit).toBeUndefined();
    // The required file: an attachment naming the field.
    expect(schema.properties.attachments).toMatchObject({
      type: "array",
      maxItems: 10,
      contains: { required: ["field"], properties: { field: { const: "poc" } } },
      items: { properties: { field: { enum: ["poc"] } } },
    });
    // A template without credit fields keeps the credit object; without file fields, no `field`.
    const privacytools = (await describeProgram("privacytools")).reportSchema as {
      properties: Record<string, { items?: { properties?: Json } }>;
    };
    expect(privacytools.properties.credit).toBeDefined();
    expect(privacytools.properties.attachments?.items?.properties?.field).toBeUndefined();
  });

  it("its JSON Schema accepts a real report the intake takes, and refuses what the intake refuses", async () => {
    const good = await verdicts("kafe", kafeBody());
    expect(good).toMatchObject({ schema: true, status: 201 });

    const { steps: _, ...withoutSteps } = kafeBody().fields;
    const missing = await verdicts("kafe", { ...kafeBody(), fields: withoutSteps });
    expect(missing).toMatchObject({ schema: false, status: 400 });
    expect(missing.response.json().fields).toContainEqual({
      field: "fields.steps",
      message: "Steps to reproduce is required",
    });

    const strictGood = { ...kafeBody(), fields: { ...kafeBody().fields, version: "2.x" } };
    expect(await verdicts("kafe-strict", strictGood)).toMatchObject({ schema: true, status: 201 });
    for (const bad of [
      { ...strictGood, title: undefined },
      { ...strictGood, fields: { ...strictGood.fields, version: "3.x" } },
      { ...strictGood, fields: { ...strictGood.fields, steps: "   " } },
      { ...strictGood, fields: { ...strictGood.fields, unknown: "x" } },
      { ...strictGood, fields: { ...strictGood.fields, poc: "print(1)" } },
      { ...strictGood, fields: { ...strictGood.fields, "credit-link": "javascript:alert(1)" } },
      { ...strictGood, asset: "not-an-asset" },
      { ...strictGood, attachments: [{ ...strictGood.attachments[0], field: "steps" }] },
      { ...strictGood, severity: "critical" },
    ]) {
      expect(await verdicts("kafe-strict", bad)).toMatchObject({ schema: false, status: 400 });
    }

    // kulupu: its required credit name is a template field.
    const kulupu = {
      title: "Consensus bug",
      fields: { name: "Ada", description: "A bug.", components: "node", reproduction: "Run it." },
    };
    expect(await verdicts("kulupu", kulupu)).toMatchObject({ schema: true, status: 201 });
    const { name: __, ...nameless } = kulupu.fields;
    expect(await verdicts("kulupu", { ...kulupu, fields: nameless })).toMatchObject({
      schema: false,
      status: 400,
    });
  });

  it("a required file is required by the JSON Schema's `contains` and by the intake", async () => {
    const body = { ...kafeBody(), fields: { ...kafeBody().fields, version: "1.x" }, attachments: [] };
    const schema = (await describeProgram("kafe-strict")).reportSchema as {
      properties: { attachments: Json };
    };
    const { contains } = schema.properties.attachments as { contains: JsonSchema };
    // `contains`, applied by hand: no attachment answers the field.
    const answersPoc = z.fromJSONSchema(contains);
    expect(body.attachments.some((file) => answersPoc.safeParse(file).success)).toBe(false);
    expect(answersPoc.safeParse(kafeBody().attachments[0]).success).toBe(true);
    const response = await submit("kafe-strict", body);
    expect(response.statusCode).toBe(400);
    expect(response.json().fields).toEqual([
      { field: "fields.poc", message: "Proof of concept is required: attach a file" },
    ]);
  });

  it("the OpenAPI document gives each program its own report body", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/v1/openapi.json" });
    expect(response.statusCode).toBe(200);
    const doc = response.json() as {
      paths: Record<string, Record<string, Json>>;
      components: { schemas: Record<string, Json & { properties: Record<string, Json> }> };
    };
    // The generic path and request shape stay.
    expect(Object.keys(doc.paths)).toContain("/api/v1/programs/{program}/reports");
    expect(doc.paths["/api/v1/programs/{program}"]?.get).toBeDefined();
    for (const slug of ["kafe", "kafe-strict", "kitsu", "kulupu", "privacytools", "rocketchat"]) {
      const post = doc.paths[`/api/v1/programs/${slug}/reports`]?.post as {
        requestBody: { content: { "application/json": { schema: { $ref: string } } } };
      };
      expect(post.requestBody.content["application/json"].schema.$ref).toBe(
        `#/components/schemas/ReportSubmission-${slug}`,
      );
    }
    const kafe = doc.components.schemas["ReportSubmission-kafe"]!;
    expect(kafe.properties.fields).toMatchObject({ required: ["location-impact", "steps"] });
    expect(kafe.properties.attachments).toMatchObject({
      items: { properties: { field: { enum: ["poc"] } } },
    });
    // The body in the document is the one the program API serves.
    const { $schema: _, ...served } = (await describeProgram("kafe")).reportSchema;
    expect(kafe).toEqual(served);
    // Every reference in the document leads somewhere.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(refs.length).toBeGreaterThan(6);
    for (const ref of refs) expect(doc.components.schemas[ref!], ref).toBeDefined();
  });
});
