import { randomBytes } from "node:crypto";
import type { LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { databases, type TestStore } from "../support/databases.js";
import { Browser, createStaff, signIn } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";

/**
 * The sign-in throttle through the sign-in form, on a real database: attempts are counted before
 * the password is checked (so a burst gets no more checks than the rules allow), and the counts
 * are per account *and* address, with an account-wide count that only slows addresses the
 * account never signed in from: a stranger cannot lock a member out.
 */
describe.each(databases)("sign-in throttle on $name", (database) => {
  let t: TestApp;
  let store: TestStore;
  // Shared with a second instance in one test (the rate counters' keys derive from it).
  const masterKey = randomBytes(32);
  beforeEach(async () => {
    t = await startTestApp(
      async () => {
        store = await database.open();
        return store;
      },
      {},
      { masterKey },
    );
  });
  afterEach(async () => {
    await t.close();
  });
  const later = (ms: number) => t.clock.set(new Date(t.clock.now().getTime() + ms));

  /** A browser at another address: every request it makes comes from `remoteAddress`. */
  class RemoteBrowser extends Browser {
    constructor(
      app: TestApp["app"],
      readonly remoteAddress: string,
    ) {
      super(app);
    }
    async send(method: "GET" | "POST", url: string, fields?: Record<string, string>) {
      const response = await this.app.inject({
        method,
        url,
        remoteAddress: this.remoteAddress,
        headers: {
          cookie: this.cookieHeader(),
          ...(fields === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
        },
        ...(fields === undefined
          ? {}
          : { payload: new URLSearchParams({ _csrf: this.csrf ?? "", ...fields }).toString() }),
      });
      this.remember(response);
      return response;
    }
    override get(url: string): Promise<LightMyRequestResponse> {
      return this.send("GET", url);
    }
    override post(url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
      return this.send("POST", url, fields);
    }
  }
  const passwordFailures = async () =>
    (
      await t.store.db
        .selectFrom("security_log")
        .select("payload_json")
        .where("type", "=", "signin.failed")
        .execute()
    )
      .map((row) => JSON.parse(row.payload_json) as { step: string })
      .filter((payload) => payload.step === "password").length;

  it("checks only the free allowance of 150 concurrent wrong passwords; the member still gets in from where they signed in before", async () => {
    // The member signs in once (from 127.0.0.1, app.inject's address): that address is now known.
    const member = await createStaff(t, { email: "mia@kafe.example", role: "responder", totp: true });
    await member.browser.post("/logout", {});

    const attacker = new RemoteBrowser(t.app, "203.0.113.66");
    await attacker.get("/login");
    const burst = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        attacker.post("/login", { email: member.email, password: `guess number ${i}` }),
      ),
    );
    const statuses = burst.map((r) => r.statusCode);
    // Three free failures, and the fourth is checked at once: four argon2 verifications, no more.
    expect(statuses.filter((s) => s === 401)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(146);
    expect(await passwordFailures()).toBe(4);
    const refused = burst.find((r) => r.statusCode === 429);
    expect(refused?.headers["retry-after"]).toBe("1");

    // Guessing from many addresses: the account-wide count for new addresses runs out too.
    const spread: number[] = [];
    for (let i = 1; i <= 6; i += 1) {
      const other = new RemoteBrowser(t.app, `198.51.100.${i}`);
      await other.get("/login");
      spread.push(
        (await other.post("/login", { email: member.email, password: "another guess" })).statusCode,
      );
    }
    expect(spread).toEqual([401, 401, 429, 429, 429, 429]);

    // A stranger's address is refused even with the right password (it is never checked)…
    const stranger = new RemoteBrowser(t.app, "192.0.2.200");
    await stranger.get("/login");
    const strangerTry = await stranger.post("/login", { email: member.email, password: member.password });
    expect(strangerTry.statusCode).toBe(429);
    expect(strangerTry.body).toContain("places it has not signed in from");
    expect(stranger.session).toBeUndefined();

    // …while the member, from their own address, with password and code, gets in at once (a
    // minute later, for a fresh code: codes are single-use).
    later(60_000);
    const own = new Browser(t.app);
    const signedIn = await signIn(t, own, {
      email: member.email,
      password: member.password,
      totpSecret: member.totpSecret ?? "",
      totpSteps: 0,
    });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe("/inbox");
    expect((await own.get("/api/v1/me")).json()).toMatchObject({ email: member.email, twoFactor: true });
  });

  it("keeps counting code guesses when the password is entered again", async () => {
    const member = await createStaff(t, { email: "noa@kafe.example", role: "viewer", totp: true });
    await member.browser.post("/logout", {});
    // Someone who has the password, not the second factor, from an address of their own.
    const thief = new RemoteBrowser(t.app, "203.0.113.80");
    const password = async () => {
      await thief.get("/login");
      return thief.post("/login", { email: member.email, password: member.password });
    };
    expect((await password()).statusCode).toBe(303);
    await thief.get("/login/totp");
    const guesses: number[] = [];
    for (let i = 0; i < 5; i += 1)
      guesses.push((await thief.post("/login/totp", { code: String(100000 + i) })).statusCode);
    expect(guesses).toEqual([401, 401, 401, 401, 429]);
    later(1000);
    // The right password again gives back only its own attempt: the code guesses still count.
    expect((await password()).statusCode).toBe(303);
    await thief.get("/login/totp");
    const next = await thief.post("/login/totp", { code: "123456" });
    expect(next.statusCode).toBe(429);
    expect(Number(next.headers["retry-after"])).toBeGreaterThan(0);

    // The member, from their own address, is not slowed by any of it.
    later(60_000);
    const own = new Browser(t.app);
    const response = await signIn(t, own, {
      email: member.email,
      password: member.password,
      totpSecret: member.totpSecret ?? "",
      totpSteps: 0,
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/inbox");
  });

  it("keeps one count for every instance on the database, naming no address or email", async () => {
    const member = await createStaff(t, { email: "ola@kafe.example", role: "viewer" });
    const second = await startTestApp(() => store.reopen(), {}, { masterKey });
    try {
      const [one, two] = [
        new RemoteBrowser(t.app, "203.0.113.90"),
        new RemoteBrowser(second.app, "203.0.113.90"),
      ];
      await one.get("/login");
      await two.get("/login");
      const burst = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 === 0 ? one : two).post("/login", { email: member.email, password: `wrong ${i}` }),
        ),
      );
      expect(burst.filter((r) => r.statusCode === 401)).toHaveLength(4);
      expect(await passwordFailures()).toBe(4);
    } finally {
      await second.close();
    }
    const rows = JSON.stringify(await t.store.db.selectFrom("rate_counters").selectAll().execute());
    expect(rows).toMatch(/signin-pair:/);
    expect(rows).not.toContain("203.0.113.90");
    expect(rows).not.toContain(member.email);
  });
});
