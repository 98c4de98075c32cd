import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifySecurityLog } from "../../src/auth/security-log.js";
import { setRole } from "../../src/auth/users.js";
import { openDatabase } from "../../src/store/database.js";
import { runEmbargo } from "../support/cli.js";
import { createScratchPostgresDatabase, databases } from "../support/databases.js";
import { Browser, type CreatedStaff, completeSetupPage, createStaff, signIn } from "../support/staff.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";

/**
 * Taking access away from the command line, each command followed by what the member still
 * holds (their session cookie, their API token, their password) sent over HTTP: all refused at
 * once. The CLI is the `embargo` command line (run in this process) on the same database as the app.
 */
async function sharedDatabase(name: "sqlite" | "postgres"): Promise<{ url: string; drop(): Promise<void> }> {
  if (name === "postgres") return createScratchPostgresDatabase();
  const dir = mkdtempSync(join(tmpdir(), "embargo-offboarding-"));
  return {
    url: `sqlite:${join(dir, "embargo.db")}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe.each(databases)("embargo user disable|enable|revoke-tokens|reset|remove, on $name", (database) => {
  let shared: { url: string; drop(): Promise<void> };
  let env: NodeJS.ProcessEnv;
  let t: TestApp;
  beforeEach(async () => {
    shared = await sharedDatabase(database.name);
    // The CLI releases cases with the same master key as the app (it writes case events).
    const masterKey = randomBytes(32);
    env = {
      EMBARGO_DATABASE_URL: shared.url,
      EMBARGO_PUBLIC_URL: PUBLIC_URL,
      EMBARGO_POLICIES: "examples/policies",
      EMBARGO_DATA_DIR: mkdtempSync(join(tmpdir(), "embargo-offboarding-data-")),
      EMBARGO_SECRET_KEY: masterKey.toString("base64"),
    };
    t = await startTestApp(() => openDatabase(shared.url), {}, { masterKey });
  });
  afterEach(async () => {
    await t.close();
    await shared.drop();
  });

  const cli = (...args: string[]) => runEmbargo(["user", ...args], { env });
  const me = (headers: Record<string, string>) => t.app.inject({ method: "GET", url: "/api/v1/me", headers });
  const withSession = (cookie: string) => ({ cookie });
  const withToken = (token: string) => ({ authorization: `Bearer ${token}` });
  const signInAgain = async (staff: CreatedStaff, password = staff.password) =>
    (await signIn(t, new Browser(t.app), { email: staff.email, password })).statusCode;
  async function createToken(staff: CreatedStaff, program: string): Promise<string> {
    await staff.browser.get("/account/tokens");
    const response = await staff.browser.post("/account/tokens", { name: "sync", program, role: "viewer" });
    const token = /id="new-token">([^<]+)</.exec(response.body)?.[1];
    if (token === undefined) throw new Error(`no token: ${response.statusCode}`);
    return token;
  }
  const logTypes = async () =>
    (await t.store.db.selectFrom("security_log").select("type").orderBy("seq").execute()).map((r) => r.type);

  it("disables at once (session, token, password all refused), enables, and revokes tokens", async () => {
    const ana = await createStaff(t, { email: "ana@kafe.example", role: "admin", program: "kafe" });
    const token = await createToken(ana, "kafe");
    expect((await me(withSession(ana.cookie))).statusCode).toBe(200);
    expect((await me(withToken(token))).statusCode).toBe(200);

    const disabled = await cli("disable", "Ana@Kafe.example");
    expect(disabled.stderr).toBe("");
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toBe("ana@kafe.example: disabled, 1 session ended, 1 API token revoked\n");
    expect((await me(withSession(ana.cookie))).statusCode).toBe(401);
    expect((await me(withToken(token))).statusCode).toBe(401);
    expect(await signInAgain(ana)).toBe(401);
    expect((await cli("list")).stdout).toContain("ana@kafe.example\tdisabled\t");

    const enabled = await cli("enable", "ana@kafe.example");
    expect(enabled.stdout).toBe("ana@kafe.example: enabled\n");
    expect((await signIn(t, ana.browser, { email: ana.email, password: ana.password })).statusCode).toBe(303);
    const session = ana.browser.cookieHeader();
    // Tokens revoked on disable stay revoked.
    expect((await me(withToken(token))).statusCode).toBe(401);

    const fresh = await createToken(ana, "kafe");
    expect((await me(withToken(fresh))).statusCode).toBe(200);
    const revoked = await cli("revoke-tokens", "ana@kafe.example");
    expect(revoked.stdout).toBe("ana@kafe.example: 1 API token revoked\n");
    expect((await me(withToken(fresh))).statusCode).toBe(401);
    expect((await me(withSession(session))).statusCode).toBe(200);

    expect(await logTypes()).toEqual(
      expect.arrayContaining(["user.disabled", "api-token.revoked", "user.enabled"]),
    );
    expect((await verifySecurityLog(t.store)).ok).toBe(true);

    const nobody = await cli("disable", "nobody@kafe.example");
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain("no user with the email nobody@kafe.example");
  });

  it("reset clears the password at once, ends sessions and tokens, and cancels older links", async () => {
    const ben = await createStaff(t, { email: "ben@kafe.example", role: "admin", program: "kafe" });
    const token = await createToken(ben, "kafe");

    const first = await cli("reset", "--email", "ben@kafe.example");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      "ben@kafe.example: password cleared, 1 session ended, 1 API token revoked\n",
    );
    // Before the link is used, nothing the member held works any more.
    expect(await signInAgain(ben)).toBe(401);
    expect((await me(withSession(ben.cookie))).statusCode).toBe(401);
    expect((await me(withToken(token))).statusCode).toBe(401);

    const second = await cli("reset", "--email", "ben@kafe.example");
    const linkOf = (stdout: string) => /\/setup\/([A-Za-z0-9_-]{43})\n/.exec(stdout)?.[1] ?? "";
    const browser = new Browser(t.app);
    expect((await browser.get(`/setup/${linkOf(first.stdout)}`)).statusCode).toBe(404);
    const newPassword = "a brand new passphrase for ben";
    await completeSetupPage(t, browser, linkOf(second.stdout), { password: newPassword, totp: false });
    expect(await signInAgain(ben)).toBe(401);
    expect(await signInAgain(ben, newPassword)).toBe(303);
    expect(await logTypes()).toEqual(expect.arrayContaining(["user.password-reset", "user.setup-completed"]));

    expect((await cli("disable", "ben@kafe.example")).code).toBe(0);
    const refused = await cli("reset", "--email", "ben@kafe.example");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is disabled");
  });

  it("removes a role (releasing that program's cases), then the member altogether", async () => {
    const admin = await createStaff(t, { email: "cara@example.org", role: "admin" });
    const dan = await createStaff(t, { email: "dan@kafe.example", role: "admin", program: "kafe" });
    await setRole(t.store, {
      email: dan.email,
      program: "kitsu",
      role: "viewer",
      actor: "test",
      now: t.clock.now(),
    });
    const danId = (
      await t.store.db
        .selectFrom("users")
        .select("id")
        .where("email", "=", dan.email)
        .executeTakeFirstOrThrow()
    ).id;
    const token = await createToken(dan, "kafe");
    const report = await t.app.inject({
      method: "POST",
      url: "/api/v1/programs/kafe/reports",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ title: "Open redirect", fields: { "location-impact": "x", steps: "y" } }),
    });
    const caseId = (report.json() as { id: string }).id;
    await admin.browser.get(`/cases/${caseId}`);
    expect((await admin.browser.post(`/cases/${caseId}/assign`, { assignee: danId })).statusCode).toBe(303);
    await dan.browser.get(`/cases/${caseId}`);
    expect((await dan.browser.post(`/cases/${caseId}/follow`, {})).statusCode).toBe(303);

    const removed = await cli("remove", "dan@kafe.example", "--program", "kafe");
    expect(removed.stderr).toBe("");
    expect(removed.stdout).toBe(
      "dan@kafe.example: no longer admin on kafe, 1 API token revoked\n1 case unassigned, 1 case no longer followed\n",
    );
    // The session lives on with what is left (viewer on kitsu); the kafe case is gone from it.
    expect((await me(withSession(dan.cookie))).json()).toMatchObject({
      roles: [{ program: "kitsu", role: "viewer" }],
    });
    const caseUrl = `/api/v1/cases/${caseId}`;
    expect(
      (await t.app.inject({ method: "GET", url: caseUrl, headers: withSession(dan.cookie) })).statusCode,
    ).toBe(404);
    expect((await me(withToken(token))).statusCode).toBe(401);
    const row = await t.store.db
      .selectFrom("cases")
      .select("assignee")
      .where("id", "=", caseId)
      .executeTakeFirstOrThrow();
    expect(row.assignee).toBeNull();
    expect(await t.store.db.selectFrom("case_followers").selectAll().execute()).toEqual([]);
    const events = await t.store.db
      .selectFrom("case_events")
      .select(["type", "actor"])
      .where("case_id", "=", caseId)
      .orderBy("seq")
      .execute();
    expect(events.slice(-2)).toEqual([
      { type: "case.assigned", actor: "system" },
      { type: "case.unfollowed", actor: "system" },
    ]);
    // The case's chain still verifies with the new events on it.
    const audit = await runEmbargo(["audit", "verify"], { env });
    expect(audit.code).toBe(0);

    const gone = await cli("remove", "dan@kafe.example");
    expect(gone.stdout).toBe(
      "dan@kafe.example: removed (viewer@kitsu), 1 session ended, 0 API tokens revoked\n",
    );
    expect((await me(withSession(dan.cookie))).statusCode).toBe(401);
    expect(await signInAgain(dan)).toBe(401);
    expect((await cli("list")).stdout).toContain("dan@kafe.example\tremoved\tno-2fa\t\n");
    // Still named in the case's history.
    const history = await admin.browser.get(`/cases/${caseId}`);
    expect(history.body).toContain("dan@kafe.example");
    const again = await cli("add", "--email", "dan@kafe.example", "--role", "viewer");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("user enable");
    expect(await logTypes()).toEqual(
      expect.arrayContaining(["user.membership-removed", "user.cases-released", "user.removed"]),
    );
    expect((await verifySecurityLog(t.store)).ok).toBe(true);
  });
});
