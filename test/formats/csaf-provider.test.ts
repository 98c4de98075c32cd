import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateProgramKey } from "../../src/mail/pgp-keys.js";
import { saveProgramKey } from "../../src/store/program-keys.js";
import { correctAdvisory, draftAdvisory, publishAdvisory } from "../support/advisories.js";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";
import { later } from "../support/workspace.js";
import { csafSchemaErrors, csafValidatorFailures, providerMetadataErrors } from "./validators.js";

/**
 * The CSAF 2.0 provider (issue 13), walked as a CSAF aggregator walks it (CSAF 2.0 section 7.3):
 * the well-known provider-metadata.json, checked against the OASIS provider schema → the program's
 * ROLIE feed → each entry's document, checked against the CSAF schema and the mandatory tests →
 * its .sha256 compared with the bytes received → its .asc verified by GnuPG with the key the
 * metadata names. Plus index.txt and changes.csv, a draft that appears nowhere, and bad addresses.
 */
const T0 = new Date("2026-12-10T10:00:00Z");
const DIRECTORY = "/.well-known/csaf/rocketchat/white";
const CLOUD = {
  id: "rocketchat-cloud",
  ranges: [{ versions: "live", status: "fixed", fixedIn: "2026-12-10" }],
};

interface Feed {
  feed: {
    id: string;
    link: { rel: string; href: string }[];
    category: { scheme: string; term: string }[];
    updated: string;
    entry: {
      id: string;
      title: string;
      link: { rel: string; href: string }[];
      content: { type: string; src: string };
      format: { schema: string; version: string };
      published: string;
      updated: string;
    }[];
  };
}
interface Metadata {
  role: string;
  canonical_url: string;
  publisher: unknown;
  distributions: { rolie: { feeds: { url: string; tlp_label: string }[] } }[];
  public_openpgp_keys?: { fingerprint: string; url: string }[];
}

/** GnuPG's verdict on a detached signature, with only `armoredKey` in a fresh keyring. */
function gpgVerify(armoredKey: string, signature: string, data: Buffer): { ok: boolean; output: string } {
  const home = mkdtempSync(join(tmpdir(), "embargo-csaf-gpg-"));
  try {
    const gpg = (...args: string[]) =>
      spawnSync("gpg", ["--batch", "--no-autostart", ...args], {
        env: { ...process.env, GNUPGHOME: home },
        encoding: "utf8",
      });
    writeFileSync(join(home, "key.asc"), armoredKey);
    writeFileSync(join(home, "doc.json.asc"), signature);
    writeFileSync(join(home, "doc.json"), data);
    const imported = gpg("--import", join(home, "key.asc"));
    if (imported.status !== 0) throw new Error(`gpg --import: ${imported.stderr}`);
    const verified = gpg("--verify", join(home, "doc.json.asc"), join(home, "doc.json"));
    return { ok: verified.status === 0, output: verified.stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

// The validator library loads on its first use, which takes tens of seconds on a busy machine:
// once here, so that the walk's own time is the walk's.
beforeAll(async () => {
  await csafValidatorFailures({});
}, 180_000);

describe.each(databases)("CSAF provider on $name", (database) => {
  let t: TestApp;
  let people: { author: CreatedStaff; approver: CreatedStaff };
  beforeEach(async () => {
    t = await startTestApp(database.open, { defaultProgram: "rocketchat" });
    t.clock.set(T0);
    people = {
      author: await createStaff(t, {
        email: "markus@rocket.example",
        role: "responder",
        program: "rocketchat",
      }),
      approver: await createStaff(t, {
        email: "fred@rocket.example",
        role: "responder",
        program: "rocketchat",
      }),
    };
  });
  afterEach(async () => {
    await t.close();
  });

  const get = (url: string) => t.app.inject({ method: "GET", url });
  /** What an aggregator fetches is an absolute URL of this instance: fetched here through inject. */
  const fetch = async (url: string) => {
    expect(url.startsWith(`${PUBLIC_URL}/`), url).toBe(true);
    const response = await get(url.slice(PUBLIC_URL.length));
    expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
    return response;
  };
  const metadata = async () => {
    const response = await fetch(`${PUBLIC_URL}/.well-known/csaf/provider-metadata.json`);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    const doc = response.json() as Metadata;
    expect(providerMetadataErrors(doc)).toEqual([]);
    return doc;
  };
  const rocketchatFeed = async (doc: Metadata) => {
    const feeds = doc.distributions.flatMap((distribution) => distribution.rolie.feeds);
    const url = feeds.find((feed) => feed.url.includes("/rocketchat/"))?.url ?? "";
    expect(feeds.map((feed) => feed.tlp_label)).toEqual(feeds.map(() => "WHITE"));
    const feed = (await fetch(url)).json() as Feed;
    expect(feed.feed.link).toEqual([{ rel: "self", href: url }]);
    expect(feed.feed.category).toContainEqual({
      scheme: "urn:ietf:params:rolie:category:information-type",
      term: "csaf",
    });
    return feed.feed;
  };
  const link = (entry: Feed["feed"]["entry"][number], rel: string) =>
    entry.link.find((item) => item.rel === rel)?.href;

  it("an aggregator walks metadata → ROLIE feed → documents, checks each .sha256 and verifies each .asc with GnuPG", async () => {
    const first = await publishAdvisory(t, "rocketchat", people, {
      title: "Session fixation in the cloud login",
      summary: "Found in an internal review.",
      products: [CLOUD],
      severity: "medium",
    });
    await draftAdvisory(t, "rocketchat", people.author, {
      title: "Unpublished thread leak",
      summary: "Still under embargo.",
      products: [CLOUD],
    });

    // No key yet: documents and hashes, but no signature anywhere, and no key named.
    const unsigned = await metadata();
    expect(unsigned.role).toBe("csaf_provider");
    expect(unsigned.public_openpgp_keys).toBeUndefined();
    const [lone] = (await rocketchatFeed(unsigned)).entry;
    expect(link(lone!, "signature")).toBeUndefined();
    expect((await get(`${DIRECTORY}/2026/${first.trackingId.toLowerCase()}.json.asc`)).statusCode).toBe(404);

    const key = await generateProgramKey({ name: "Rocket.Chat", emails: ["security@rocket.example"] });
    await saveProgramKey(t.store, t.keyring, { program: "rocketchat", ...key }, T0);
    await later(t, { at: new Date("2026-12-11T09:00:00Z") }, people.author, people.approver);
    const second = await publishAdvisory(t, "rocketchat", people, {
      title: "Open redirect",
      summary: "A login parameter redirected anywhere.",
      products: [CLOUD],
    });
    await later(t, { at: new Date("2026-12-12T08:00:00Z") }, people.author, people.approver);
    await correctAdvisory(t, first.id, people, 2, {
      revisionSummary: "Clearer summary.",
      summary: "Reviewed.",
    });

    const doc = await metadata();
    expect(doc).toMatchObject({
      canonical_url: `${PUBLIC_URL}/.well-known/csaf/provider-metadata.json`,
      // The default program's publisher, as its documents name it.
      publisher: { category: "vendor", name: "Rocket.Chat", namespace: "https://rocket.chat" },
      // The other programs have no key: they cannot sign, so the instance is no trusted provider.
      role: "csaf_provider",
      public_openpgp_keys: [{ fingerprint: key.fingerprint, url: `${PUBLIC_URL}/p/rocketchat/openpgp.asc` }],
    });
    const armoredKey = (await fetch(doc.public_openpgp_keys?.[0]?.url ?? "")).body;

    const feed = await rocketchatFeed(doc);
    expect(feed.entry.map((entry) => entry.id)).toEqual([first.trackingId, second.trackingId]);
    expect(feed.updated).toBe("2026-12-12T08:00:00.000Z");
    for (const entry of feed.entry) {
      const self = link(entry, "self") ?? "";
      expect(self).toBe(`${PUBLIC_URL}${DIRECTORY}/2026/${entry.id.toLowerCase()}.json`);
      expect(entry.content).toEqual({ type: "application/json", src: self });
      expect(entry.format).toEqual({
        schema: "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json",
        version: "2.0",
      });
      const response = await fetch(self);
      const bytes = response.rawPayload;
      const csaf = JSON.parse(bytes.toString("utf8"));
      expect(csafSchemaErrors(csaf)).toEqual([]);
      expect(await csafValidatorFailures(csaf)).toEqual([]);
      expect(csaf.document.tracking).toMatchObject({ id: entry.id, current_release_date: entry.updated });
      expect(csaf.document.title).toBe(entry.title);
      expect((await fetch(self)).rawPayload.equals(bytes)).toBe(true);
      // One rendering: the advisory page's .csaf.json is the same bytes, so the .asc signs it too.
      const fromPage = await fetch(`${PUBLIC_URL}/p/rocketchat/advisories/${entry.id}.csaf.json`);
      expect(fromPage.rawPayload.equals(bytes)).toBe(true);

      const digest = createHash("sha256").update(bytes).digest("hex");
      const hash = await fetch(link(entry, "hash") ?? "");
      expect(hash.body).toBe(`${digest}  ${entry.id.toLowerCase()}.json\n`);

      const signature = (await fetch(link(entry, "signature") ?? "")).body;
      expect((await fetch(link(entry, "signature") ?? "")).body).toBe(signature);
      const verdict = gpgVerify(armoredKey, signature, bytes);
      expect(verdict.output).toContain("Good signature");
      expect(verdict.ok).toBe(true);
      const tampered = Buffer.from(bytes);
      tampered[10] = tampered[10]! ^ 0x01;
      const refused = gpgVerify(armoredKey, signature, tampered);
      expect(refused.output).toContain("BAD signature");
      expect(refused.ok).toBe(false);
    }
    // The corrected advisory keeps its first release date; its update is the correction's.
    expect(feed.entry[0]).toMatchObject({
      published: "2026-12-10T10:00:00.000Z",
      updated: "2026-12-12T08:00:00.000Z",
    });

    const paths = [first, second].map(({ trackingId }) => `2026/${trackingId.toLowerCase()}.json`);
    expect((await fetch(`${PUBLIC_URL}${DIRECTORY}/index.txt`)).body).toBe(`${paths.join("\n")}\n`);
    expect((await fetch(`${PUBLIC_URL}${DIRECTORY}/changes.csv`)).body).toBe(
      `"${paths[0]}","2026-12-12T08:00:00.000Z"\n"${paths[1]}","2026-12-11T09:00:00.000Z"\n`,
    );
    // The draft is nowhere: not in the feed, the listings or under the next tracking id.
    for (const url of ["/csaf-feed-tlp-white.json", "/index.txt", "/changes.csv"])
      expect((await get(`${DIRECTORY}${url}`)).body).not.toContain("Unpublished");
    expect((await get(`${DIRECTORY}/2026/embargo-rocketchat-2026-0003.json`)).statusCode).toBe(404);
  });

  it("claims csaf_trusted_provider only once every program signs its documents", async () => {
    const keys = [];
    for (const { policy } of t.programs.all()) {
      const key = await generateProgramKey({ name: policy.program.name, emails: ["security@example.org"] });
      await saveProgramKey(t.store, t.keyring, { program: policy.program.slug, ...key }, T0);
      keys.push(key.fingerprint);
    }
    const doc = await metadata();
    expect(doc.role).toBe("csaf_trusted_provider");
    expect(doc.public_openpgp_keys?.map((key) => key.fingerprint)).toEqual(keys);
    expect(doc.distributions[0]?.rolie.feeds).toHaveLength(keys.length);
    // An empty program still has its (empty) feed and listings.
    expect((await get("/.well-known/csaf/kafe/white/csaf-feed-tlp-white.json")).json()).toMatchObject({
      feed: { id: "kafe-csaf-feed-tlp-white", entry: [] },
    });
    expect((await get("/.well-known/csaf/kafe/white/index.txt")).body).toBe("");
  });

  it("answers 404 to unknown programs, years and files and to path tricks, never 500", async () => {
    const { trackingId } = await publishAdvisory(t, "rocketchat", people, {
      title: "Real",
      summary: "A real advisory.",
      products: [CLOUD],
    });
    const file = `${trackingId.toLowerCase()}.json`;
    expect((await get(`${DIRECTORY}/2026/${file}`)).statusCode).toBe(200);
    for (const url of [
      "/.well-known/csaf/nowhere/white/csaf-feed-tlp-white.json",
      "/.well-known/csaf/nowhere/white/index.txt",
      `/.well-known/csaf/nowhere/white/2026/${file}`,
      `/.well-known/csaf/kafe/white/2026/${file}`,
      `${DIRECTORY}/2025/${file}`,
      `${DIRECTORY}/2026/${trackingId}.json`,
      `${DIRECTORY}/2026/${file}.sha512`,
      `${DIRECTORY}/2026/${file}.asc`,
      `${DIRECTORY}/2026/embargo-rocketchat-2026-0099.json`,
      `${DIRECTORY}/2026/..%2f..%2fprovider-metadata.json`,
      `${DIRECTORY}/..%2f..%2f..%2fp%2frocketchat/${file}`,
      `${DIRECTORY}/2026/..%2f2026%2f${file}`,
      `${DIRECTORY}/2026/%2e%2e%2f${file}`,
      `/.well-known/csaf/..%2frocketchat/white/index.txt`,
      `${DIRECTORY}/2026/${"a".repeat(90)}.json`,
    ]) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(404);
      expect(response.body, url).not.toContain("Real");
    }
    // Longer than any address part Embargo serves: refused before any route runs.
    expect((await get(`${DIRECTORY}/2026/${"a".repeat(150)}.json`)).statusCode).toBe(414);
  });
});
