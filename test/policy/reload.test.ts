import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import { createScratchPostgresDatabase, databases } from "../support/databases.js";
import { EXAMPLE_POLICIES } from "../support/examples.js";
import { type ServerProcess, startServerProcess, waitFor } from "../support/server-process.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { fileReport, textOf } from "../support/workspace.js";

/**
 * Reloading the program policies while Embargo runs: POST /admin/policies/reload (an
 * administrator of every program, with the form's CSRF token) and SIGHUP to `embargo serve`.
 * What changed is served at once; a broken file, or a set that drops a program with cases, keeps
 * every old policy in service and says why.
 */

/** A copy of the example policies that a test may edit; the server reads it as EMBARGO_POLICIES. */
async function policyFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "embargo-reload-"));
  await cp(EXAMPLE_POLICIES, dir, { recursive: true });
  return dir;
}

async function editPolicy(dir: string, file: string, from: string, to: string): Promise<void> {
  const path = join(dir, file);
  const text = await readFile(path, "utf8");
  if (!text.includes(from)) throw new Error(`${file} has no "${from}"`);
  await writeFile(path, text.replace(from, to));
}

/** Kafe's program name, as its policy file says it. */
const KAFE_NAME = "name: Kafe\n";
/** A schema version that does not exist: the loader refuses the file. */
const BROKEN_VERSION = ["schemaVersion: 1\n", "schemaVersion: 2\n"] as const;

describe.each(databases)("policy reload over HTTP on $name", (database) => {
  let dir: string;
  let t: TestApp;
  let admin: CreatedStaff;

  const start = async (overrides: Partial<Config> = {}) => {
    t = await startTestApp(database.open, { policies: dir, ...overrides }, { policies: dir });
    admin = await createStaff(t, { email: "admin@example.org", role: "admin" });
  };
  const get = (url: string) => t.app.inject({ method: "GET", url });
  /** The reload as a script asks for it: the session, the CSRF token in a header, JSON back. */
  const reloadAsJson = async (staff: CreatedStaff): Promise<LightMyRequestResponse> => {
    await staff.browser.get("/inbox"); // a staff page: a current CSRF token
    return t.app.inject({
      method: "POST",
      url: "/admin/policies/reload",
      headers: {
        accept: "application/json",
        "content-type": "application/json",
        cookie: staff.browser.cookieHeader(),
        "x-csrf-token": staff.browser.csrf ?? "",
      },
      payload: "{}",
    });
  };
  /** The reload as a browser does it: the page, then its form. */
  const reloadWithForm = async (staff: CreatedStaff): Promise<LightMyRequestResponse> => {
    await staff.browser.get("/admin/policies");
    return staff.browser.post("/admin/policies/reload", {});
  };

  beforeEach(async () => {
    dir = await policyFolder();
  });
  afterEach(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves a changed policy after an administrator reloads with the form", async () => {
    await start();
    await editPolicy(dir, "kafe.yaml", KAFE_NAME, "name: Kafe Reloaded\n");
    await editPolicy(dir, "kafe.yaml", "address: mrtreinis@kafe.example", "address: security@kafe.example");
    // On disk only: nothing changes until the reload.
    expect((await get("/p/kafe")).body).not.toContain("Kafe Reloaded");

    const page = await admin.browser.get("/admin/policies");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(join(dir, "kafe.yaml"));
    const response = await admin.browser.post("/admin/policies/reload", {});
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/admin/policies?notice=reloaded");
    const after = await admin.browser.get(String(response.headers.location));
    expect(after.body).toContain("The policies were reloaded.");
    expect(after.body).toContain("Kafe Reloaded");

    expect((await get("/p/kafe")).body).toContain("Kafe Reloaded");
    const securityTxt = (await get("/p/kafe/security.txt")).body;
    expect(securityTxt).toContain("Contact: mailto:security@kafe.example");
    expect(securityTxt).not.toContain("mrtreinis@kafe.example");
    // Kafe is the default program (the first slug): the well-known file follows too.
    expect((await get("/.well-known/security.txt")).body).toContain("Contact: mailto:security@kafe.example");
    expect(t.logs()).toMatch(/program policies reloaded: changed kafe; unchanged kitsu, kulupu/);
  });

  it("warns administrators of contacts whose team mail cannot be encrypted (Kulupu's url-only key)", async () => {
    await start();
    const page = textOf((await admin.browser.get("/admin/policies")).body);
    expect(page).toContain("Team mail to these contacts cannot be encrypted");
    expect(page).toMatch(
      /Kulupu, wei ?: contact wei's OpenPGP key is only a url, which Embargo publishes and never fetches: give it as armored or file/,
    );
    // Programs that do not ask for encrypted communication are not listed.
    expect(page).not.toMatch(/Kafe, \w+: contact/);
  });

  it("answers JSON with what changed, and serves an added program", async () => {
    await start();
    const kafe = await readFile(join(dir, "kafe.yaml"), "utf8");
    await writeFile(
      join(dir, "kafe-labs.yaml"),
      kafe.replace("slug: kafe\n", "slug: kafe-labs\n").replace(KAFE_NAME, "name: Kafe Labs\n"),
    );
    expect((await get("/p/kafe-labs")).statusCode).toBe(404);

    const response = await reloadAsJson(admin);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: "reloaded",
      added: ["kafe-labs"],
      changed: [],
      unchanged: ["kafe", "kitsu", "kulupu", "privacytools", "rocketchat"],
      removed: [],
      defaultProgram: "kafe",
    });
    const page = await get("/p/kafe-labs");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Kafe Labs");
    expect(t.logs()).toContain("program policies reloaded: added kafe-labs");
  });

  it("keeps every old policy when one file is broken, and says why with 422", async () => {
    await start();
    // A good change beside the broken file: it must not be served either.
    await editPolicy(dir, "kafe.yaml", KAFE_NAME, "name: Kafe Reloaded\n");
    await editPolicy(dir, "kitsu.yaml", ...BROKEN_VERSION);

    const json = await reloadAsJson(admin);
    expect(json.statusCode).toBe(422);
    const body = json.json() as {
      error: string;
      reason: string;
      message: string;
      problems: { file: string; line: number; path: string; message: string }[];
    };
    expect(body.error).toBe("policies_not_reloaded");
    expect(body.reason).toBe("invalid-policies");
    expect(body.message).toContain("The previous policies are still served.");
    expect(body.problems).toEqual([
      expect.objectContaining({ file: join(dir, "kitsu.yaml"), line: 5, path: "schemaVersion" }),
    ]);

    const form = await reloadWithForm(admin);
    expect(form.statusCode).toBe(422);
    expect(form.headers["content-type"]).toContain("text/html");
    expect(form.body).toContain("Not reloaded");
    expect(form.body).toContain(`${join(dir, "kitsu.yaml")}:${body.problems[0]!.line}`);

    const kafe = await get("/p/kafe");
    expect(kafe.body).toContain("Kafe");
    expect(kafe.body).not.toContain("Kafe Reloaded");
    expect((await get("/p/kitsu")).statusCode).toBe(200);
    const logs = t.logs();
    expect(logs).toContain("program policies not reloaded, the previous ones stay in service");
    expect(logs).toContain(`${join(dir, "kitsu.yaml")}:${body.problems[0]!.line}`);
    expect(logs).not.toContain("program policies reloaded:");

    // Fixed on disk: the next reload takes both files.
    await editPolicy(dir, "kitsu.yaml", BROKEN_VERSION[1], BROKEN_VERSION[0]);
    expect((await reloadAsJson(admin)).statusCode).toBe(200);
    expect((await get("/p/kafe")).body).toContain("Kafe Reloaded");
  });

  it("refuses a reload whose team.requireSso names an identity provider that is not configured", async () => {
    await start();
    await writeFile(
      join(dir, "kitsu.yaml"),
      `${await readFile(join(dir, "kitsu.yaml"), "utf8")}\nteam: { requireSso: corp }\n`,
    );
    const json = await reloadAsJson(admin);
    expect(json.statusCode).toBe(422);
    const body = json.json() as { reason: string; message: string };
    expect(body.reason).toBe("invalid-policies");
    expect(body.message).toContain(
      'program "kitsu": team.requireSso names the identity provider "corp", which is not configured',
    );
    expect(body.message).toContain("The previous policies are still served.");
    // Kitsu's members keep signing in with their password.
    expect(t.programs.get("kitsu")?.policy.team.requireSso).toBeUndefined();
  });

  it("lets only an administrator of every program reload", async () => {
    await start();
    await editPolicy(dir, "kafe.yaml", KAFE_NAME, "name: Kafe Reloaded\n");
    const responder = await createStaff(t, { email: "responder@example.org", role: "responder" });
    const kafeAdmin = await createStaff(t, {
      email: "kafe-admin@example.org",
      role: "admin",
      program: "kafe",
    });

    for (const staff of [responder, kafeAdmin]) {
      expect((await staff.browser.get("/admin/policies")).statusCode).toBe(403);
      expect((await staff.browser.post("/admin/policies/reload", {})).statusCode).toBe(403);
      const json = await reloadAsJson(staff);
      expect(json.statusCode).toBe(403);
      expect(json.json()).toMatchObject({ error: "forbidden" });
    }
    const anonymous = await t.app.inject({ method: "POST", url: "/admin/policies/reload" });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe("/login");
    // The administrator's own session without the form's CSRF token: refused too.
    const forged = await t.app.inject({
      method: "POST",
      url: "/admin/policies/reload",
      headers: { cookie: admin.browser.cookieHeader(), "content-type": "application/x-www-form-urlencoded" },
      payload: "",
    });
    expect(forged.statusCode).toBe(403);

    expect((await get("/p/kafe")).body).not.toContain("Kafe Reloaded");
    expect(t.logs()).not.toContain("program policies reloaded");
  });

  it("refuses a reload that drops a program with cases, and allows dropping one without", async () => {
    await start();
    await fileReport(t, "kafe");
    await rm(join(dir, "kafe.yaml"));

    const refused = await reloadAsJson(admin);
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({
      error: "policies_not_reloaded",
      reason: "removes-programs-with-cases",
      message: expect.stringContaining('"kafe"'),
      problems: [],
    });
    expect((await get("/p/kafe")).statusCode).toBe(200);
    expect(t.logs()).toContain("removes-programs-with-cases");

    await cp(join(EXAMPLE_POLICIES, "kafe.yaml"), join(dir, "kafe.yaml"));
    await rm(join(dir, "kulupu.yaml"));
    const allowed = await reloadAsJson(admin);
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json()).toMatchObject({ removed: ["kulupu"], added: [] });
    expect((await get("/p/kulupu")).statusCode).toBe(404);
    expect((await get("/p/kafe")).statusCode).toBe(200);
  });

  it("refuses a reload that leaves out the configured default program", async () => {
    await start({ defaultProgram: "kulupu" });
    await rm(join(dir, "kulupu.yaml"));
    const refused = await reloadAsJson(admin);
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({
      reason: "invalid-program-set",
      message: expect.stringContaining('EMBARGO_DEFAULT_PROGRAM "kulupu"'),
    });
    expect((await get("/.well-known/security.txt")).body).toContain("/p/kulupu/security.txt");
    expect((await get("/p/kulupu")).statusCode).toBe(200);
  });
});

const processTargets = databases.map((database) => ({
  name: database.name,
  async create(dir: string): Promise<{ url: string; drop(): Promise<void> }> {
    if (database.name === "postgres") return createScratchPostgresDatabase();
    return { url: `sqlite:${join(dir, "embargo.db")}`, drop: async () => {} };
  },
}));

/** Polls an HTTP page until `check` holds on its body. */
async function untilPage(url: string, check: (body: string) => boolean, what: string): Promise<string> {
  const until = Date.now() + 20_000;
  for (;;) {
    const body = await (await fetch(url)).text();
    if (check(body)) return body;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each(processTargets)("policy reload by SIGHUP to embargo serve on $name", (target) => {
  let server: ServerProcess | undefined;
  let cleanup = async () => {};
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await cleanup();
  });

  it("serves the changed policy after SIGHUP, and keeps it when the next file is broken", async () => {
    const dir = await policyFolder();
    const data = await mkdtemp(join(tmpdir(), "embargo-reload-data-"));
    const database = await target.create(data);
    cleanup = async () => {
      await database.drop();
      await rm(dir, { recursive: true, force: true });
      await rm(data, { recursive: true, force: true });
    };
    server = await startServerProcess({
      EMBARGO_DATABASE_URL: database.url,
      EMBARGO_DATA_DIR: data,
      EMBARGO_POLICIES: dir,
      EMBARGO_PUBLIC_URL: "http://127.0.0.1",
      EMBARGO_WORKER: "off",
      EMBARGO_LOG_LEVEL: "info",
    });
    const kafePage = `${server.url}/p/kafe`;
    expect(await (await fetch(kafePage)).text()).not.toContain("Kafe Reloaded");

    await editPolicy(dir, "kafe.yaml", KAFE_NAME, "name: Kafe Reloaded\n");
    server.child.kill("SIGHUP");
    await untilPage(kafePage, (body) => body.includes("Kafe Reloaded"), "the reloaded name");
    // The log reaches the pipe a moment after the page may already be served.
    await waitFor(
      () => server?.output().includes("program policies reloaded: changed kafe") === true,
      20_000,
      "the reload's log line",
    );

    await editPolicy(dir, "kafe.yaml", "name: Kafe Reloaded\n", "name: Kafe Twice\n");
    await editPolicy(dir, "kitsu.yaml", ...BROKEN_VERSION);
    server.child.kill("SIGHUP");
    await waitFor(
      () => server?.output().includes("program policies not reloaded") === true,
      20_000,
      "the refusal's log line",
    );
    expect(server.output()).toContain(join(dir, "kitsu.yaml"));
    expect(server.child.exitCode).toBeNull();
    const body = await (await fetch(kafePage)).text();
    expect(body).toContain("Kafe Reloaded");
    expect(body).not.toContain("Kafe Twice");
  }, 120_000);
});
