import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { authenticateApiToken } from "../../src/auth/api-tokens.js";
import { verifySecurityLog } from "../../src/auth/security-log.js";
import { setRole } from "../../src/auth/users.js";
import { sha256Hex } from "../../src/store/ids.js";
import { databases, type TestStore } from "../support/databases.js";
import { createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";

const TABLES = ["users", "memberships", "sessions", "setup_tokens", "api_tokens", "security_log"] as const;

describe.each(databases)("API tokens on $name", (database) => {
  let t: TestApp;
  let store: TestStore;
  beforeEach(async () => {
    t = await startTestApp(async () => {
      store = await database.open();
      return store;
    });
  });
  afterEach(async () => {
    await t.close();
  });

  const me = (token: string) =>
    t.app.inject({ method: "GET", url: "/api/v1/me", headers: { authorization: `Bearer ${token}` } });

  async function createToken(staff: Awaited<ReturnType<typeof createStaff>>, fields: Record<string, string>) {
    await staff.browser.get("/account/tokens");
    const response = await staff.browser.post("/account/tokens", fields);
    const token = /id="new-token">([^<]+)</.exec(response.body)?.[1];
    return { response, token };
  }

  /** Every row of the accounts tables as text, plus (SQLite) the raw database files. */
  async function everythingStored(): Promise<string> {
    const rows = await Promise.all(TABLES.map((table) => t.store.db.selectFrom(table).selectAll().execute()));
    let text = JSON.stringify(rows);
    if (database.name === "sqlite") {
      const dir = path.dirname(store.location);
      for (const file of readdirSync(dir)) text += readFileSync(path.join(dir, file)).toString("latin1");
    }
    return text;
  }

  it("creates a token shown once, usable as a bearer token, stored only as a hash, then revoked", async () => {
    const admin = await createStaff(t, { email: "admin@kafe.example", role: "admin", program: "kafe" });
    const { response, token } = await createToken(admin, {
      name: "ticket sync",
      program: "kafe",
      role: "responder",
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(token).toMatch(/^embargo_[A-Za-z0-9_-]{43}$/);
    const secret = token ?? "";

    const list = await admin.browser.get("/account/tokens");
    expect(list.body).toContain("ticket sync");
    expect(list.body).not.toContain(secret);

    const whoami = await me(secret);
    expect(whoami.statusCode).toBe(200);
    expect(whoami.json()).toEqual({
      email: "admin@kafe.example",
      twoFactor: true,
      roles: [{ program: "kafe", role: "responder" }],
      via: "api-token",
    });

    const stored = await t.store.db.selectFrom("api_tokens").selectAll().executeTakeFirstOrThrow();
    expect(stored.token_hash).toBe(sha256Hex(secret));
    expect(stored.last_used_at).toBe(t.clock.now().toISOString());
    expect(await everythingStored()).not.toContain(secret.slice("embargo_".length));

    const revoke = await admin.browser.post(`/account/tokens/${stored.id}/revoke`, {});
    expect(revoke.statusCode).toBe(303);
    const refused = await me(secret);
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ error: "invalid_token" });

    const types = (await t.store.db.selectFrom("security_log").select("type").orderBy("seq").execute()).map(
      (r) => r.type,
    );
    expect(types).toContain("api-token.created");
    expect(types).toContain("api-token.revoked");
    expect((await verifySecurityLog(t.store)).ok).toBe(true);
  });

  it("refuses wrong and malformed tokens with 401, and pages too", async () => {
    for (const value of ["embargo_", `embargo_${"A".repeat(43)}`, "nonsense", `embargo_${"A".repeat(200)}`]) {
      const response = await me(value);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: "invalid_token" });
    }
    const page = await t.app.inject({
      method: "GET",
      url: "/account",
      headers: { authorization: `Bearer embargo_${"B".repeat(43)}` },
    });
    expect(page.statusCode).toBe(401);
    expect(await authenticateApiToken(t.store, `embargo_${"C".repeat(43)}`, t.clock.now())).toBeUndefined();
  });

  it("lets only administrators create tokens, for the programs they administer", async () => {
    const responder = await createStaff(t, { email: "resp@example.org", role: "responder" });
    expect((await responder.browser.get("/account/tokens")).statusCode).toBe(403);
    expect((await responder.browser.get("/account")).body).not.toContain("/account/tokens");

    const admin = await createStaff(t, { email: "kitsu-admin@example.org", role: "admin", program: "kitsu" });
    const other = await createToken(admin, { name: "x", program: "kafe", role: "viewer" });
    expect(other.response.statusCode).toBe(400);
    expect(other.token).toBeUndefined();
    const badRole = await createToken(admin, { name: "x", program: "kitsu", role: "owner" });
    expect(badRole.response.statusCode).toBe(400);
    const noName = await createToken(admin, { name: " ", program: "kitsu", role: "viewer" });
    expect(noName.response.statusCode).toBe(400);

    // An API token cannot manage tokens (account pages need a browser session).
    const { token } = await createToken(admin, { name: "ci", program: "kitsu", role: "admin" });
    const viaToken = await t.app.inject({
      method: "GET",
      url: "/account/tokens",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(viaToken.statusCode).toBe(403);

    // Someone else's admin cannot revoke it.
    const kafeAdmin = await createStaff(t, {
      email: "kafe-admin@example.org",
      role: "admin",
      program: "kafe",
    });
    const id = (await t.store.db.selectFrom("api_tokens").select("id").executeTakeFirstOrThrow()).id;
    await kafeAdmin.browser.get("/account/tokens");
    expect((await kafeAdmin.browser.post(`/account/tokens/${id}/revoke`, {})).statusCode).toBe(404);
    expect((await me(token ?? "")).statusCode).toBe(200);
  });

  it("never grants more than its creator still has, and dies with a disabled creator", async () => {
    const admin = await createStaff(t, { email: "lead@example.org", role: "admin", program: "kafe" });
    const { token } = await createToken(admin, { name: "bot", program: "kafe", role: "admin" });
    const secret = token ?? "";
    expect((await me(secret)).json()).toMatchObject({ roles: [{ program: "kafe", role: "admin" }] });
    await setRole(t.store, {
      email: admin.email,
      program: "kafe",
      role: "viewer",
      actor: "cli",
      now: t.clock.now(),
    });
    expect((await me(secret)).json()).toMatchObject({ roles: [{ program: "kafe", role: "viewer" }] });
    await t.store.db.updateTable("users").set({ disabled_at: t.clock.now().toISOString() }).execute();
    expect((await me(secret)).statusCode).toBe(401);
  });
});
