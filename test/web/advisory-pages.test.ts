import type { LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { csafSchemaErrors, csafValidatorFailures, osvErrors } from "../formats/validators.js";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff, staffJson } from "../support/staff.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";

/**
 * The public advisory pages (issue 13): a program's "security fixes" index, each advisory's page
 * with its revision history, its record as JSON byte for byte, and the Atom feed. Only published
 * revisions are ever served: a draft, an unknown id and another program's id are the same 404,
 * and a pending correction shows nothing until it is published. Markdown and HTML in what the
 * team wrote are neutralised on the page and in the feed.
 */
const T0 = new Date("2026-12-10T10:00:00Z");
const EVIL_TITLE = 'Fix <script>alert("title")</script> & more';
const EVIL_DESCRIPTION = [
  "Update **now**. <img src=x onerror=alert(1)>",
  "",
  "- [click](javascript:alert(2))",
  "- [safe](https://rocket.chat/security)",
  "",
  '<iframe src="https://evil.example"></iframe>',
].join("\n");

/** What in `html` is a tag other than the page's own kinds, or carries an attribute that could run code. */
function dangerous(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)]
    .filter(([, name = "", attributes = ""]) => {
      if (/^(script|iframe|img|object|embed|svg|style)$/i.test(name)) return true;
      if (/\son[a-z]+=/i.test(attributes)) return true;
      return /href="(?!https:\/\/|\/|#)/.test(attributes);
    })
    .map(([tag]) => tag);
}

describe.each(databases)("public advisory pages on $name", (database) => {
  let t: TestApp;
  let markus: CreatedStaff;
  let fred: CreatedStaff;
  beforeEach(async () => {
    t = await startTestApp(database.open);
    t.clock.set(T0);
    markus = await createStaff(t, {
      email: "markus@rocket.example",
      role: "responder",
      program: "rocketchat",
    });
    fred = await createStaff(t, { email: "fred@rocket.example", role: "responder", program: "rocketchat" });
  });
  afterEach(async () => {
    await t.close();
  });

  const api = (who: CreatedStaff, method: "GET" | "POST" | "PATCH", url: string, body?: unknown) =>
    staffJson(t, who, method, url, body);
  const ok = (response: LightMyRequestResponse, status = 200) => {
    expect(response.statusCode, response.body).toBe(status);
    return response.json();
  };
  const get = (url: string) => t.app.inject({ url });

  /** A standalone advisory: drafted by Markus, approved by Fred, published by Markus when `publish`. */
  async function advisory(
    draft: Record<string, unknown>,
    publish: boolean,
  ): Promise<{ id: string; trackingId: string | null }> {
    const { id } = ok(await api(markus, "POST", "/api/v1/programs/rocketchat/advisories", {}), 201) as {
      id: string;
    };
    ok(await api(markus, "PATCH", `/api/v1/advisories/${id}`, { version: 1, ...draft }));
    if (!publish) return { id, trackingId: null };
    ok(await api(fred, "POST", `/api/v1/advisories/${id}/approval`, { version: 2 }));
    const { trackingId } = ok(
      await api(markus, "POST", `/api/v1/advisories/${id}/publication`, { version: 2 }),
      201,
    );
    return { id, trackingId };
  }

  it("serves only published revisions: drafts, unknown and other programs' ids are the same 404", async () => {
    const published = await advisory(
      {
        title: "Messages leak between rooms",
        summary: "Moving a thread leaked its messages.",
        products: [
          {
            id: "rocketchat-product",
            ranges: [{ versions: ">=7.0.0 <7.0.4", status: "affected", fixedIn: "7.0.4" }],
          },
        ],
        references: [
          { url: "https://github.com/RocketChat/Rocket.Chat/releases/tag/7.0.4", kind: "release-notes" },
        ],
        credits: [{ name: "Ada Lovelace", type: "finder", url: "https://ada.example/" }],
        cvss31: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:N",
        cveId: "CVE-2026-40001",
      },
      true,
    );
    const draft = await advisory(
      { title: "Unannounced SSRF in webhooks", summary: "Still under embargo." },
      false,
    );
    expect(published.trackingId).toBe("EMBARGO-ROCKETCHAT-2026-0001");

    const index = await get("/p/rocketchat/advisories");
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain("Rocket.Chat security fixes");
    expect(index.body).toContain("Messages leak between rooms");
    expect(index.body).toContain('href="/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0001"');
    expect(index.body).not.toContain("Unannounced SSRF");

    const page = await get("/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0001");
    expect(page.statusCode).toBe(200);
    expect(page.headers["cache-control"]).toBe("public, max-age=300");
    for (const text of [
      "CVE-2026-40001",
      "7.0.4",
      "Ada Lovelace",
      "Revision 1",
      "Initial publication.",
      "finder",
    ])
      expect(page.body).toContain(text);
    expect(page.body).toContain('href="/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0001.json"');
    // The address ignores the tracking id's case.
    expect((await get("/p/rocketchat/advisories/embargo-rocketchat-2026-0001")).statusCode).toBe(200);

    const stored = await t.store.db
      .selectFrom("advisory_revisions")
      .select("record_json")
      .where("advisory_id", "=", published.id)
      .executeTakeFirstOrThrow();
    expect((await get("/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0001.json")).body).toBe(
      stored.record_json,
    );

    // The published advisory as OSV and CSAF 2.0, as a stranger's tool fetches them: each passes
    // its official validator (OSV schema; OASIS schema and the CSAF mandatory tests).
    const osv = await get("/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0001.osv.json");
    expect(osv.statusCode).toBe(200);
    expect(osvErrors(osv.json())).toEqual([]);
    const csaf = await get("/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0001.csaf.json");
    expect(csaf.statusCode).toBe(200);
    expect(csafSchemaErrors(csaf.json())).toEqual([]);
    expect(await csafValidatorFailures(csaf.json())).toEqual([]);
    expect(page.body).toContain('href="/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0001.csaf.json"');

    // A draft has no tracking id; guessing the next one, or the draft's id, looks like nothing at all.
    const misses = [
      "/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0002",
      "/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0002.json",
      `/p/rocketchat/advisories/${draft.id}`,
      "/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0001.exe",
      "/p/rocketchat/advisories/..%2F..%2Fetc%2Fpasswd",
      "/p/privacytools/advisories/EMBARGO-ROCKETCHAT-2026-0001",
      "/p/privacytools/advisories/EMBARGO-ROCKETCHAT-2026-0001.json",
      "/p/nowhere/advisories",
    ];
    const answers = await Promise.all(misses.map(async (url) => [url, (await get(url)).statusCode]));
    expect(answers).toEqual(misses.map((url) => [url, 404]));
    const unknown = await get("/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0009");
    const drafted = await get(`/p/rocketchat/advisories/${draft.id}`);
    expect(drafted.body).toBe(unknown.body);

    // A correction in progress shows nothing until it is published.
    ok(
      await api(fred, "PATCH", `/api/v1/advisories/${published.id}`, {
        version: 2,
        title: "SECRET CORRECTION",
      }),
    );
    expect((await get("/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0001")).body).not.toContain("SECRET");
    expect((await get("/p/rocketchat/advisories")).body).not.toContain("SECRET");
    expect((await get("/p/rocketchat/advisories.atom")).body).not.toContain("SECRET");
    expect((await get("/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0001.json")).body).toBe(
      stored.record_json,
    );

    // The feed: one entry per published advisory, linking to its page.
    const feed = await get("/p/rocketchat/advisories.atom");
    expect(feed.statusCode).toBe(200);
    expect(feed.headers["content-type"]).toMatch(/^application\/atom\+xml/);
    expect(feed.body.match(/<entry>/g)?.length).toBe(1);
    expect(feed.body).toContain(
      `<link rel="alternate" type="text/html" href="${PUBLIC_URL}/p/rocketchat/advisories/EMBARGO-ROCKETCHAT-2026-0001"/>`,
    );
    expect(feed.body).not.toContain("Unannounced SSRF");
    // A program with none has an empty index and feed.
    expect((await get("/p/kafe/advisories")).body).toContain("No advisories published yet.");
    expect((await get("/p/kafe/advisories.atom")).body).not.toContain("<entry>");
  });

  it("neutralises Markdown and HTML injection on the page and in the feed", async () => {
    const { trackingId } = await advisory(
      {
        title: EVIL_TITLE,
        summary: 'Summary with <b onmouseover="alert(3)">bold</b>',
        description: EVIL_DESCRIPTION,
        credits: [{ name: "<script>alert(4)</script>", type: "finder" }],
      },
      true,
    );
    const page = await get(`/p/rocketchat/advisories/${trackingId}`);
    expect(page.statusCode).toBe(200);
    expect(dangerous(page.body)).toEqual([]);
    expect(page.body).toContain("&lt;script>alert(&quot;title&quot;)&lt;/script>");
    expect(page.body).toContain("<strong>now</strong>");
    expect(page.body).toContain('<a href="https://rocket.chat/security">safe</a>');
    // The javascript: link stays text: no link is made of it.
    expect(page.body).toContain("<li>[click](javascript:alert(2))</li>");
    expect(page.body).not.toMatch(/href="javascript:/i);

    const index = await get("/p/rocketchat/advisories");
    expect(dangerous(index.body)).toEqual([]);

    const feed = (await get("/p/rocketchat/advisories.atom")).body;
    // The entry's HTML is escaped once more inside the XML: no raw tag of the text survives.
    expect(feed).not.toMatch(/<(script|img|iframe|b)\b/i);
    const content = /<content type="html">([^<]*)<\/content>/.exec(feed)?.[1] ?? "";
    const html = content
      .replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">")
      .replaceAll("&quot;", '"')
      .replaceAll("&amp;", "&");
    expect(html).toContain("<strong>now</strong>");
    expect(dangerous(html)).toEqual([]);
    expect(html).not.toMatch(/href="javascript:/i);
  });
});
