import type { LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readSecurityLog } from "../../src/auth/security-log.js";
import { databases } from "../support/databases.js";
import { SoftPasskey } from "../support/soft-passkey.js";
import {
  Browser,
  type CreatedStaff,
  codeAt,
  createStaff,
  signIn,
  totpSecretOf,
  userIdOf,
} from "../support/staff.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";

/**
 * Passkeys over HTTP, with a software authenticator (test/support/soft-passkey.ts): adding one
 * from the account page, signing in with one alone or after the password, and every refusal the
 * server owes: a challenge it did not give (or gave to another browser, or that was used), a
 * passkey it does not know, a counter that went back, another member's passkey, a post without
 * the CSRF token. Chromium's own authenticator drives the pages in test/browser/passkeys.test.ts.
 */
const SITE = { rpId: new URL(PUBLIC_URL).hostname, origin: PUBLIC_URL };

/** Posts JSON as /assets/passkeys.js does: cookies, and the page's CSRF token in x-csrf-token. */
async function postJson(
  browser: Browser,
  url: string,
  body: unknown,
  options: { csrf?: boolean } = {},
): Promise<LightMyRequestResponse> {
  const response = await browser.app.inject({
    method: "POST",
    url,
    headers: {
      "content-type": "application/json",
      cookie: browser.cookieHeader(),
      ...(options.csrf === false ? {} : { "x-csrf-token": browser.csrf ?? "" }),
    },
    payload: JSON.stringify(body),
  });
  browser.remember(response);
  return response;
}

/** Adds `passkey` to the signed-in member's account, as the account page's script does. */
async function addPasskey(staff: CreatedStaff, passkey: SoftPasskey, name = "Work laptop") {
  await staff.browser.get("/account/passkeys");
  const options = await postJson(staff.browser, "/account/passkeys/options", {});
  expect(options.statusCode).toBe(200);
  return postJson(staff.browser, "/account/passkeys", { name, response: passkey.register(options.json()) });
}

/** The options of a passkey sign-in, from /login as the sign-in page's script asks for them. */
async function signInOptions(
  browser: Browser,
): Promise<{ challenge: string; allowCredentials?: { id: string }[] }> {
  await browser.get("/login");
  const options = await postJson(browser, "/login/passkey/options", {});
  expect(options.statusCode).toBe(200);
  return options.json();
}

async function signInWithPasskey(
  browser: Browser,
  passkey: SoftPasskey,
  as: Parameters<SoftPasskey["assert"]>[1] = {},
): Promise<LightMyRequestResponse> {
  const options = await signInOptions(browser);
  return postJson(browser, "/login/passkey", { response: passkey.assert(options, as) });
}

const me = async (browser: Browser) =>
  (await browser.get("/api/v1/me")).json() as {
    email: string;
    twoFactor: boolean;
    roles: { program: string }[];
  };

describe.each(databases)("passkeys over HTTP on $name", (database) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(() => database.open());
  });
  afterEach(async () => {
    await t.close();
  });

  it("adds several passkeys from the account page, lists them, and logs each", async () => {
    const staff = await createStaff(t, { email: "ana@example.org", role: "responder", program: "kafe" });
    const empty = await staff.browser.get("/account/passkeys");
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain("No passkeys yet.");
    expect(empty.body).toContain("Adding a passkey needs JavaScript");
    expect(empty.body).toContain('src="/assets/vendor/simplewebauthn-browser.js"');

    const first = await addPasskey(staff, new SoftPasskey(SITE), "Work laptop");
    expect(first.statusCode).toBe(200);
    // Her first second factor: recovery codes, shown once, in the answer.
    expect(first.json()).toMatchObject({ redirect: "/account/passkeys" });
    expect((first.json() as { recoveryCodes: string[] }).recoveryCodes).toHaveLength(10);
    const second = await addPasskey(staff, new SoftPasskey(SITE), "Blue key");
    expect(second.statusCode).toBe(200);
    expect(second.json()).not.toHaveProperty("recoveryCodes");

    const page = await staff.browser.get("/account/passkeys");
    expect(page.body).toContain('value="Work laptop"');
    expect(page.body).toContain('value="Blue key"');
    expect(page.body).toContain("never");
    const userId = await userIdOf(t, staff);
    const log = await readSecurityLog(t.store, { subject: userId });
    expect(log.filter((e) => e.type === "passkey.added").map((e) => e.payload)).toEqual([
      expect.objectContaining({ name: "Blue key" }),
      expect.objectContaining({ name: "Work laptop" }),
    ]);
    // The same authenticator twice is one passkey.
    const again = new SoftPasskey(SITE);
    await addPasskey(staff, again);
    expect((await addPasskey(staff, again)).statusCode).toBe(409);
  });

  it("signs an existing member in with a passkey alone, in a browser that never saw a password", async () => {
    const staff = await createStaff(t, { email: "ana@example.org", role: "responder", program: "kafe" });
    const passkey = new SoftPasskey(SITE, { counter: 1 });
    await addPasskey(staff, passkey);

    const browser = new Browser(t.app);
    const options = await signInOptions(browser);
    // Discoverable: the passkey names the member, so none is listed; and it must verify the user.
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(options).toMatchObject({ userVerification: "required", rpId: SITE.rpId });
    const response = await postJson(browser, "/login/passkey", { response: passkey.assert(options) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ redirect: "/inbox" });
    expect(browser.session).toBeDefined();
    expect(await me(browser)).toMatchObject({
      email: "ana@example.org",
      twoFactor: true,
      roles: [{ program: "kafe", role: "responder" }],
    });
    expect((await browser.get("/account/passkeys")).body).not.toContain("never");
    const log = await readSecurityLog(t.store, { subject: await userIdOf(t, staff) });
    expect(log[0]).toMatchObject({ type: "signin.succeeded", payload: { method: "passkey" } });
  });

  it("refuses a made-up challenge, a replayed one, another browser's, and a passkey it does not know", async () => {
    const staff = await createStaff(t, { email: "ana@example.org", role: "responder", program: "kafe" });
    const passkey = new SoftPasskey(SITE);
    await addPasskey(staff, passkey);

    const browser = new Browser(t.app);
    const options = await signInOptions(browser);
    const madeUp = await postJson(browser, "/login/passkey", {
      response: passkey.assert(options, { challenge: Buffer.alloc(32, 7).toString("base64url") }),
    });
    expect(madeUp.statusCode).toBe(401);
    expect(madeUp.json()).toMatchObject({ error: "passkey_refused" });
    expect(browser.session).toBeUndefined();

    // A good answer, then the same answer again with the same cookie: the challenge works once.
    const fresh = await signInOptions(browser);
    const cookie = browser.cookieHeader();
    const answer = { response: passkey.assert(fresh) };
    expect((await postJson(browser, "/login/passkey", answer)).statusCode).toBe(200);
    const replayed = await t.app.inject({
      method: "POST",
      url: "/login/passkey",
      headers: { "content-type": "application/json", cookie, "x-csrf-token": browser.csrf ?? "" },
      payload: JSON.stringify(answer),
    });
    expect(replayed.statusCode).toBe(401);

    // Options given to one browser, answered from another.
    const mine = new Browser(t.app);
    const theirs = new Browser(t.app);
    const given = await signInOptions(mine);
    await signInOptions(theirs);
    expect((await postJson(theirs, "/login/passkey", { response: passkey.assert(given) })).statusCode).toBe(
      401,
    );

    // A passkey this server never registered.
    const stranger = await signInWithPasskey(new Browser(t.app), new SoftPasskey(SITE));
    expect(stranger.statusCode).toBe(401);
    expect(stranger.json()).toMatchObject({ message: expect.stringContaining("not registered here") });

    // Signed for another site: the origin is not ours.
    const phished = await signInWithPasskey(new Browser(t.app), passkey, {
      origin: "https://security.example.org.evil.test",
    });
    expect(phished.statusCode).toBe(401);
    // Alone, a passkey must verify its user (a PIN, a fingerprint).
    const unverified = await signInWithPasskey(new Browser(t.app), passkey, { userVerified: false });
    expect(unverified.statusCode).toBe(401);

    const failures = (await readSecurityLog(t.store)).filter((e) => e.type === "signin.failed");
    expect(failures.map((e) => (e.payload as { reason: string }).reason).sort()).toEqual([
      "challenge",
      "challenge",
      "challenge",
      "invalid",
      "invalid",
      "unknown-credential",
    ]);
  });

  it("refuses a signature counter that does not go up as a cloned key, and logs it", async () => {
    const staff = await createStaff(t, { email: "ana@example.org", role: "responder", program: "kafe" });
    const passkey = new SoftPasskey(SITE, { counter: 5 });
    await addPasskey(staff, passkey);

    expect((await signInWithPasskey(new Browser(t.app), passkey, { counter: 7 })).statusCode).toBe(200);
    // A copy of the key, which has counted less (or as much).
    const copy = await signInWithPasskey(new Browser(t.app), passkey, { counter: 7 });
    expect(copy.statusCode).toBe(401);
    const lower = await signInWithPasskey(new Browser(t.app), passkey, { counter: 6 });
    expect(lower.statusCode).toBe(401);
    const log = await readSecurityLog(t.store, { subject: await userIdOf(t, staff) });
    expect(log.filter((e) => e.type === "passkey.cloned").map((e) => e.payload)).toEqual([
      expect.objectContaining({ counter: 6, stored: 7 }),
      expect.objectContaining({ counter: 7, stored: 7 }),
    ]);
    // The key that kept counting still works.
    expect((await signInWithPasskey(new Browser(t.app), passkey, { counter: 8 })).statusCode).toBe(200);
  });

  it("offers the passkey after the password as the second factor; TOTP and recovery codes still work", async () => {
    const staff = await createStaff(t, {
      email: "ana@example.org",
      role: "responder",
      program: "kafe",
      totp: true,
    });
    const passkey = new SoftPasskey(SITE);
    const added = await addPasskey(staff, passkey);
    // She has TOTP, and its recovery codes: no new ones.
    expect(added.json()).not.toHaveProperty("recoveryCodes");

    const browser = new Browser(t.app);
    const password = await signIn(t, browser, { email: staff.email, password: staff.password });
    expect(password.headers.location).toBe("/login/totp");
    const step = await browser.get("/login/totp");
    expect(step.body).toContain('data-verify-url="/login/totp/passkey"');
    expect(step.body).toContain("Code from your authenticator app, or a recovery code");
    const options = await postJson(browser, "/login/totp/passkey/options", {});
    expect(options.statusCode).toBe(200);
    expect(
      (options.json() as { allowCredentials: { id: string }[] }).allowCredentials.map((c) => c.id),
    ).toEqual([passkey.id]);
    const done = await postJson(browser, "/login/totp/passkey", { response: passkey.assert(options.json()) });
    expect(done.statusCode).toBe(200);
    expect(await me(browser)).toMatchObject({ twoFactor: true, roles: [{ program: "kafe" }] });
    const log = await readSecurityLog(t.store, { subject: await userIdOf(t, staff) });
    expect(log[0]).toMatchObject({ type: "signin.succeeded", payload: { method: "password+passkey" } });

    // The app's code, and a recovery code, as before (a minute on: the earlier codes were used).
    t.clock.set(new Date(t.clock.now().getTime() + 60_000));
    const withCode = new Browser(t.app);
    const totp = await signIn(t, withCode, {
      email: staff.email,
      password: staff.password,
      totpSecret: staff.totpSecret ?? "",
      totpSteps: 0,
    });
    expect(totp.statusCode).toBe(303);
    expect((await me(withCode)).twoFactor).toBe(true);
    const withRecovery = new Browser(t.app);
    await signIn(t, withRecovery, { email: staff.email, password: staff.password });
    await withRecovery.get("/login/totp");
    const recovered = await withRecovery.post("/login/totp", { code: staff.recoveryCodes?.[0] ?? "" });
    expect(recovered.statusCode).toBe(303);
    expect((await me(withRecovery)).twoFactor).toBe(true);
  });

  it("asks a member whose only second factor is a passkey for it after the password, or a recovery code", async () => {
    const staff = await createStaff(t, { email: "ana@example.org", role: "responder", program: "kafe" });
    // She began enrolling an authenticator app once, and never finished.
    const unfinished = totpSecretOf((await staff.browser.get("/account/totp")).body);
    const passkey = new SoftPasskey(SITE);
    const codes = (await addPasskey(staff, passkey)).json() as { recoveryCodes: string[] };

    const browser = new Browser(t.app);
    const password = await signIn(t, browser, { email: staff.email, password: staff.password });
    expect(password.headers.location).toBe("/login/totp");
    // The password alone is not a session yet.
    expect((await browser.get("/api/v1/me")).statusCode).toBe(401);
    const step = await browser.get("/login/totp");
    expect(step.body).toContain("Recovery code");
    expect(step.body).not.toContain("authenticator app");
    // A code of the enrolment she never finished does not count.
    expect((await browser.post("/login/totp", { code: await codeAt(t, unfinished, 1) })).statusCode).toBe(
      401,
    );
    const recovered = await browser.post("/login/totp", { code: codes.recoveryCodes[0] ?? "" });
    expect(recovered.statusCode).toBe(303);
    expect((await me(browser)).twoFactor).toBe(true);
  });

  it("makes new recovery codes for a member whose only second factor is a passkey, confirmed with it", async () => {
    const ana = await createStaff(t, { email: "ana@example.org", role: "responder", program: "kafe" });
    const passkey = new SoftPasskey(SITE, { counter: 1 });
    const first = ((await addPasskey(ana, passkey)).json() as { recoveryCodes: string[] }).recoveryCodes;
    const page = await ana.browser.get("/account");
    expect(page.body).toContain('data-options-url="/account/recovery-codes/passkey/options"');
    expect(page.body).toContain("Recovery codes left: 10.");

    // Without the page's CSRF token, nothing.
    expect(
      (await postJson(ana.browser, "/account/recovery-codes/passkey/options", {}, { csrf: false }))
        .statusCode,
    ).toBe(403);
    const options = await postJson(ana.browser, "/account/recovery-codes/passkey/options", {});
    expect(options.statusCode).toBe(200);
    // Her passkeys only.
    expect((options.json() as { allowCredentials: { id: string }[] }).allowCredentials).toEqual([
      expect.objectContaining({ id: passkey.id }),
    ]);
    const answer = { response: passkey.assert(options.json()) };
    const made = await postJson(ana.browser, "/account/recovery-codes/passkey", answer);
    expect(made.statusCode).toBe(200);
    const fresh = (made.json() as { recoveryCodes: string[] }).recoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(first[0]);
    // The same answer again: the challenge was used.
    expect((await postJson(ana.browser, "/account/recovery-codes/passkey", answer)).statusCode).toBe(400);
    const userId = await userIdOf(t, ana);
    const log = await readSecurityLog(t.store, { subject: userId });
    // Once with her first passkey, once now.
    expect(log.filter((e) => e.type === "recovery-codes.regenerated")).toHaveLength(2);

    // Another member's passkey does not confirm it, and one without a passkey is told to use TOTP.
    const bo = await createStaff(t, { email: "bo@example.org", role: "responder", program: "kafe" });
    const bos = new SoftPasskey(SITE);
    expect((await postJson(bo.browser, "/account/recovery-codes/passkey/options", {})).statusCode).toBe(409);
    await addPasskey(bo, bos);
    const again = await postJson(ana.browser, "/account/recovery-codes/passkey/options", {});
    const stolen = await postJson(ana.browser, "/account/recovery-codes/passkey", {
      response: bos.assert(again.json()),
    });
    expect(stolen.statusCode).toBe(400);
    expect(stolen.json()).toMatchObject({ error: "unknown_credential" });

    // The old codes are gone, the new ones sign her in after her password.
    const browser = new Browser(t.app);
    await signIn(t, browser, { email: ana.email, password: ana.password });
    expect((await browser.post("/login/totp", { code: first[1] ?? "" })).statusCode).toBe(401);
    expect((await browser.post("/login/totp", { code: fresh[0] ?? "" })).statusCode).toBe(303);
    expect((await me(browser)).twoFactor).toBe(true);
  });

  it("refuses another member's passkey at the second step", async () => {
    const ana = await createStaff(t, { email: "ana@example.org", role: "responder", program: "kafe" });
    const ben = await createStaff(t, { email: "ben@example.org", role: "responder", program: "kafe" });
    await addPasskey(ana, new SoftPasskey(SITE));
    const bens = new SoftPasskey(SITE);
    await addPasskey(ben, bens);

    const browser = new Browser(t.app);
    await signIn(t, browser, { email: ana.email, password: ana.password });
    await browser.get("/login/totp");
    const options = await postJson(browser, "/login/totp/passkey/options", {});
    const refused = await postJson(browser, "/login/totp/passkey", { response: bens.assert(options.json()) });
    expect(refused.statusCode).toBe(401);
    expect((await browser.get("/api/v1/me")).statusCode).toBe(401);
  });

  it("renames and removes only the member's own passkeys; a removed one signs no one in", async () => {
    const ana = await createStaff(t, { email: "ana@example.org", role: "responder", program: "kafe" });
    const ben = await createStaff(t, { email: "ben@example.org", role: "responder", program: "kafe" });
    const anas = new SoftPasskey(SITE);
    await addPasskey(ana, anas, "Laptop");
    const bens = new SoftPasskey(SITE);
    await addPasskey(ben, bens, "Phone");

    await ana.browser.get("/account/passkeys");
    const renamed = await ana.browser.post(`/account/passkeys/${anas.id}/rename`, { name: "  Old\tlaptop " });
    expect(renamed.statusCode).toBe(303);
    expect((await ana.browser.get("/account/passkeys")).body).toContain('value="Old laptop"');
    expect((await ana.browser.post(`/account/passkeys/${anas.id}/rename`, { name: " " })).statusCode).toBe(
      400,
    );

    // Ben's passkey, from Ana's account: not found, and untouched.
    expect(
      (await ana.browser.post(`/account/passkeys/${bens.id}/rename`, { name: "Mine now" })).statusCode,
    ).toBe(404);
    expect((await ana.browser.post(`/account/passkeys/${bens.id}/remove`, {})).statusCode).toBe(404);
    expect((await ben.browser.get("/account/passkeys")).body).toContain('value="Phone"');

    await ana.browser.get("/account/passkeys");
    expect((await ana.browser.post(`/account/passkeys/${anas.id}/remove`, {})).statusCode).toBe(303);
    expect((await ana.browser.get("/account/passkeys")).body).toContain("No passkeys yet.");
    const log = await readSecurityLog(t.store, { subject: await userIdOf(t, ana) });
    expect(log.slice(0, 2).map((e) => [e.type, e.payload])).toEqual([
      ["passkey.removed", expect.objectContaining({ name: "Old laptop" })],
      ["passkey.renamed", expect.objectContaining({ from: "Laptop", to: "Old laptop" })],
    ]);
    const after = await signInWithPasskey(new Browser(t.app), anas);
    expect(after.statusCode).toBe(401);
    // Without a passkey (and without TOTP), her password alone signs her in again.
    const password = await signIn(t, new Browser(t.app), { email: ana.email, password: ana.password });
    expect(password.headers.location).toBe("/inbox");
  });

  it("refuses the 21st passkey sign-in from one address in ten minutes with 429 and Retry-After, storing nothing for it", async () => {
    const browser = new Browser(t.app);
    await browser.get("/login");
    const challenges = async () =>
      Number(
        (
          await t.store.db
            .selectFrom("webauthn_challenges")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    for (let i = 0; i < 20; i++) {
      // Each without the cookie of the last, as a script asking over and over would.
      browser.cookies.delete("embargo-passkey");
      expect((await postJson(browser, "/login/passkey/options", {})).statusCode).toBe(200);
    }
    expect(await challenges()).toBe(20);
    const refused = await postJson(browser, "/login/passkey/options", {});
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: "rate_limited" });
    // One token back every 30 seconds.
    expect(refused.headers["retry-after"]).toBe("30");
    expect(await challenges()).toBe(20);
    // Another address is not held up by this one.
    const elsewhere = await t.app.inject({
      method: "POST",
      url: "/login/passkey/options",
      remoteAddress: "192.0.2.7",
      headers: {
        "content-type": "application/json",
        cookie: browser.cookieHeader(),
        "x-csrf-token": browser.csrf ?? "",
      },
      payload: "{}",
    });
    expect(elsewhere.statusCode).toBe(200);
    // And the address may begin again once a token is back.
    t.clock.set(new Date(t.clock.now().getTime() + 30_000));
    expect((await postJson(browser, "/login/passkey/options", {})).statusCode).toBe(200);
  });

  it("refuses the JSON posts without the page's CSRF token", async () => {
    const staff = await createStaff(t, { email: "ana@example.org", role: "responder", program: "kafe" });
    const passkey = new SoftPasskey(SITE);
    await staff.browser.get("/account/passkeys");
    expect((await postJson(staff.browser, "/account/passkeys/options", {}, { csrf: false })).statusCode).toBe(
      403,
    );
    const options = await postJson(staff.browser, "/account/passkeys/options", {});
    const body = { name: "Laptop", response: passkey.register(options.json()) };
    expect((await postJson(staff.browser, "/account/passkeys", body, { csrf: false })).statusCode).toBe(403);
    expect((await postJson(staff.browser, "/account/passkeys", body)).statusCode).toBe(200);

    const browser = new Browser(t.app);
    await browser.get("/login");
    expect((await postJson(browser, "/login/passkey/options", {}, { csrf: false })).statusCode).toBe(403);
    const signInOptions = (await postJson(browser, "/login/passkey/options", {})).json();
    const answer = { response: passkey.assert(signInOptions) };
    expect((await postJson(browser, "/login/passkey", answer, { csrf: false })).statusCode).toBe(403);
    expect(browser.session).toBeUndefined();
    // And a form is not JSON.
    expect((await browser.post("/login/passkey", {})).statusCode).toBe(415);
  });
});
