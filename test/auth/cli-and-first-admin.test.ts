import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureFirstAdminLink } from "../../src/auth/first-admin.js";
import { verifySecurityLog } from "../../src/auth/security-log.js";
import { openDatabase } from "../../src/store/database.js";
import { runEmbargo } from "../support/cli.js";
import { createScratchPostgresDatabase, databases } from "../support/databases.js";
import { startServerProcess } from "../support/server-process.js";
import { Browser, completeSetupPage, signIn, TEST_PASSWORD } from "../support/staff.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";

/** A database the CLI (given only a URL in its settings) and the test app both reach. */
async function sharedDatabase(name: "sqlite" | "postgres"): Promise<{ url: string; drop(): Promise<void> }> {
  if (name === "postgres") return createScratchPostgresDatabase();
  const dir = mkdtempSync(join(tmpdir(), "embargo-user-cli-"));
  return {
    url: `sqlite:${join(dir, "embargo.db")}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe.each(databases)("embargo user, on $name", (database) => {
  let shared: { url: string; drop(): Promise<void> };
  let env: NodeJS.ProcessEnv;
  let t: TestApp | undefined;
  beforeEach(async () => {
    shared = await sharedDatabase(database.name);
    env = {
      EMBARGO_DATABASE_URL: shared.url,
      EMBARGO_PUBLIC_URL: PUBLIC_URL,
      EMBARGO_POLICIES: "examples/policies",
      EMBARGO_DATA_DIR: mkdtempSync(join(tmpdir(), "embargo-user-cli-data-")),
    };
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await shared.drop();
  });

  it("adds a user whose printed setup link works, changes their role and lists them", async () => {
    const added = await runEmbargo(
      ["user", "add", "--email", "Ops@Kafe.example", "--role", "responder", "--program", "kafe"],
      { env },
    );
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    expect(added.stdout).toContain("added ops@kafe.example: responder on kafe");
    const link = /https:\/\/security\.example\.org\/setup\/([A-Za-z0-9_-]{43})\n/.exec(added.stdout);
    expect(link).not.toBeNull();
    const token = link?.[1] ?? "";

    const app = await startTestApp(() => openDatabase(shared.url));
    t = app;
    const browser = new Browser(app.app);
    const password = `${TEST_PASSWORD} ops`;
    await completeSetupPage(app, browser, token, { password, totp: false });
    expect((await signIn(app, browser, { email: "ops@kafe.example", password })).statusCode).toBe(303);
    expect((await browser.get("/api/v1/me")).json()).toMatchObject({
      roles: [{ program: "kafe", role: "responder" }],
    });

    const role = await runEmbargo(["user", "role", "--email", "ops@kafe.example", "--role", "admin"], {
      env,
    });
    expect(role.code).toBe(0);
    expect(role.stdout).toBe("ops@kafe.example: admin on every program\n");
    // Roles are read per request: the change applies to the open session at once.
    expect((await browser.get("/api/v1/me")).json()).toMatchObject({
      roles: [
        { program: "*", role: "admin" },
        { program: "kafe", role: "responder" },
      ],
    });

    const list = await runEmbargo(["user", "list"], { env });
    expect(list.code).toBe(0);
    expect(list.stdout).toBe("ops@kafe.example\tactive\tno-2fa\tadmin@*, responder@kafe\n");

    const types = (await app.store.db.selectFrom("security_log").select("type").orderBy("seq").execute()).map(
      (r) => r.type,
    );
    expect(types).toEqual([
      "user.created",
      "user.setup-link-created",
      "user.setup-completed",
      "signin.succeeded",
      "user.role-changed",
    ]);
    expect((await verifySecurityLog(app.store)).ok).toBe(true);
  });

  it("refuses an unknown program, a bad role and a second account for one email", async () => {
    const unknown = await runEmbargo(
      ["user", "add", "--email", "a@example.org", "--role", "admin", "--program", "nope"],
      {
        env,
      },
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no program "nope"');
    expect(unknown.stderr).toContain("kafe");

    const badRole = await runEmbargo(["user", "add", "--email", "a@example.org", "--role", "owner"], { env });
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toContain("owner");

    expect(
      (await runEmbargo(["user", "add", "--email", "a@example.org", "--role", "viewer"], { env })).code,
    ).toBe(0);
    const twice = await runEmbargo(["user", "add", "--email", "A@example.org", "--role", "viewer"], { env });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("exists");

    const missing = await runEmbargo(["user", "role", "--email", "b@example.org", "--role", "viewer"], {
      env,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no user");
  });
});

describe.each(databases)("the first administrator, on $name", (database) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(() => database.open());
  });
  afterEach(async () => {
    await t.close();
  });

  it("gets a link while there is no user; the page asks for the email and makes a * admin", async () => {
    const first = await ensureFirstAdminLink(t.store, t.config, t.clock.now());
    const second = await ensureFirstAdminLink(t.store, t.config, t.clock.now());
    expect(first).toMatch(/^https:\/\/security\.example\.org\/setup\/[A-Za-z0-9_-]{43}$/);
    const token = first?.split("/").at(-1) ?? "";
    const otherToken = second?.split("/").at(-1) ?? "";

    const browser = new Browser(t.app);
    const page = await browser.get(`/setup/${token}`);
    expect(page.body).toContain("first administrator");
    expect(page.body).toMatch(/<label for="email">/);
    // Every program (*) while no program requires a second factor: TOTP is offered, not forced.
    expect(page.body).toContain("— optional");
    const password = `${TEST_PASSWORD} root`;
    const noEmail = await browser.post(`/setup/${token}`, { email: "nope", password, password2: password });
    expect(noEmail.statusCode).toBe(400);
    const setup = await completeSetupPage(t, browser, token, {
      email: "Root@Example.org",
      password,
      totp: true,
    });
    expect(setup.recoveryCodes).toHaveLength(10);

    const signedIn = await signIn(t, browser, {
      email: "root@example.org",
      password,
      ...(setup.totpSecret === undefined ? {} : { totpSecret: setup.totpSecret }),
    });
    expect(signedIn.statusCode).toBe(303);
    expect((await browser.get("/api/v1/me")).json()).toMatchObject({
      roles: [{ program: "*", role: "admin" }],
    });

    // The other link printed before is burnt, and no new one is made.
    expect((await browser.get(`/setup/${otherToken}`)).statusCode).toBe(404);
    expect(await ensureFirstAdminLink(t.store, t.config, t.clock.now())).toBeUndefined();
  });
});

describe("embargo serve with no users", () => {
  it("prints a first-administrator link on stdout, not in the log", async () => {
    const dir = mkdtempSync(join(tmpdir(), "embargo-serve-admin-"));
    const server = await startServerProcess({
      EMBARGO_DATABASE_URL: `sqlite:${join(dir, "embargo.db")}`,
      EMBARGO_DATA_DIR: dir,
      EMBARGO_SECRET_KEY: randomBytes(32).toString("base64"),
      EMBARGO_LOG_LEVEL: "info",
    });
    try {
      const output = server.output();
      const line = output.split("\n").find((l) => l.includes("/setup/")) ?? "";
      expect(line).toMatch(/^No users yet\. Create the first administrator .*\/setup\/[A-Za-z0-9_-]{43}$/);
      expect(line.startsWith("{")).toBe(false);
      // No EMBARGO_SMTP_URL: said at start, before anyone wonders where the mail went.
      expect(output).toContain("Mail is not configured (EMBARGO_SMTP_URL is not set)");
      const token = line.split("/").at(-1) ?? "";
      const response = await fetch(`${server.url}/setup/${token}`);
      expect(response.status).toBe(200);
      expect((await fetch(`${server.url}/login`)).status).toBe(200); // a request that is logged
      await new Promise((resolve) => setTimeout(resolve, 200));
      const logLines = server
        .output()
        .split("\n")
        .filter((l) => l.startsWith("{"));
      expect(logLines.some((l) => l.includes('"/login"'))).toBe(true);
      expect(logLines.filter((l) => l.includes(token))).toEqual([]);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
