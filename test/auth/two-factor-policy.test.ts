import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { completeSetup } from "../../src/auth/account-setup.js";
import { hashPassword } from "../../src/auth/passwords.js";
import { roleFor, twoFactorRequired, usableRoles } from "../../src/auth/staff.js";
import { createSetupLink, createUser } from "../../src/auth/users.js";
import type { Store } from "../../src/store/database.js";
import { databases } from "../support/databases.js";
import {
  Browser,
  codeAt,
  completeSetupPage,
  createStaff,
  signIn,
  TEST_PASSWORD,
  totpSecretOf,
} from "../support/staff.js";
import { startTestApp } from "../support/web.js";

const PROGRAMS = [
  { slug: "kafe", requireTwoFactor: true },
  { slug: "kitsu", requireTwoFactor: false },
  { slug: "kulupu", requireTwoFactor: false },
];

describe("the two-factor rule (policy team.requireTwoFactor)", () => {
  it("requires TOTP of members of a program that asks for it, and of every-program members", () => {
    expect(twoFactorRequired([{ program: "kafe" }], PROGRAMS)).toBe(true);
    expect(twoFactorRequired([{ program: "kitsu" }], PROGRAMS)).toBe(false);
    expect(twoFactorRequired([{ program: "kitsu" }, { program: "kafe" }], PROGRAMS)).toBe(true);
    expect(twoFactorRequired([{ program: "*" }], PROGRAMS)).toBe(true);
    expect(twoFactorRequired([{ program: "*" }], [{ slug: "kitsu", requireTwoFactor: false }])).toBe(false);
  });

  it("withholds such programs from a session without the second factor", () => {
    const memberships = [
      { program: "kafe", role: "admin" },
      { program: "kitsu", role: "viewer" },
    ] as const;
    const without = { roles: usableRoles([...memberships], PROGRAMS, false) };
    expect(roleFor(without, "kafe")).toBeUndefined();
    expect(roleFor(without, "kitsu")).toBe("viewer");
    const withTotp = { roles: usableRoles([...memberships], PROGRAMS, true) };
    expect(roleFor(withTotp, "kafe")).toBe("admin");

    const everywhere = { roles: usableRoles([{ program: "*", role: "responder" }], PROGRAMS, false) };
    expect(roleFor(everywhere, "kafe")).toBeUndefined();
    expect(roleFor(everywhere, "kitsu")).toBe("responder");
    expect(roleFor(everywhere, "kulupu")).toBe("responder");
    expect(roleFor(everywhere, "a-program-added-later")).toBeUndefined();
  });

  it("gives the highest of a program's own role and the every-program role", () => {
    const staff = {
      roles: new Map([
        ["*", "viewer"],
        ["kafe", "admin"],
        ["kitsu", "viewer"],
      ] as const),
    };
    expect(roleFor(staff, "kafe")).toBe("admin");
    expect(roleFor(staff, "kitsu")).toBe("viewer");
    expect(roleFor(staff, "other")).toBe("viewer");
    expect(roleFor({ roles: new Map([["*", "admin"]]) }, "kitsu")).toBe("admin");
    expect(roleFor({ roles: new Map() }, "kitsu")).toBeUndefined();
  });
});

/** The test app, but with the example policies changed so Kafe requires two-factor sign-in. */
async function startAppRequiringTwoFactor(open: () => Promise<Store>) {
  const dir = mkdtempSync(path.join(tmpdir(), "embargo-2fa-policies-"));
  cpSync("examples/policies", dir, { recursive: true });
  const kafe = path.join(dir, "kafe.yaml");
  writeFileSync(kafe, `${readFileSync(kafe, "utf8")}\nteam: { requireTwoFactor: true }\n`);
  const t = await startTestApp(open, {}, { policies: dir });
  return {
    ...t,
    close: async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe.each(databases)("a program that requires two-factor sign-in, on $name", (database) => {
  let t: Awaited<ReturnType<typeof startAppRequiringTwoFactor>>;
  beforeEach(async () => {
    t = await startAppRequiringTwoFactor(() => database.open());
  });
  afterEach(async () => {
    await t.close();
  });

  it("makes TOTP enrolment mandatory at setup", async () => {
    const { userId } = await createUser(t.store, {
      email: "kafe@example.org",
      memberships: [{ program: "kafe", role: "responder" }],
      actor: "test",
      now: t.clock.now(),
    });
    const { token } = await createSetupLink(t.store, userId, { now: t.clock.now(), actor: "test" });
    const browser = new Browser(t.app);
    const page = await browser.get(`/setup/${token}`);
    expect(page.body).toContain("— required");
    const password = `${TEST_PASSWORD} kafe`;
    const skipped = await browser.post(`/setup/${token}`, { password, password2: password, code: "" });
    expect(skipped.statusCode).toBe(400);
    expect(skipped.body).toContain("two-factor sign-in is required");
    const wrong = await browser.post(`/setup/${token}`, { password, password2: password, code: "000000" });
    expect(wrong.statusCode).toBe(400);
    const secret = totpSecretOf(page.body);
    const done = await browser.post(`/setup/${token}`, {
      password,
      password2: password,
      code: await codeAt(t, secret),
    });
    expect(done.statusCode).toBe(200);
    const signedIn = await signIn(t, browser, { email: "kafe@example.org", password, totpSecret: secret });
    expect(signedIn.statusCode).toBe(303);
    expect((await browser.get("/api/v1/me")).json()).toMatchObject({
      twoFactor: true,
      roles: [{ program: "kafe", role: "responder" }],
    });
  });

  it("leaves TOTP optional for members of other programs only", async () => {
    const { userId } = await createUser(t.store, {
      email: "kitsu@example.org",
      memberships: [{ program: "kitsu", role: "viewer" }],
      actor: "test",
      now: t.clock.now(),
    });
    const { token } = await createSetupLink(t.store, userId, { now: t.clock.now(), actor: "test" });
    const browser = new Browser(t.app);
    expect((await browser.get(`/setup/${token}`)).body).toContain("— optional");
    await completeSetupPage(t, browser, token, { password: `${TEST_PASSWORD} kitsu`, totp: false });
  });

  it("does not let a member without TOTP use the program until they enrol", async () => {
    // An account set up before the policy asked for a second factor.
    const { userId } = await createUser(t.store, {
      email: "old@example.org",
      memberships: [{ program: "*", role: "responder" }],
      actor: "test",
      now: t.clock.now(),
    });
    const { token } = await createSetupLink(t.store, userId, { now: t.clock.now(), actor: "test" });
    const password = `${TEST_PASSWORD} old`;
    await completeSetup(t.store, t.keyring, {
      token,
      passwordHash: await hashPassword(password),
      now: t.clock.now(),
    });

    const browser = new Browser(t.app);
    const response = await signIn(t, browser, { email: "old@example.org", password });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/account/totp");
    const before = (await browser.get("/api/v1/me")).json() as { roles: { program: string }[] };
    expect(before.roles.map((r) => r.program)).not.toContain("kafe");
    expect(before.roles.map((r) => r.program)).not.toContain("*");
    expect(before.roles.map((r) => r.program)).toContain("kitsu");
    expect((await browser.get("/account")).body).toContain("requires two-factor sign-in");

    const enrol = await browser.get("/account/totp");
    expect(enrol.statusCode).toBe(200);
    const qr = await browser.get("/account/totp.svg");
    expect(qr.headers["content-type"]).toMatch(/^image\/svg\+xml/);
    const secret = totpSecretOf(enrol.body);
    const enabled = await browser.post("/account/totp", { code: await codeAt(t, secret) });
    expect(enabled.statusCode).toBe(200);
    expect(enabled.body).toContain("recovery-codes");
    expect((await browser.get("/api/v1/me")).json()).toMatchObject({
      twoFactor: true,
      roles: [{ program: "*", role: "responder" }],
    });
    // The enabled secret is never shown again.
    expect((await browser.get("/account/totp.svg")).statusCode).toBe(404);
    expect((await browser.get("/account/totp")).headers.location).toBe("/account");

    // From now on, signing in asks for the code.
    await browser.post("/logout", {});
    const again = await signIn(t, browser, { email: "old@example.org", password });
    expect(again.headers.location).toBe("/login/totp");
  });

  it("gives a member with TOTP the program at once", async () => {
    const staff = await createStaff(t, {
      email: "new@example.org",
      role: "admin",
      program: "kafe",
      totp: true,
    });
    expect((await staff.browser.get("/account/tokens")).statusCode).toBe(200);
  });
});
