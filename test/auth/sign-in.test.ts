import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifySecurityLog } from "../../src/auth/security-log.js";
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from "../../src/auth/sessions.js";
import { createSetupLink, createUser, setRole } from "../../src/auth/users.js";
import { sha256Hex } from "../../src/store/ids.js";
import { databases } from "../support/databases.js";
import {
  Browser,
  codeAt,
  completeSetupPage,
  createStaff,
  recoveryCodesOf,
  signIn,
  TEST_PASSWORD,
} from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";

const minutes = (n: number) => n * 60_000;

describe.each(databases)("staff sign-in on $name", (database) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(() => database.open());
  });
  afterEach(async () => {
    await t.close();
  });
  const later = (ms: number) => t.clock.set(new Date(t.clock.now().getTime() + ms));
  const setCookieOf = (headers: Record<string, unknown>) => {
    const raw = headers["set-cookie"];
    return (Array.isArray(raw) ? raw : [raw]).map(String).find((c) => c.startsWith("embargo-session=")) ?? "";
  };
  const account = (browser: Browser) => browser.get("/account");

  it("sets up an account with TOTP, shows recovery codes once, signs in with a code and signs out", async () => {
    const email = "alice@kafe.example";
    const { userId } = await createUser(t.store, {
      email,
      memberships: [{ program: "kafe", role: "responder" }],
      actor: "test",
      now: t.clock.now(),
    });
    const { token } = await createSetupLink(t.store, userId, { now: t.clock.now(), actor: "test" });
    const browser = new Browser(t.app);

    const page = await browser.get(`/setup/${token}`);
    expect(page.statusCode).toBe(200);
    expect(page.headers["cache-control"]).toBe("no-store");
    expect(page.body).toContain(`/setup/${token}/totp.svg`);
    expect(page.body).toMatch(/<label for="password">/);
    expect(page.body).toMatch(/autocomplete="new-password"/);
    const qr = await browser.get(`/setup/${token}/totp.svg`);
    expect(qr.statusCode).toBe(200);
    expect(qr.headers["content-type"]).toMatch(/^image\/svg\+xml/);
    expect(qr.headers["cache-control"]).toBe("no-store");
    expect(qr.body).toMatch(/^<svg/);

    const password = `${TEST_PASSWORD} alice`;
    const setup = await completeSetupPage(t, browser, token, { password, totp: true });
    expect(setup.recoveryCodes).toHaveLength(10);
    expect(new Set(setup.recoveryCodes).size).toBe(10);
    expect(setup.response.headers["cache-control"]).toBe("no-store");
    const totpSecret = setup.totpSecret ?? "";

    // The password is an argon2id hash with OWASP's parameters; nothing else holds it.
    const row = await t.store.db
      .selectFrom("users")
      .selectAll()
      .where("id", "=", userId)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.totp_enabled).toBe(1);
    expect(row.totp_secret_ct).not.toContain(totpSecret);
    expect(JSON.parse(row.recovery_codes_json)).toHaveLength(10);
    expect(row.recovery_codes_json).not.toContain(setup.recoveryCodes[0]?.replace("-", "") ?? "-");

    // Password first: a short-lived pending session that only reaches the code page.
    const first = await browser.post("/login", { email: "Alice@Kafe.example ", password });
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe("/login/totp");
    const pending = browser.session;
    expect(pending).toBeDefined();
    expect((await account(browser)).headers.location).toBe("/login?next=%2Faccount");

    await browser.get("/login/totp");
    const second = await browser.post("/login/totp", { code: await codeAt(t, totpSecret, 1) });
    expect(second.statusCode).toBe(303);
    expect(second.headers.location).toBe("/inbox");
    const cookie = setCookieOf(second.headers);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/Path=\//);
    expect(browser.session).not.toBe(pending);

    const signedIn = await account(browser);
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.body).toContain(email);
    expect(signedIn.body).toContain("On (authenticator app)");
    expect(signedIn.body).toContain("Responder");
    const me = await browser.get("/api/v1/me");
    expect(me.json()).toEqual({
      email,
      twoFactor: true,
      roles: [{ program: "kafe", role: "responder" }],
      via: "session",
    });

    // Only the session's hash is stored.
    const sessionValue = browser.session ?? "";
    const sessions = await t.store.db.selectFrom("sessions").selectAll().execute();
    expect(sessions.map((s) => s.id_hash)).toEqual([sha256Hex(sessionValue)]);
    expect(sessions[0]?.two_factor_passed).toBe(1);

    const out = await browser.post("/logout", {});
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe("/login");
    expect(browser.session).toBeUndefined();
    // The old cookie is dead on the server too, not only forgotten by the browser.
    const replayed = await t.app.inject({
      method: "GET",
      url: "/account",
      headers: { cookie: `embargo-session=${sessionValue}` },
    });
    expect(replayed.statusCode).toBe(303);
    expect(await t.store.db.selectFrom("sessions").selectAll().execute()).toEqual([]);
  });

  it("makes a new session id at sign-in: a cookie planted before is not the one after", async () => {
    const staff = await createStaff(t, { email: "bob@example.org", role: "viewer" });
    await staff.browser.post("/logout", {});
    const browser = new Browser(t.app);
    const planted = randomBytes(32).toString("base64url");
    browser.cookies.set("embargo-session", planted);
    const response = await signIn(t, browser, { email: staff.email, password: staff.password });
    expect(response.statusCode).toBe(303);
    expect(browser.session).toBeDefined();
    expect(browser.session).not.toBe(planted);
    const attacker = await t.app.inject({
      method: "GET",
      url: "/api/v1/me",
      headers: { cookie: `embargo-session=${planted}` },
    });
    expect(attacker.statusCode).toBe(401);
    // A second sign-in from the same browser replaces its session too.
    const before = browser.session;
    await signIn(t, browser, { email: staff.email, password: staff.password });
    expect(browser.session).not.toBe(before);
    const old = await t.app.inject({
      method: "GET",
      url: "/api/v1/me",
      headers: { cookie: `embargo-session=${before}` },
    });
    expect(old.statusCode).toBe(401);
  });

  it("ends a session after 30 idle minutes, and after 12 hours whatever happens", async () => {
    const staff = await createStaff(t, { email: "carol@example.org", role: "viewer" });
    later(SESSION_IDLE_MS - minutes(1));
    expect((await account(staff.browser)).statusCode).toBe(200);
    later(SESSION_IDLE_MS - minutes(1)); // active a minute ago: still within the idle time
    expect((await account(staff.browser)).statusCode).toBe(200);
    later(SESSION_IDLE_MS);
    const idle = await account(staff.browser);
    expect(idle.statusCode).toBe(303);
    expect(idle.headers.location).toBe("/login?next=%2Faccount");

    const again = await createStaff(t, { email: "dave@example.org", role: "viewer" });
    const start = t.clock.now().getTime();
    while (t.clock.now().getTime() + minutes(20) < start + SESSION_ABSOLUTE_MS) {
      later(minutes(20));
      expect((await account(again.browser)).statusCode).toBe(200);
    }
    t.clock.set(new Date(start + SESSION_ABSOLUTE_MS));
    expect((await account(again.browser)).statusCode).toBe(303);
  });

  it("writes last_seen_at at most once a minute", async () => {
    const staff = await createStaff(t, { email: "erin@example.org", role: "viewer" });
    const seen = async () =>
      (await t.store.db.selectFrom("sessions").select("last_seen_at").executeTakeFirstOrThrow()).last_seen_at;
    const first = await seen();
    later(30_000);
    await account(staff.browser);
    expect(await seen()).toBe(first);
    later(31_000);
    await account(staff.browser);
    expect(await seen()).toBe(t.clock.now().toISOString());
  });

  it("refuses a TOTP code used before, and takes each recovery code once", async () => {
    const staff = await createStaff(t, { email: "frank@example.org", role: "responder", totp: true });
    const secret = staff.totpSecret ?? "";
    await staff.browser.post("/logout", {});

    // createStaff signed in with the next step's code: the same code again is a replay.
    const browser = new Browser(t.app);
    const replay = await signIn(t, browser, {
      email: staff.email,
      password: staff.password,
      totpSecret: secret,
    });
    expect(replay.statusCode).toBe(401);
    expect(replay.body).toContain("used already");
    // An older code (the one used at setup) is refused as well.
    const older = await browser.post("/login/totp", { code: await codeAt(t, secret, 0) });
    expect(older.statusCode).toBe(401);
    later(60_000);
    const fresh = await browser.post("/login/totp", { code: await codeAt(t, secret, 1) });
    expect(fresh.statusCode).toBe(303);
    await browser.post("/logout", {});

    const code = staff.recoveryCodes?.[3] ?? "";
    const withCode = new Browser(t.app);
    expect(
      (await signIn(t, withCode, { email: staff.email, password: staff.password })).headers.location,
    ).toBe("/login/totp");
    await withCode.get("/login/totp");
    const used = await withCode.post("/login/totp", { code: code.toUpperCase().replace("-", " ") });
    expect(used.statusCode).toBe(303);
    const user = await t.store.db.selectFrom("users").selectAll().executeTakeFirstOrThrow();
    expect(JSON.parse(user.recovery_codes_json)).toHaveLength(9);
    await withCode.post("/logout", {});

    const twice = new Browser(t.app);
    await signIn(t, twice, { email: staff.email, password: staff.password });
    await twice.get("/login/totp");
    const refused = await twice.post("/login/totp", { code });
    expect(refused.statusCode).toBe(401);
    expect(refused.body).toContain("Wrong code.");
  });

  it("answers a wrong password or an unknown email the same way, then with growing delays", async () => {
    const staff = await createStaff(t, { email: "gina@example.org", role: "viewer" });
    const browser = new Browser(t.app);
    await browser.get("/login");
    const wrong = await browser.post("/login", { email: staff.email, password: "not the password at all" });
    const unknown = await browser.post("/login", {
      email: "nobody@example.org",
      password: "not the password",
    });
    for (const response of [wrong, unknown]) {
      expect(response.statusCode).toBe(401);
      expect(response.body).toContain("Wrong email or password.");
      expect(response.headers["set-cookie"] ?? "").not.toContain("embargo-session=");
    }
    expect(wrong.body.replace(staff.email, "")).not.toContain("no account");

    // Three free failures per account, then 1 s, 2 s, 4 s … before the next attempt is checked.
    await browser.post("/login", { email: staff.email, password: "wrong again, twice" });
    await browser.post("/login", { email: staff.email, password: "wrong, three times" });
    const fourth = await browser.post("/login", { email: staff.email, password: "wrong, four times" });
    expect(fourth.statusCode).toBe(401);
    const blocked = await browser.post("/login", { email: staff.email, password: staff.password });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers["retry-after"]).toBe("1");
    expect(blocked.body).toContain("Too many failed attempts");
    later(1_000);
    expect((await browser.post("/login", { email: staff.email, password: "wrong, five" })).statusCode).toBe(
      401,
    );
    const longer = await browser.post("/login", { email: staff.email, password: staff.password });
    expect(longer.statusCode).toBe(429);
    expect(longer.headers["retry-after"]).toBe("2");
    later(2_000);
    // The right password, once allowed, signs in and clears the account's count.
    const ok = await browser.post("/login", { email: staff.email, password: staff.password });
    expect(ok.statusCode).toBe(303);
    await browser.get("/login");
    expect(
      (await browser.post("/login", { email: staff.email, password: "wrong after success" })).statusCode,
    ).toBe(401);
  });

  it("sends pages to the sign-in page and back, only to paths on this site", async () => {
    const anonymous = await t.app.inject({ method: "GET", url: "/account/tokens" });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe("/login?next=%2Faccount%2Ftokens");
    const api = await t.app.inject({ method: "GET", url: "/api/v1/me" });
    expect(api.statusCode).toBe(401);
    expect(api.json()).toMatchObject({ error: "login_required" });

    const staff = await createStaff(t, { email: "hugo@example.org", role: "admin" });
    await staff.browser.post("/logout", {});
    for (const [next, expected] of [
      ["/account", "/account"],
      ["//evil.example/x", "/inbox"],
      ["https://evil.example/", "/inbox"],
      ["/\\evil.example", "/inbox"],
    ] as const) {
      const browser = new Browser(t.app);
      const form = await browser.get(`/login?next=${encodeURIComponent(next)}`);
      expect(form.statusCode).toBe(200);
      const hidden = /name="next" value="([^"]*)"/.exec(form.body)?.[1];
      const response = await browser.post("/login", {
        email: staff.email,
        password: staff.password,
        next: hidden ?? next,
      });
      expect(response.headers.location).toBe(expected);
    }
  });

  it("uses setup links once, and not after 72 hours", async () => {
    const { userId } = await createUser(t.store, {
      email: "ivan@example.org",
      memberships: [{ program: "*", role: "viewer" }],
      actor: "test",
      now: t.clock.now(),
    });
    const { token } = await createSetupLink(t.store, userId, { now: t.clock.now(), actor: "test" });
    const browser = new Browser(t.app);
    await completeSetupPage(t, browser, token, { password: `${TEST_PASSWORD} ivan`, totp: false });
    expect((await browser.get(`/setup/${token}`)).statusCode).toBe(404);
    const reuse = await browser.post(`/setup/${token}`, {
      password: "another password, long",
      password2: "another password, long",
    });
    expect(reuse.statusCode).toBe(404);
    expect(reuse.body).toContain("This link does not work");
    const stored = await t.store.db.selectFrom("setup_tokens").selectAll().execute();
    expect(stored.map((s) => s.token_hash)).toEqual([sha256Hex(token)]);

    const late = await createSetupLink(t.store, userId, { now: t.clock.now(), actor: "test" });
    later(72 * 3600_000 + 1000);
    expect((await browser.get(`/setup/${late.token}`)).statusCode).toBe(404);
  });

  it("checks new passwords: length, twice the same, not the email", async () => {
    const { userId } = await createUser(t.store, {
      email: "judy@example.org",
      memberships: [{ program: "*", role: "viewer" }],
      actor: "test",
      now: t.clock.now(),
    });
    const { token } = await createSetupLink(t.store, userId, { now: t.clock.now(), actor: "test" });
    const browser = new Browser(t.app);
    await browser.get(`/setup/${token}`);
    const cases = [
      [{ password: "short", password2: "short" }, "at least 12"],
      [{ password: "judy@example.org", password2: "judy@example.org" }, "email address"],
      [{ password: "long enough password", password2: "long enough passwort" }, "differ"],
      [{ password: "x".repeat(1025), password2: "x".repeat(1025) }, "at most 1024"],
    ] as const;
    for (const [fields, message] of cases) {
      const response = await browser.post(`/setup/${token}`, { ...fields, code: "" });
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain(message);
    }
    // None of that used the link.
    expect((await browser.get(`/setup/${token}`)).statusCode).toBe(200);
  });

  it("records sign-ins, failures, sign-outs and role changes in the hash-chained security log", async () => {
    const staff = await createStaff(t, { email: "kim@example.org", role: "viewer", program: "kafe" });
    await staff.browser.post("/logout", {});
    const browser = new Browser(t.app);
    await signIn(t, browser, { email: staff.email, password: "definitely wrong pw" });
    await signIn(t, browser, { email: "ghost@example.org", password: "definitely wrong pw" });
    await setRole(t.store, {
      email: staff.email,
      program: "kafe",
      role: "admin",
      actor: "cli",
      now: t.clock.now(),
    });

    const rows = await t.store.db.selectFrom("security_log").selectAll().orderBy("seq").execute();
    const user = await t.store.db.selectFrom("users").select("id").executeTakeFirstOrThrow();
    expect(rows.map((r) => r.type)).toEqual([
      "user.created",
      "user.setup-link-created",
      "user.setup-completed",
      "signin.succeeded",
      "signout",
      "signin.failed",
      "signin.failed",
      "user.role-changed",
    ]);
    const failed = rows.filter((r) => r.type === "signin.failed");
    expect(failed[0]?.subject).toBe(user.id);
    expect(failed[1]?.subject).toBeNull();
    expect(JSON.parse(failed[1]?.payload_json ?? "{}")).toMatchObject({ step: "password" });
    const text = JSON.stringify(rows);
    expect(text).not.toContain("ghost@example.org");
    expect(text).not.toContain("definitely wrong pw");
    expect(text).not.toContain("127.0.0.1");
    expect(JSON.parse(rows.at(-1)?.payload_json ?? "{}")).toEqual({
      from: "viewer",
      program: "kafe",
      to: "admin",
    });
    expect(await verifySecurityLog(t.store)).toEqual({ ok: true, entries: rows.length });

    // Editing any entry breaks the chain from there.
    await t.store.db
      .updateTable("security_log")
      .set({ payload_json: '{"from":"viewer","program":"kafe","to":"viewer"}' })
      .where("seq", "=", rows.length)
      .execute();
    expect(await verifySecurityLog(t.store)).toMatchObject({ ok: false, seq: rows.length });
  });

  it("never logs passwords, codes, setup tokens, session ids or API tokens", async () => {
    const { userId } = await createUser(t.store, {
      email: "leo@example.org",
      memberships: [{ program: "*", role: "admin" }],
      actor: "test",
      now: t.clock.now(),
    });
    const { token } = await createSetupLink(t.store, userId, { now: t.clock.now(), actor: "test" });
    const browser = new Browser(t.app);
    const password = `${TEST_PASSWORD} leo`;
    const setup = await completeSetupPage(t, browser, token, { password, totp: true });
    const secret = setup.totpSecret ?? "";
    const code = await codeAt(t, secret, 1);
    await browser.get("/login");
    await browser.post("/login", { email: "leo@example.org", password: "a wrong password" });
    await browser.post("/login", { email: "leo@example.org", password });
    await browser.get("/login/totp");
    await browser.post("/login/totp", { code });
    const session = browser.session ?? "";
    await browser.get("/account/tokens");
    const created = await browser.post("/account/tokens", { name: "sync", program: "kafe", role: "viewer" });
    const apiToken = /id="new-token">([^<]+)</.exec(created.body)?.[1] ?? "";
    expect(apiToken).toMatch(/^embargo_/);
    await t.app.inject({
      method: "GET",
      url: "/api/v1/me",
      headers: { authorization: `Bearer ${apiToken}` },
    });
    await t.app.inject({
      method: "GET",
      url: "/api/v1/me",
      headers: { authorization: "Bearer embargo_wrong" },
    });

    const logs = t.logs();
    expect(logs).toContain("/login");
    for (const secretValue of [
      password,
      "a wrong password",
      token,
      secret,
      code,
      session,
      apiToken,
      ...setup.recoveryCodes,
    ])
      expect(logs).not.toContain(secretValue);
    expect(logs).not.toContain("leo@example.org");
  });

  it("shows recovery codes only once and can make new ones with a current code", async () => {
    const staff = await createStaff(t, { email: "mia@example.org", role: "viewer", totp: true });
    const page = await staff.browser.get("/account");
    expect(page.body).toContain("Recovery codes left: 10.");
    expect(recoveryCodesOf(page.body)).toEqual([]);
    later(60_000);
    const renewed = await staff.browser.post("/account/recovery-codes", {
      code: await codeAt(t, staff.totpSecret ?? ""),
    });
    expect(renewed.statusCode).toBe(200);
    const codes = recoveryCodesOf(renewed.body);
    expect(codes).toHaveLength(10);
    expect(codes).not.toContain(staff.recoveryCodes?.[0]);
  });
});
