import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MAX_IMPORT_BYTES } from "../../src/cli/commands/advisory.js";
import type { AdvisoryDraft } from "../../src/domain/advisories/draft.js";
import { type CsafDocument, importCsaf, validateCsaf } from "../../src/formats/csaf.js";
import { importOsv, type OsvDocument } from "../../src/formats/osv.js";
import { openDatabase } from "../../src/store/database.js";
import {
  csafSchemaErrors,
  csafValidatorFailures,
  osvErrors,
  readVector,
  VECTORS,
} from "../formats/validators.js";
import { runEmbargo } from "../support/cli.js";
import { createScratchPostgresDatabase, databases } from "../support/databases.js";
import { type CreatedStaff, createStaff, staffJson } from "../support/staff.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";
import { textOf } from "../support/workspace.js";

/**
 * `embargo advisory import FILE --program <slug>`: the OASIS CSAF examples and test files that
 * must pass, and the OSV project's test records, become draft advisories in the database the web
 * app reads (the same master key); the team sees the draft on its staff pages and nowhere public,
 * approves and publishes it there, and the published advisory's CSAF and OSV exports pass their
 * official validators. Invalid documents and bad input are refused with exit code 1 and a message
 * on stderr, and nothing is written.
 */

const embargo = (args: string[], env: NodeJS.ProcessEnv) => runEmbargo(args, { env });

async function sharedDatabase(name: "sqlite" | "postgres"): Promise<{ url: string; drop(): Promise<void> }> {
  if (name === "postgres") return createScratchPostgresDatabase();
  const dir = mkdtempSync(join(tmpdir(), "embargo-advisory-import-"));
  return {
    url: `sqlite:${join(dir, "embargo.db")}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

interface TestCases {
  tests: { id: string; group: string; failures?: { name: string }[]; valid?: { name: string }[] }[];
}
const MANDATORY = join(VECTORS, "csaf-2.0/test/validator/data/mandatory");
const copied = new Set(readdirSync(MANDATORY).map((file) => `mandatory/${file}`));
const mandatory = (readVector("csaf-2.0/test/validator/data/testcases.json") as TestCases).tests.filter(
  (test) => test.group === "mandatory",
);
/** The files test/formats/csaf.test.ts holds the importer to: the examples and the valid test files. */
const CSAF_PASSING = [
  "examples/bsi-2022-0001.json",
  "examples/rhsa-2021_5217.json",
  ...mandatory.flatMap((test) =>
    (test.valid ?? [])
      .filter((file) => copied.has(file.name))
      .map((file) => `test/validator/data/${file.name}`),
  ),
];
const failingFile = (id: string) => {
  const name = mandatory
    .find((test) => test.id === id)
    ?.failures?.find((file) => copied.has(file.name))?.name;
  if (name === undefined) throw new Error(`no failing OASIS file for ${id}`);
  return join(VECTORS, "csaf-2.0/test/validator/data", name);
};
const VALID_OSV = ["GO-2020-0001", "GHSA-9v2f-6vcg-3hgv", "CVE-2023-41045", "PYSEC-2023-74"];
const CONTEXT = {
  id: "expected",
  program: "kulupu",
  publisher: { name: "Kulupu", namespace: "https://x.example" },
};
const T0 = new Date("2026-12-10T10:00:00Z");

describe.each(databases)("embargo advisory import on $name", (database) => {
  let shared: { url: string; drop(): Promise<void> };
  let t: TestApp;
  let markus: CreatedStaff;
  let fred: CreatedStaff;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  // The validator library takes many seconds to load on a busy machine: once, before the tests.
  beforeAll(() => validateCsaf({}).then(() => undefined), 300_000);
  beforeEach(async () => {
    shared = await sharedDatabase(database.name);
    const masterKey = randomBytes(32);
    t = await startTestApp(() => openDatabase(shared.url), {}, { masterKey });
    t.clock.set(T0);
    markus = await createStaff(t, { email: "markus@example.org", role: "responder" });
    fred = await createStaff(t, { email: "fred@example.org", role: "responder" });
    env = {
      EMBARGO_DATABASE_URL: shared.url,
      EMBARGO_POLICIES: "examples/policies",
      EMBARGO_SECRET_KEY: masterKey.toString("base64"),
      EMBARGO_PUBLIC_URL: PUBLIC_URL,
    };
    dir = mkdtempSync(join(tmpdir(), "embargo-advisory-files-"));
  });
  afterEach(async () => {
    await t.close();
    await shared.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = (who: CreatedStaff, method: "GET" | "POST" | "PATCH", url: string, body?: unknown) =>
    staffJson(t, who, method, url, body);
  const ok = (response: LightMyRequestResponse, status = 200) => {
    expect(response.statusCode, response.body).toBe(status);
    return response.json();
  };
  const fileOf = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  /** Imports `file` and answers the new advisory's id, read from the command's output. */
  const imported = async (file: string, ...args: string[]) => {
    const run = await embargo(["advisory", "import", file, ...args], env);
    expect(run.stderr, file).toBe("");
    expect(run.code, file).toBe(0);
    const id = /^id: ([a-z2-7]{16})$/m.exec(run.stdout)?.[1] ?? "";
    expect(run.stdout).toContain(`staff page: ${PUBLIC_URL}/advisories/${args[1]}/${id}`);
    return { id, stdout: run.stdout };
  };
  const draftOf = async (id: string) =>
    ok(await api(markus, "GET", `/api/v1/advisories/${id}`)) as {
      draft: AdvisoryDraft;
      draftVersion: number;
    };
  /** What a reviewer does on the staff side: a summary where the document had none, approval, publication. */
  const publish = async (id: string): Promise<string> => {
    let { draft, draftVersion } = await draftOf(id);
    if (draft.summary === "") {
      ok(
        await api(markus, "PATCH", `/api/v1/advisories/${id}`, {
          version: draftVersion,
          summary: "Imported.",
        }),
      );
      ({ draft, draftVersion } = await draftOf(id));
    }
    ok(await api(fred, "POST", `/api/v1/advisories/${id}/approval`, { version: draftVersion }));
    const published = ok(
      await api(markus, "POST", `/api/v1/advisories/${id}/publication`, { version: draftVersion }),
      201,
    );
    return published.trackingId as string;
  };
  const written = async () => ({
    advisories: (await t.store.db.selectFrom("advisories").select("id").execute()).length,
    log: (
      await t.store.db.selectFrom("security_log").select("seq").where("type", "like", "advisory.%").execute()
    ).length,
  });

  it("imports every OASIS CSAF example and valid test file as a draft keeping the shared fields; published, its CSAF passes the OASIS schema and the validator", async () => {
    expect(CSAF_PASSING.length).toBeGreaterThanOrEqual(17);
    for (const name of CSAF_PASSING) {
      const file = join(VECTORS, "csaf-2.0", name);
      const source = readVector(`csaf-2.0/${name}`) as CsafDocument;
      const { id, stdout } = await imported(file, "--program", "kulupu");
      const record = await importCsaf(source, CONTEXT);
      const { draft } = await draftOf(id);
      expect(draft.title, name).toBe(record.title);
      expect(draft.summary, name).toBe(record.summary.trim());
      expect(draft.description, name).toBe(record.description.trim());
      expect(draft.cveId, name).toBe(record.cveId);
      // The source's id is the first alias: publication gives the advisory Embargo's own.
      expect(draft.aliases[0], name).toBe(source.document.tracking.id);
      expect(draft.aliases, name).toEqual(
        [source.document.tracking.id, ...record.aliases].filter((alias) =>
          /^[A-Za-z0-9._:#-]{1,64}$/.test(alias),
        ),
      );
      expect(draft.cwe, name).toBe(record.cwe);
      expect(draft.cvss31, name).toBe(record.cvss31?.vector ?? null);
      // Kulupu has one in-scope asset: every product of the document is placed on it.
      const ranges = record.products.flatMap((product) => product.ranges);
      expect(
        draft.products.map((product) => product.id),
        name,
      ).toEqual(record.products.length === 0 ? [] : ["kulupu-software"]);
      expect(
        draft.products.flatMap((product) => product.ranges.map((range) => [range.versions, range.status])),
        name,
      ).toEqual(
        ranges
          .map((range) => [range.versions, range.status])
          .filter((pair, index, all) => all.findIndex((other) => other.join() === pair.join()) === index),
      );
      for (const reference of record.references)
        expect(
          draft.references.map((kept) => kept.url),
          name,
        ).toContain(reference.url);
      expect(
        draft.credits.map((credit) => [credit.name, credit.type]),
        name,
      ).toEqual(record.credits.map((credit) => [credit.name, credit.type]));
      if (record.products.length > 0)
        expect(stdout, name).toContain("on the asset kulupu-software (only asset)");

      const trackingId = await publish(id);
      expect(trackingId, name).toMatch(/^EMBARGO-KULUPU-2026-\d{4}$/);
      const exported = (await t.app.inject({ url: `/p/kulupu/advisories/${trackingId}.csaf.json` })).json();
      expect(csafSchemaErrors(exported), `${name}: OASIS schema`).toEqual([]);
      expect(await csafValidatorFailures(exported), `${name}: csaf-validator-lib`).toEqual([]);
      expect(exported.document.title, name).toBe(record.title);
      expect(exported.vulnerabilities?.[0]?.cve, name).toBe(record.cveId ?? undefined);
    }
    // What a draft cannot hold is said, never dropped silently.
    const bsi = await embargo(
      ["advisory", "import", join(VECTORS, "csaf-2.0/examples/bsi-2022-0001.json"), "--program", "kulupu"],
      env,
    );
    expect(bsi.stdout).toContain('not kept as is: the alias "csaf-tools/CVRF-CSAF-Converter#78"');
    expect(bsi.stdout).toContain('not kept as is: the severity "moderate" is kept as medium');
  }, 300_000);

  it("imports the OSV test records; published, the OSV export passes the OSV schema, and Embargo's own export imports back onto its asset", async () => {
    for (const name of VALID_OSV) {
      const file = join(VECTORS, `osv/testdata/${name}.json`);
      const source = readVector(`osv/testdata/${name}.json`) as OsvDocument;
      const record = importOsv(source, CONTEXT);
      // Rocket.Chat has two in-scope assets: the importer names the one for these products.
      const { id, stdout } = await imported(file, "--program", "rocketchat", "--asset", "rocketchat-product");
      expect(stdout).toContain("Imported the OSV document");
      const { draft } = await draftOf(id);
      expect(draft.title, name).toBe(record.title);
      expect(draft.description, name).toBe(record.description.trim());
      expect(draft.cveId, name).toBe(record.cveId);
      expect(draft.aliases, name).toEqual([
        ...(source.id === record.cveId ? [] : [source.id]),
        ...record.aliases,
      ]);
      expect(draft.cvss31, name).toBe(record.cvss31?.vector ?? null);
      expect(
        draft.references.map((reference) => reference.url),
        name,
      ).toEqual([...new Set(record.references.map((reference) => reference.url))]);
      const trackingId = await publish(id);
      const osv = (await t.app.inject({ url: `/p/rocketchat/advisories/${trackingId}.osv.json` })).json();
      expect(osvErrors(osv), name).toEqual([]);
      expect(osv.aliases, name).toEqual(expect.arrayContaining(draft.aliases));
      const csaf = (await t.app.inject({ url: `/p/rocketchat/advisories/${trackingId}.csaf.json` })).json();
      expect(csafSchemaErrors(csaf), name).toEqual([]);
      expect(await csafValidatorFailures(csaf), name).toEqual([]);

      // Embargo's own export names the asset by its id: it needs no --asset.
      const again = await imported(
        fileOf(`${name}.csaf.json`, JSON.stringify(csaf)),
        "--program",
        "rocketchat",
      );
      expect(again.stdout).toContain("on the asset rocketchat-product (id)");
      const round = (await draftOf(again.id)).draft;
      expect(round.products).toEqual(draft.products);
      expect(round.aliases).toEqual([trackingId, ...draft.aliases]);
    }
    // The ranges Embargo's range syntax cannot read are listed, not dropped silently.
    const gradio = await embargo(
      ["advisory", "import", join(VECTORS, "osv/testdata/GHSA-9v2f-6vcg-3hgv.json"), "--program", "kulupu"],
      env,
    );
    expect(gradio.code).toBe(0);
    expect(gradio.stdout).toContain('not kept as is: the range "4.36.-1" (affected) of "PyPI Gradio"');
  }, 300_000);

  it("shows the imported draft to the team on its staff page, its HTML title escaped, and on no public page until published", async () => {
    const source = readVector("csaf-2.0/examples/bsi-2022-0001.json") as CsafDocument;
    const title = "<script>alert(1)</script> <b>XXE</b> in the converter";
    const file = fileOf("html.json", JSON.stringify({ ...source, document: { ...source.document, title } }));
    const { id } = await imported(file, "--program", "kulupu");
    // Stored as the text it is; the pages escape it.
    expect((await draftOf(id)).draft.title).toBe(title);

    const page = await markus.browser.get(`/advisories/kulupu/${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<h1>&lt;script>alert(1)&lt;/script> &lt;b>XXE&lt;/b> in the converter</h1>");
    expect(page.body).not.toContain("<script>alert(1)");
    expect(page.body).not.toContain("<b>XXE");
    expect(textOf(page.body)).toContain("none (standalone)");
    expect(textOf(page.body)).toContain("by cli");
    const list = await markus.browser.get("/advisories/kulupu");
    expect(list.body).toContain("&lt;script>alert(1)&lt;/script>");
    expect(list.body).not.toContain("<script>alert(1)");
    expect((await t.app.inject({ url: `/advisories/kulupu/${id}` })).statusCode).not.toBe(200);

    // Nothing public until it is published.
    const index = await t.app.inject({ url: "/p/kulupu/advisories" });
    expect(index.statusCode).toBe(200);
    expect(index.body).not.toContain("XXE");
    expect((await t.app.inject({ url: "/p/kulupu/advisories.atom" })).body).not.toContain("XXE");

    // The security log says who imported what, never the document's text.
    const log = await t.store.db
      .selectFrom("security_log")
      .select(["type", "actor", "payload_json"])
      .where("type", "like", "advisory.%")
      .execute();
    expect(log.map((entry) => [entry.type, entry.actor, JSON.parse(entry.payload_json)])).toEqual([
      [
        "advisory.created",
        "cli",
        { program: "kulupu", advisoryId: id, importedFrom: "csaf", sourceId: "BSI-2022-0001" },
      ],
    ]);

    const trackingId = await publish(id);
    const published = await t.app.inject({ url: `/p/kulupu/advisories/${trackingId}` });
    expect(published.statusCode).toBe(200);
    expect(published.body).toContain("&lt;script>alert(1)&lt;/script>");
    expect(published.body).not.toContain("<script>alert(1)");
    expect((await t.app.inject({ url: "/p/kulupu/advisories" })).body).toContain("&lt;b>XXE&lt;/b>");
  });

  it("refuses invalid OASIS test files naming the failing test, and writes nothing", async () => {
    for (const [test, says] of [
      ["6.1.1", "mandatory test 6.1.1:"],
      ["6.1.6", "mandatory test 6.1.6:"],
      ["6.1.8", "the CSAF 2.0 schema"],
      ["6.1.27.3", "mandatory test 6.1.27.3:"],
    ] as const) {
      const run = await embargo(["advisory", "import", failingFile(test), "--program", "kulupu"], env);
      expect(run.code, test).toBe(1);
      expect(run.stdout, test).toBe("");
      expect(run.stderr, test).toMatch(/^embargo: CSAF document refused: it fails /);
      expect(run.stderr, test).toContain(says);
    }
    expect(await written()).toEqual({ advisories: 0, log: 0 });
  });

  it("refuses bad input with a clear message: missing, not JSON, too big, an array, unknown format, unknown program, products it cannot place", async () => {
    const bsi = join(VECTORS, "csaf-2.0/examples/bsi-2022-0001.json");
    const go = join(VECTORS, "osv/testdata/GO-2020-0001.json");
    mkdirSync(join(dir, "folder"));
    const attempts: [string[], string][] = [
      [[join(dir, "missing.json"), "--program", "kulupu"], "no such file"],
      [[join(dir, "folder"), "--program", "kulupu"], "it is a directory"],
      [[fileOf("text.json", "<html>not json</html>"), "--program", "kulupu"], "is not JSON"],
      [[fileOf("latin1.json", Buffer.from([0x7b, 0xe9, 0x7d])), "--program", "kulupu"], "is not UTF-8 text"],
      [
        [fileOf("big.json", `{"id":"${"x".repeat(MAX_IMPORT_BYTES)}"}`), "--program", "kulupu"],
        "is larger than 5 MB",
      ],
      [
        [
          fileOf("array.json", JSON.stringify([readVector("osv/testdata/GO-2020-0001.json")])),
          "--program",
          "kulupu",
        ],
        "holds a JSON array",
      ],
      [[fileOf("null.json", "null"), "--program", "kulupu"], "holds null, not a CSAF or OSV document"],
      [[fileOf("other.json", '{"hello":"world"}'), "--program", "kulupu"], "cannot tell the format"],
      [[bsi, "--program", "kulupu", "--format", "osv"], "Not an OSV document"],
      [[go, "--program", "kulupu", "--format", "csaf"], "the CSAF 2.0 schema"],
      [
        [join(VECTORS, "osv/testdata/nointroduced-CVE-2023-41045.json"), "--program", "kulupu"],
        'has no "introduced" event',
      ],
      [[go, "--program", "nope"], 'no program "nope" in examples/policies (programs: kafe, kitsu, kulupu'],
      [
        [go, "--program", "rocketchat"],
        `the document's product "Go github.com/gin-gonic/gin" matches no in-scope asset of the program by id or name; choose the asset to place it on, one of: rocketchat-product, rocketchat-cloud (--asset <id>)`,
      ],
      [
        [go, "--program", "rocketchat", "--asset", "kulupu-software"],
        '"kulupu-software" is not an in-scope asset',
      ],
    ];
    for (const [args, message] of attempts) {
      const run = await embargo(["advisory", "import", ...args], env);
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stdout, args.join(" ")).toBe("");
      expect(run.stderr, args.join(" ")).toContain(message);
    }
    // Commander's own refusals: an unknown format, no program.
    const format = await embargo(["advisory", "import", go, "--program", "kulupu", "--format", "cvrf"], env);
    expect(format.code).toBe(1);
    expect(format.stderr).toContain("Allowed choices are csaf, osv");
    const program = await embargo(["advisory", "import", go], env);
    expect(program.code).toBe(1);
    expect(program.stderr).toContain("required option '--program <slug>' not specified");
    expect(await written()).toEqual({ advisories: 0, log: 0 });
  });
});
