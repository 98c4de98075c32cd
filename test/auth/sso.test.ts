import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { disableUser } from "../../src/auth/offboarding.js";
import { readSecurityLog, verifySecurityLog } from "../../src/auth/security-log.js";
import { createUser, setRole } from "../../src/auth/users.js";
import { loadConfig } from "../../src/config.js";
import { sha256Hex } from "../../src/store/ids.js";
import { databases } from "../support/databases.js";
import {
  driveProviderSignIn,
  startIdentityProvider,
  type TestAccount,
  type TestIdentityProvider,
} from "../support/oidc-provider.js";
import { Browser, createStaff, signIn } from "../support/staff.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";

/**
 * Single sign-on over HTTP against a real OpenID provider in the test process
 * (test/support/oidc-provider.ts): Embargo through app.inject, the provider through fetch, the
 * redirects between them followed by hand as a browser would. Kitsu's policy requires SSO
 * (`team.requireSso: corp`); the provider's group `security-team` makes a Kitsu responder.
 * Chromium drives the same pages in test/browser/sso.test.ts.
 */
const CALLBACK = `${PUBLIC_URL}/login/oidc/corp/callback`;
const ID_TOKEN_TTL_SECONDS = 600;

const ACCOUNTS: Record<string, TestAccount> = {
  alice: { email: "alice@example.org", emailVerified: true, groups: ["security-team", "staff"] },
  bob: { email: "Bob@Example.org", emailVerified: true, groups: ["staff"] },
  eve: { email: "eve@example.org", emailVerified: false, groups: ["security-team"] },
  kit: { email: "kit@example.org", emailVerified: true, groups: ["security-team"] },
  stranger: { email: "stranger@example.org", emailVerified: true, groups: ["staff"] },
};

let idp: TestIdentityProvider;
let policies: string;

beforeAll(async () => {
  idp = await startIdentityProvider({
    accounts: {},
    redirectUris: [CALLBACK],
    idTokenTtlSeconds: ID_TOKEN_TTL_SECONDS,
  });
  policies = mkdtempSync(path.join(tmpdir(), "embargo-sso-policies-"));
  cpSync("examples/policies", policies, { recursive: true });
  const kitsu = path.join(policies, "kitsu.yaml");
  writeFileSync(kitsu, `${readFileSync(kitsu, "utf8")}\nteam: { requireSso: corp }\n`);
});

afterAll(async () => {
  await idp.close();
  rmSync(policies, { recursive: true, force: true });
});

/** Goes to the provider from /login/oidc/corp and back: the callback's path and Embargo's answer. */
async function ssoSignIn(browser: Browser, login: string, next?: string) {
  const start = await browser.get(
    `/login/oidc/corp${next === undefined ? "" : `?next=${encodeURIComponent(next)}`}`,
  );
  expect(start.statusCode).toBe(303);
  const authorization = new URL(String(start.headers.location));
  expect(authorization.origin).toBe(idp.issuer);
  const callback = await driveProviderSignIn(idp, authorization.href, login);
  expect(callback.startsWith(`${CALLBACK}?`)).toBe(true);
  const callbackPath = callback.slice(PUBLIC_URL.length);
  return { authorization, callbackPath, response: await browser.get(callbackPath) };
}

const me = async (browser: Browser) => {
  const response = await browser.get("/api/v1/me");
  return response.statusCode === 200
    ? (response.json() as { email: string; roles: { program: string; role: string }[] })
    : undefined;
};

describe.each(databases)("single sign-on with OpenID Connect, on $name", (database) => {
  let t: TestApp;

  beforeEach(async () => {
    idp.accounts.clear();
    for (const [login, account] of Object.entries(ACCOUNTS))
      idp.accounts.set(login, { ...account, groups: [...account.groups] });
    const settings = loadConfig(
      { EMBARGO_PUBLIC_URL: PUBLIC_URL, ...idp.env("corp") },
      "/nonexistent/embargo.yaml",
    );
    t = await startTestApp(() => database.open(), { oidcProviders: settings.oidcProviders }, { policies });
    // The provider signs with the real time; Embargo's clock must agree with it.
    t.clock.set(new Date());
  });
  afterEach(async () => {
    await t.close();
  });

  it("shows a button per configured provider on the sign-in page", async () => {
    const page = await new Browser(t.app).get("/login?next=%2Fp%2Fkitsu");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('href="/login/oidc/corp?next=%2Fp%2Fkitsu"');
    expect(page.body).toContain("Sign in with Corp SSO");
  });

  it("provisions a new member from a mapped group, with a session that ends with the provider's ID token", async () => {
    const browser = new Browser(t.app);
    const { authorization, response } = await ssoSignIn(browser, "alice", "/p/kitsu");
    // The request carried PKCE (S256), a state and a nonce; none of them is kept in the browser.
    expect(authorization.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorization.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(authorization.searchParams.get("nonce")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(response.statusCode).toBe(200);
    expect(response.headers.refresh).toBe("0; url=/p/kitsu");
    expect(browser.session).toBeDefined();
    expect(await me(browser)).toMatchObject({
      email: "alice@example.org",
      roles: [{ program: "kitsu", role: "responder" }],
    });

    const user = await t.store.db
      .selectFrom("users")
      .selectAll()
      .where("email", "=", "alice@example.org")
      .executeTakeFirstOrThrow();
    expect(user.password_hash).toBeNull();
    // A member without a password has their account page all the same.
    expect((await browser.get("/account")).statusCode).toBe(200);
    const session = await t.store.db
      .selectFrom("sessions")
      .selectAll()
      .where("user_id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(session.sso_provider).toBe("corp");
    // The provider's ID token lives 10 minutes: so does the session, not the usual 12 hours.
    const lifetime = new Date(session.expires_at).getTime() - t.clock.now().getTime();
    expect(lifetime).toBeGreaterThan((ID_TOKEN_TTL_SECONDS - 30) * 1000);
    expect(lifetime).toBeLessThanOrEqual((ID_TOKEN_TTL_SECONDS + 30) * 1000);
    // The attempt was used: nothing of it is left.
    expect(await t.store.db.selectFrom("oidc_logins").selectAll().execute()).toEqual([]);

    const log = await readSecurityLog(t.store, { subject: user.id, order: "asc" });
    expect(log.map((e) => e.type)).toEqual(["user.created", "signin.succeeded"]);
    expect(log[0]?.payload).toMatchObject({
      provider: "corp",
      memberships: [{ program: "kitsu", role: "responder" }],
    });
    expect(log[1]?.payload).toMatchObject({ method: "oidc", provider: "corp" });
    expect(JSON.stringify(await readSecurityLog(t.store))).not.toContain(idp.clientSecret);
    expect(t.logs()).not.toContain(idp.clientSecret);
    expect(t.logs()).not.toMatch(/[?&]code=/);
    expect(await verifySecurityLog(t.store)).toMatchObject({ ok: true });

    // Past the ID token's expiry the session is over.
    t.clock.set(new Date(t.clock.now().getTime() + (ID_TOKEN_TTL_SECONDS + 60) * 1000));
    expect(await me(browser)).toBeUndefined();
  });

  it("matches an existing member by email and keeps the roles given by hand", async () => {
    const bob = await createStaff(t, { email: "bob@example.org", role: "viewer", program: "kafe" });
    const browser = new Browser(t.app);
    const { response } = await ssoSignIn(browser, "bob");
    expect(response.statusCode).toBe(200);
    expect(response.headers.refresh).toBe("0; url=/inbox");
    expect(await me(browser)).toMatchObject({
      email: "bob@example.org",
      roles: [{ program: "kafe", role: "viewer" }],
    });
    // His password still works: Kafe does not require SSO.
    expect(
      (await signIn(t, new Browser(t.app), { email: bob.email, password: bob.password })).statusCode,
    ).toBe(303);
    const users = await t.store.db.selectFrom("users").select("email").execute();
    expect(users.map((u) => u.email)).toEqual(["bob@example.org"]);
  });

  it("refuses an answer whose state this browser did not send with 400, and a callback used twice", async () => {
    const browser = new Browser(t.app);
    const start = await browser.get("/login/oidc/corp");
    const callback = new URL(await driveProviderSignIn(idp, String(start.headers.location), "alice"));
    const wrong = new URL(callback);
    wrong.searchParams.set("state", "not-the-state-this-browser-was-given");
    const refused = await browser.get(wrong.href.slice(PUBLIC_URL.length));
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain("does not match a sign-in this browser started");
    expect(browser.session).toBeUndefined();

    // Another browser with the right state is refused too: the attempt is bound to the first's cookie.
    const other = await new Browser(t.app).get(callback.href.slice(PUBLIC_URL.length));
    expect(other.statusCode).toBe(400);

    const signedIn = await browser.get(callback.href.slice(PUBLIC_URL.length));
    expect(signedIn.statusCode).toBe(200);
    const again = await new Browser(t.app).get(callback.href.slice(PUBLIC_URL.length));
    expect(again.statusCode).toBe(400);
    const failures = (await readSecurityLog(t.store)).filter((e) => e.type === "signin.failed");
    expect(failures.map((e) => e.payload)).toContainEqual(expect.objectContaining({ reason: "state" }));
  });

  it("refuses the 21st start of a sign-in from one address in ten minutes with 429 and Retry-After, storing nothing for it", async () => {
    const logins = async () =>
      Number(
        (
          await t.store.db
            .selectFrom("oidc_logins")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const browser = new Browser(t.app);
    for (let i = 0; i < 20; i++) expect((await browser.get("/login/oidc/corp")).statusCode).toBe(303);
    expect(await logins()).toBe(20);
    const refused = await browser.get("/login/oidc/corp");
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["retry-after"]).toBe("30");
    expect(refused.body).toContain("Too many single sign-ons from your address");
    expect(await logins()).toBe(20);
    // Another address is not held up by this one.
    const elsewhere = await t.app.inject({
      method: "GET",
      url: "/login/oidc/corp",
      remoteAddress: "192.0.2.7",
    });
    expect(elsewhere.statusCode).toBe(303);
  });

  it("refuses a replayed code at the provider with a clear message", async () => {
    const browser = new Browser(t.app);
    const start = await browser.get("/login/oidc/corp");
    const callback = new URL(await driveProviderSignIn(idp, String(start.headers.location), "alice"));
    const state = callback.searchParams.get("state") ?? "";
    // What another instance would still hold, had it read the attempt before this one took it.
    const attempt = await t.store.db
      .selectFrom("oidc_logins")
      .selectAll()
      .where("state_hash", "=", sha256Hex(state))
      .executeTakeFirstOrThrow();
    // …and the browser's cookie, copied (the callback clears it).
    const replay = new Browser(t.app);
    for (const [name, value] of browser.cookies) replay.cookies.set(name, value);
    expect((await browser.get(callback.href.slice(PUBLIC_URL.length))).statusCode).toBe(200);

    await t.store.db.insertInto("oidc_logins").values(attempt).execute();
    const replayed = await replay.get(callback.href.slice(PUBLIC_URL.length));
    expect(replayed.statusCode).toBe(400);
    expect(replayed.body).toContain("its code was used already or has expired");
    expect(replay.session).toBeUndefined();
    const failures = (await readSecurityLog(t.store)).filter((e) => e.type === "signin.failed");
    expect(failures.map((e) => e.payload)).toContainEqual(
      expect.objectContaining({ reason: "rejected:invalid_grant" }),
    );
  });

  it("refuses an unverified email with a message and makes no account", async () => {
    const browser = new Browser(t.app);
    const { response } = await ssoSignIn(browser, "eve");
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain("Corp SSO has not verified your email address");
    expect(browser.session).toBeUndefined();
    expect(await t.store.db.selectFrom("users").selectAll().execute()).toEqual([]);
    const [failure] = await readSecurityLog(t.store, { limit: 1 });
    expect(failure).toMatchObject({ type: "signin.failed", payload: { reason: "email-unverified" } });
    expect(JSON.stringify(failure)).not.toContain("eve@example.org");
  });

  it("removes the role of a group the member left at their next sign-in, and keeps the one given by hand", async () => {
    await ssoSignIn(new Browser(t.app), "alice");
    await setRole(t.store, {
      email: "alice@example.org",
      program: "kafe",
      role: "viewer",
      actor: "test",
      now: t.clock.now(),
    });
    const account = idp.accounts.get("alice");
    if (account === undefined) throw new Error("no alice");
    account.groups = ["staff"];

    const browser = new Browser(t.app);
    const { response } = await ssoSignIn(browser, "alice");
    expect(response.statusCode).toBe(200);
    expect(await me(browser)).toMatchObject({ roles: [{ program: "kafe", role: "viewer" }] });
    expect(await t.store.db.selectFrom("sso_grants").selectAll().execute()).toEqual([]);
    const [removed] = (await readSecurityLog(t.store)).filter((e) => e.type === "user.membership-removed");
    expect(removed?.payload).toMatchObject({ program: "kitsu", role: "responder", provider: "corp" });

    // Back in the group: the role is back, from the provider again.
    account.groups = ["security-team"];
    const back = new Browser(t.app);
    await ssoSignIn(back, "alice");
    expect((await me(back))?.roles).toEqual([
      { program: "kafe", role: "viewer" },
      { program: "kitsu", role: "responder" },
    ]);
  });

  it("refuses the password of a member of a program that requires SSO, pointing to the button", async () => {
    const kit = await createStaff(t, { email: "kit@example.org", role: "admin", program: "kafe" });
    await setRole(t.store, {
      email: kit.email,
      program: "kitsu",
      role: "responder",
      actor: "test",
      now: t.clock.now(),
    });
    const browser = new Browser(t.app);
    const refused = await signIn(t, browser, { email: kit.email, password: kit.password });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain("Kitsu signs its members in through single sign-on, not with a password");
    expect(refused.body).toContain("Sign in with Corp SSO");
    expect(browser.session).toBeUndefined();
    // A wrong password still says only that.
    const wrong = await signIn(t, new Browser(t.app), { email: kit.email, password: "wrong password" });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain("single sign-on, not with a password");
    // The session they had before cannot use Kitsu either (it did not come through SSO).
    expect((await me(kit.browser))?.roles).toEqual([{ program: "kafe", role: "admin" }]);

    const sso = new Browser(t.app);
    expect((await ssoSignIn(sso, "kit")).response.statusCode).toBe(200);
    expect((await me(sso))?.roles).toEqual([
      { program: "kafe", role: "admin" },
      { program: "kitsu", role: "responder" },
    ]);
  });

  it("refuses a disabled member, and a stranger whose groups give no role", async () => {
    const { userId } = await createUser(t.store, {
      email: "kit@example.org",
      memberships: [{ program: "kitsu", role: "viewer" }],
      actor: "test",
      now: t.clock.now(),
    });
    await disableUser(t.store, { userId, actor: "test", now: t.clock.now() });
    const disabled = await ssoSignIn(new Browser(t.app), "kit");
    expect(disabled.response.statusCode).toBe(403);
    expect(disabled.response.body).toContain("This account is disabled here");

    const stranger = new Browser(t.app);
    const refused = await ssoSignIn(stranger, "stranger");
    expect(refused.response.statusCode).toBe(403);
    expect(refused.response.body).toContain("none of your groups there gives you a role");
    expect(stranger.session).toBeUndefined();
    const users = await t.store.db.selectFrom("users").select("email").execute();
    expect(users.map((u) => u.email)).toEqual(["kit@example.org"]);
  });
});

describe("single sign-on with a provider that cannot be reached", () => {
  it("says so with 502 at the start of the sign-in, and sends the browser nowhere", async () => {
    const settings = loadConfig(
      {
        EMBARGO_PUBLIC_URL: PUBLIC_URL,
        ...idp.env("corp"),
        // Nothing listens on port 9 (discard) here: the connection is refused at once.
        EMBARGO_OIDC_CORP_ISSUER: "http://127.0.0.1:9",
      },
      "/nonexistent/embargo.yaml",
    );
    const [database] = databases;
    if (database === undefined) throw new Error("no database");
    const t = await startTestApp(
      () => database.open(),
      { oidcProviders: settings.oidcProviders },
      { policies },
    );
    try {
      const browser = new Browser(t.app);
      const start = await browser.get("/login/oidc/corp");
      expect(start.statusCode).toBe(502);
      expect(start.body).toContain("Corp SSO cannot be reached from Embargo just now");
      expect(start.headers.location).toBeUndefined();
      expect(await t.store.db.selectFrom("oidc_logins").selectAll().execute()).toEqual([]);
      expect((await browser.get("/login/oidc/nobody")).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });
});
