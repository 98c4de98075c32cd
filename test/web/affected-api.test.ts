import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomId } from "../../src/store/ids.js";
import type { PublishedAffectedTable } from "../../src/store/schema.js";
import { seedCase } from "../support/case-work.js";
import { databases } from "../support/databases.js";
import { startTestApp, type TestApp } from "../support/web.js";

/**
 * GET /api/v1/programs/{program}/affected?product=…&version=…, as a product instance (or a
 * stranger) uses it: over HTTP, on both databases. The rows are written straight into
 * `published_affected`, as the disclosure command writes them (that table is the contract);
 * cases exist for them (their foreign key), and one case has nothing published (under embargo).
 */
const PATH = "/api/v1/programs/rocketchat/affected";
const CVE_A = "CVE-2026-1111";
const CVE_B = "CVE-2026-2222";

type Row = Pick<PublishedAffectedTable, "program" | "case_id" | "product" | "versions" | "status"> &
  Partial<PublishedAffectedTable>;

async function publish(t: TestApp, row: Row): Promise<void> {
  await t.store.db
    .insertInto("published_affected")
    .values({
      id: randomId(),
      product_name: row.product === "rocketchat-cloud" ? "Rocket.Chat hosting (cloud)" : "Rocket.Chat",
      fixed_in: null,
      cve_id: null,
      published_at: "2026-11-20T10:00:00.000Z",
      ...row,
    })
    .execute();
}

interface Answer {
  program: string;
  product: string;
  productName: string;
  version: string;
  affected: boolean;
  status: string;
  fixedIn: string[];
  advisories: {
    cveId: string | null;
    status: string;
    versions: string;
    fixedIn: string | null;
    publishedAt: string;
    affectsVersion: boolean;
  }[];
}

describe.each(databases)("GET /api/v1/programs/{program}/affected on $name", (database) => {
  let t: TestApp;
  let caseA: string;
  let caseB: string;
  let embargoed: string;

  const get = (url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: "GET", url, headers });
  const ask = async (product: string, version: string, path = PATH) => {
    const response = await get(`${path}?${new URLSearchParams({ product, version })}`);
    return { response, body: response.json() as Answer };
  };

  beforeAll(async () => {
    t = await startTestApp(database.open);
    const seed = (program: string, assetId: string) =>
      seedCase(t.store, t.keyring, { program, assetId, fields: { description: "details" } }).then(
        (seeded) => seeded.caseId,
      );
    caseA = await seed("rocketchat", "rocketchat-product");
    caseB = await seed("rocketchat", "rocketchat-product");
    embargoed = await seed("kafe", "kafe-source");
    const kulupuCase = await seed("kulupu", "kulupu-node");
    const a = { program: "rocketchat", case_id: caseA, cve_id: CVE_A };
    await publish(t, {
      ...a,
      product: "rocketchat-product",
      versions: ">=7.0.0 <7.1.0",
      status: "fixed",
      fixed_in: "7.0.3",
    });
    await publish(t, {
      ...a,
      product: "rocketchat-product",
      versions: ">=6.13.0 <6.14.0",
      status: "fixed",
      fixed_in: "6.13.2",
    });
    await publish(t, {
      ...a,
      product: "rocketchat-product",
      versions: ">=6.0.0 <6.13.0",
      status: "will-not-fix",
    });
    await publish(t, { ...a, product: "rocketchat-product", versions: "8.x", status: "not-affected" });
    await publish(t, { ...a, product: "rocketchat-cloud", versions: "live", status: "fixed" });
    // Published later, by another case: 7.0.4 was affected again, fixed in 7.0.5.
    await publish(t, {
      program: "rocketchat",
      case_id: caseB,
      cve_id: CVE_B,
      product: "rocketchat-product",
      versions: "7.0.4",
      status: "affected",
      fixed_in: "7.0.5",
      published_at: "2026-11-22T10:00:00.000Z",
    });
    // Another program's row (for a product of the same name, and for its own asset): never part
    // of Rocket.Chat's answers.
    for (const product of ["rocketchat-product", "kulupu-software"])
      await publish(t, {
        program: "kulupu",
        case_id: kulupuCase,
        product,
        product_name: "Kulupu's fork",
        versions: "*",
        status: "affected",
      });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("finds a version inside a fixed range affected, and names the fix to upgrade to", async () => {
    const { response, body } = await ask("rocketchat-product", "7.0.1");
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(body).toEqual({
      program: "rocketchat",
      product: "rocketchat-product",
      productName: "Rocket.Chat",
      version: "7.0.1",
      affected: true,
      status: "affected",
      fixedIn: ["7.0.3"],
      advisories: [
        {
          cveId: CVE_A,
          status: "fixed",
          versions: ">=7.0.0 <7.1.0",
          fixedIn: "7.0.3",
          publishedAt: "2026-11-20T10:00:00.000Z",
          affectsVersion: true,
        },
      ],
    });
    // Nothing leads back to a case.
    for (const id of [caseA, caseB, embargoed]) expect(response.body).not.toContain(id);
  });

  it("finds a version at or after the fix fixed, unless a later advisory finds it affected", async () => {
    const fixed = await ask("rocketchat-product", "7.0.3");
    expect(fixed.body).toMatchObject({ affected: false, status: "fixed", fixedIn: [] });
    expect(fixed.body.advisories.map((a) => [a.cveId, a.affectsVersion])).toEqual([[CVE_A, false]]);
    expect((await ask("rocketchat-product", "v6.13.2")).body).toMatchObject({
      affected: false,
      status: "fixed",
    });
    expect((await ask("rocketchat-product", "7.1.0-rc.1")).body.status).toBe("fixed");

    const again = await ask("rocketchat-product", "7.0.4");
    expect(again.body).toMatchObject({ affected: true, status: "affected", fixedIn: ["7.0.5"] });
    expect(again.body.advisories.map((a) => [a.cveId, a.status, a.affectsVersion])).toEqual([
      [CVE_A, "fixed", false],
      [CVE_B, "affected", true],
    ]);
    expect((await ask("rocketchat-product", "7.0.5")).body).toMatchObject({
      affected: false,
      status: "fixed",
    });
  });

  it("answers will-not-fix as affected without a fix, not-affected and unknown versions as not affected", async () => {
    expect((await ask("rocketchat-product", "6.5.0")).body).toMatchObject({
      affected: true,
      status: "affected",
      fixedIn: [],
      advisories: [{ status: "will-not-fix", affectsVersion: true }],
    });
    expect((await ask("rocketchat-product", "8.2")).body).toMatchObject({
      affected: false,
      status: "not-affected",
      advisories: [{ status: "not-affected", affectsVersion: false }],
    });
    expect((await ask("rocketchat-product", "5.4.1")).body).toMatchObject({
      affected: false,
      status: "unknown",
      fixedIn: [],
      advisories: [],
    });
  });

  it("matches labels such as live only by name", async () => {
    const live = await ask("rocketchat-cloud", "LIVE");
    expect(live.body).toMatchObject({
      productName: "Rocket.Chat hosting (cloud)",
      version: "LIVE",
      affected: false,
      status: "fixed",
    });
    expect((await ask("rocketchat-cloud", "main")).body.status).toBe("unknown");
    expect((await ask("rocketchat-cloud", "7.0.1")).body.status).toBe("unknown");
  });

  it("keeps each program's answers to its own published rows", async () => {
    expect((await ask("rocketchat-product", "9.9.9")).body).toMatchObject({
      program: "rocketchat",
      status: "unknown",
    });
    const kulupu = await ask("kulupu-software", "9.9.9", "/api/v1/programs/kulupu/affected");
    expect(kulupu.body).toMatchObject({ program: "kulupu", productName: "Kulupu's fork", affected: true });
    // Only the program's own assets are answered (a product its policy does not name is 404, rows
    // or not): made-up names never reach the cache or the database.
    const notItsAsset = await ask("rocketchat-product", "9.9.9", "/api/v1/programs/kulupu/affected");
    expect(notItsAsset.response.statusCode).toBe(404);
    expect((await ask("kulupu-software", "9.9.9")).response.statusCode).toBe(404);
  });

  it("answers a product with nothing published exactly as one that does not exist", async () => {
    const url = (product: string) => `/api/v1/programs/kafe/affected?product=${product}&version=1.0.0`;
    const underEmbargo = await get(url("kafe-source"));
    const madeUp = await get(url("no-such-product"));
    expect(underEmbargo.statusCode).toBe(404);
    expect(underEmbargo.json()).toEqual({
      error: "unknown_product",
      message: "Nothing has been published about this product.",
    });
    expect(madeUp.statusCode).toBe(underEmbargo.statusCode);
    expect(madeUp.body).toBe(underEmbargo.body);
    const comparable = (response: LightMyRequestResponse) => {
      const { date: _date, "x-ratelimit-remaining": _r, "x-ratelimit-reset": _s, ...rest } = response.headers;
      return rest;
    };
    expect(comparable(madeUp)).toEqual(comparable(underEmbargo));
    expect(underEmbargo.body).not.toContain(embargoed);

    const noProgram = await get("/api/v1/programs/nosuch/affected?product=rocketchat-product&version=7.0.1");
    expect(noProgram.statusCode).toBe(404);
    expect(noProgram.json()).toMatchObject({ error: "not_found" });
  });

  it("refuses missing, overlong, malformed and repeated inputs with 400 naming the field", async () => {
    const refused = async (query: string, field: string, message?: string) => {
      const response = await get(`${PATH}?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(response.headers["access-control-allow-origin"]).toBe("*");
      expect(response.headers["set-cookie"]).toBeUndefined();
      const body = response.json() as { error: string; fields: { field: string; message: string }[] };
      expect(body.error).toBe("invalid_request");
      expect(body.fields.map((f) => f.field)).toEqual([field]);
      if (message !== undefined) expect(body.fields[0]?.message).toContain(message);
    };
    await refused("product=rocketchat-product", "version");
    await refused("version=7.0.1", "product");
    await refused("product=rocketchat-product&version=", "version");
    await refused(`product=rocketchat-product&version=${"1".repeat(65)}`, "version");
    await refused(
      `product=rocketchat-product&version=7.${"0".repeat(20)}`,
      "version",
      "longer than 15 digits",
    );
    await refused(`product=${"p".repeat(65)}&version=7.0.1`, "product");
    // A range where a version belongs.
    await refused(
      `product=rocketchat-product&version=${encodeURIComponent(">=7.0.0 <7.1.0")}`,
      "version",
      "range, not a version",
    );
    await refused("product=rocketchat-product&version=6.x", "version", '"6.x" is a range');
    await refused(`product=rocketchat-product&version=${encodeURIComponent("7.0.1||8")}`, "version", "range");
    await refused("product=rocketchat-product&version=7..1", "version", "needs a number at position 3");
    // Arrays, however they are spelt.
    await refused("product=rocketchat-product&version[]=7.0.1", "version");
    await refused("product=rocketchat-product&version=7.0.1&version=7.0.2", "version");
    await refused("product=rocketchat-product&product=rocketchat-cloud&version=7.0.1", "product");
    // Unicode: full-width digits, a non-breaking space, a right-to-left override, an emoji.
    for (const version of ["７.０.１", "7.0.1\u00a0", "7.0\u202e.1", "7.0.1🙂"])
      await refused(
        `product=rocketchat-product&version=${encodeURIComponent(version)}`,
        "version",
        "position",
      );
    await refused(`product=${encodeURIComponent("rocketchat-prodüct")}&version=7.0.1`, "product");
  });

  it("sends cache headers and an ETag, answers 304 while it holds, and sets no cookie", async () => {
    const first = await get(`${PATH}?product=rocketchat-product&version=7.0.1`);
    expect(first.statusCode).toBe(200);
    expect(first.headers["cache-control"]).toBe("public, max-age=300");
    expect(first.headers["access-control-allow-origin"]).toBe("*");
    expect(first.headers["set-cookie"]).toBeUndefined();
    // The app's per-address request limit applies here too.
    expect(first.headers["x-ratelimit-limit"]).toBeDefined();
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);

    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const again = await get(`${PATH}?product=rocketchat-product&version=7.0.1`, {
        "if-none-match": ifNoneMatch,
      });
      expect(again.statusCode, ifNoneMatch).toBe(304);
      expect(again.body).toBe("");
      expect(again.headers.etag).toBe(etag);
      expect(again.headers["cache-control"]).toBe("public, max-age=300");
    }
    const changed = await get(`${PATH}?product=rocketchat-product&version=7.0.1`, {
      "if-none-match": '"stale"',
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.body).toBe(first.body);
    // Another version, another answer, another tag.
    const other = await get(`${PATH}?product=rocketchat-product&version=7.0.3`, { "if-none-match": etag });
    expect(other.statusCode).toBe(200);
    expect(other.headers.etag).not.toBe(etag);
    // A signed-in browser's cookie is neither needed nor answered with one.
    const withCookie = await get(`${PATH}?product=rocketchat-product&version=7.0.1`, {
      cookie: "embargo-session=whatever",
    });
    expect(withCookie.statusCode).toBe(200);
    expect(withCookie.headers["set-cookie"]).toBeUndefined();
  });

  it("serves newly published rows once the 30 s cache has expired", async () => {
    const before = await get(`${PATH}?product=rocketchat-product&version=6.14.1`);
    expect((before.json() as Answer).status).toBe("unknown");
    await publish(t, {
      program: "rocketchat",
      case_id: caseB,
      cve_id: CVE_B,
      product: "rocketchat-product",
      versions: "6.14.1",
      status: "affected",
      published_at: "2026-11-23T10:00:00.000Z",
    });
    const cached = await get(`${PATH}?product=rocketchat-product&version=6.14.1`);
    expect(cached.body).toBe(before.body);
    t.clock.set(new Date(t.clock.now().getTime() + 31_000));
    const after = await get(`${PATH}?product=rocketchat-product&version=6.14.1`, {
      "if-none-match": String(before.headers.etag),
    });
    expect(after.statusCode).toBe(200);
    expect(after.json()).toMatchObject({
      affected: true,
      status: "affected",
      advisories: [{ cveId: CVE_B }],
    });
  });

  it("is described in the OpenAPI document", async () => {
    const response = await get("/api/v1/openapi.json");
    expect(response.statusCode).toBe(200);
    const doc = response.json() as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: { schemas: Record<string, unknown> };
    };
    const operation = doc.paths["/api/v1/programs/{program}/affected"]?.get as {
      summary: string;
      tags: string[];
      parameters: { name: string; in: string; required: boolean }[];
      responses: Record<string, { description: string; headers?: Record<string, unknown> }>;
    };
    expect(operation.summary).toBe("Is my version affected?");
    expect(operation.tags).toEqual(["disclosure"]);
    expect(operation.parameters.map((p) => [p.in, p.name, p.required]).sort()).toEqual([
      ["path", "program", true],
      ["query", "product", true],
      ["query", "version", true],
    ]);
    expect(Object.keys(operation.responses).sort()).toEqual(["200", "304", "400", "404"]);
    expect(Object.keys(operation.responses["200"]?.headers ?? {})).toEqual(
      expect.arrayContaining(["Cache-Control", "ETag", "Access-Control-Allow-Origin"]),
    );
    expect(operation.responses["404"]?.description).toContain("unknown_product");
    expect(doc.components.schemas.AffectedAnswer).toBeDefined();
  });
});

describe("GET /api/v1/programs/{program}/affected under the request limit", () => {
  it("is refused with 429 past the per-address limit, like every public route", async () => {
    const rateLimits = {
      perAddressPerHour: 10_000,
      perAddressWithoutPowPerHour: 10_000,
      perProgramPerHour: 100_000,
      requestsPerMinute: 3,
    };
    const t = await startTestApp(databases[0]!.open, { rateLimits });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await t.app.inject({ method: "GET", url: `${PATH}?product=x&version=1` })).statusCode);
      expect(statuses).toEqual([404, 404, 404, 429, 429]);
    } finally {
      await t.close();
    }
  });
});
