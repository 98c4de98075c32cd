import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { multipart, openForm, startTestApp, type TestApp } from "../support/web.js";

/**
 * Strangers send anything. 2,000 generated malformed requests (seeded, so a failure replays):
 * none may get a 5xx, the server keeps answering, and no partial case is left behind (every
 * case row belongs to a request that was told it was received).
 */
const REQUESTS = 2_000;

const validReport = {
  title: "A report",
  fields: { "location-impact": "here", steps: "do this" },
  credit: { mode: "anonymous" },
  contact: {},
};

const hostileString = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "\uFFFF",
    "😀".repeat(100),
  ),
  fc.string({ minLength: 5000, maxLength: 20_000 }),
);
const jsonValue = fc.oneof(fc.jsonValue({ maxDepth: 4 }), hostileString, fc.constant(null));

// A valid report with one part broken: a field removed, retyped, or replaced.
const mutatedReport = fc
  .tuple(
    fc.constantFrom("title", "asset", "fields", "credit", "contact", "attachments", "pow", "extra"),
    jsonValue,
  )
  .map(([key, value]) => ({ ...validReport, [key]: value }));

const jsonBody = fc.oneof(
  mutatedReport.map((body) => JSON.stringify(body)),
  jsonValue.map((value) => JSON.stringify(value)),
  mutatedReport.map((body) => JSON.stringify(body).slice(0, -3)),
  fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
  fc.constantFrom(
    "{",
    "[",
    '{"title":',
    "nul",
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{}}}',
  ),
);

const contentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "multipart/form-data",
  "multipart/form-data; boundary=",
  "multipart/form-data; boundary=xyz",
  "application/x-www-form-urlencoded",
  "application/xml",
  "",
  "garbage/!!",
);

type Generated =
  | { kind: "api"; program: string; contentType: string; body: string }
  | { kind: "form"; withCsrf: boolean; fields: Record<string, string>; filename: string; contentType: string }
  | { kind: "raw-form"; contentType: string; body: string }
  | { kind: "get"; url: string }
  | { kind: "reply"; token: string; body: string };

const request: fc.Arbitrary<Generated> = fc.oneof(
  fc.record({
    kind: fc.constant("api" as const),
    program: fc.oneof(
      fc.constantFrom("kafe", "kitsu", "nope", "KAFE", "kafe%00", "..%2f"),
      fc.string({ maxLength: 80 }),
    ),
    contentType,
    body: jsonBody,
  }),
  fc.record({
    kind: fc.constant("form" as const),
    withCsrf: fc.boolean(),
    fields: fc.dictionary(
      fc.oneof(
        fc.constantFrom(
          "title",
          "asset",
          "fields.steps",
          "fields.nope",
          "credit.mode",
          "credit.link",
          "contact.email",
          "contact.openpgpKey",
          "pow",
        ),
        fc.string({ maxLength: 20 }),
      ),
      hostileString,
      { maxKeys: 8 },
    ),
    filename: hostileString,
    contentType: fc.constantFrom("text/plain", "application/x-msdownload", "", "a/b; x=\u0001"),
  }),
  fc.record({ kind: fc.constant("raw-form" as const), contentType, body: fc.string({ maxLength: 500 }) }),
  fc.record({
    kind: fc.constant("get" as const),
    url: fc.oneof(
      fc.string({ maxLength: 100 }).map((s) => `/r/${encodeURIComponent(s)}`),
      fc.string({ maxLength: 100 }).map((s) => `/p/${encodeURIComponent(s)}`),
      fc.string({ maxLength: 100 }).map((s) => `/r/${"A".repeat(43)}/attachments/${encodeURIComponent(s)}`),
      fc.constantFrom(
        "/p/kafe/report?x=%ZZ",
        "/%",
        "/api/v1/openapi.json?a[b]=1",
        "/.well-known/security.txt/..",
      ),
    ),
  }),
  fc.record({
    kind: fc.constant("reply" as const),
    token: fc.string({ maxLength: 60 }),
    body: fc.string({ maxLength: 200 }),
  }),
);

describe.each(databases)("malformed requests on $name", (database) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(database.open);
  });
  afterAll(async () => {
    await t.close();
  });

  it(`answers ${REQUESTS} malformed requests without a 5xx and leaves no partial rows`, async () => {
    const form = await openForm(t.app, "/p/kafe/report");
    const samples = fc.sample(request, { numRuns: REQUESTS, seed: 20261125 });
    let accepted = 0;
    const serverErrors: string[] = [];
    for (const sample of samples) {
      const response = await send(sample);
      if (response.statusCode >= 500)
        serverErrors.push(`${response.statusCode} ${JSON.stringify(sample).slice(0, 300)}`);
      if (response.statusCode === 201 || response.statusCode === 303) accepted += 1;
    }
    expect(serverErrors).toEqual([]);
    expect((await t.app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    const { count } = await t.store.db
      .selectFrom("cases")
      .select((eb) => eb.fn.countAll<string | number>().as("count"))
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(accepted);

    async function send(sample: Generated) {
      switch (sample.kind) {
        case "api":
          return t.app.inject({
            method: "POST",
            url: `/api/v1/programs/${sample.program}/reports`,
            headers: sample.contentType === "" ? {} : { "content-type": sample.contentType },
            payload: sample.body,
          });
        case "form": {
          const body = await multipart(
            sample.withCsrf ? { ...sample.fields, _csrf: form.csrf } : sample.fields,
            [
              {
                name: "attachments",
                filename: sample.filename || "x",
                type: sample.contentType,
                data: Buffer.from("data"),
              },
            ],
          );
          return t.app.inject({
            method: "POST",
            url: "/p/kafe/report",
            headers: { ...body.headers, cookie: form.cookie },
            payload: body.payload,
          });
        }
        case "raw-form":
          return t.app.inject({
            method: "POST",
            url: "/p/kafe/report",
            headers: { "content-type": sample.contentType, cookie: form.cookie },
            payload: sample.body,
          });
        case "get":
          return t.app.inject({ method: "GET", url: sample.url });
        case "reply":
          return t.app.inject({
            method: "POST",
            url: `/r/${encodeURIComponent(sample.token)}/messages`,
            headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
            payload: `_csrf=${encodeURIComponent(form.csrf)}&message=${encodeURIComponent(sample.body)}`,
          });
      }
    }
  });
});
