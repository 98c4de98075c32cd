import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { completeSetup } from "../../src/auth/account-setup.js";
import { hashPassword } from "../../src/auth/passwords.js";
import { meetsTwoFactor, roleFor, twoFactorRequirement, usableRoles } from "../../src/auth/staff.js";
import { createSetupLink, createUser } from "../../src/auth/users.js";
import { loadPolicies } from "../../src/policy/loader.js";
import { teamSections } from "../../src/policy/render/team-outline.js";
import type { Store } from "../../src/store/database.js";
import { databases } from "../support/databases.js";
import { SoftPasskey } from "../support/soft-passkey.js";
import { Browser, codeAt, createStaff, signIn, TEST_PASSWORD } from "../support/staff.js";
import { PUBLIC_URL, startTestApp } from "../support/web.js";

/**
 * `team.requireTwoFactor: passkey`: members of the program must have signed in with a passkey
 * (phishing-resistant); a sign-in with the app's code does not give them the program, and sends
 * them to add a passkey, as `true` sends a member without TOTP to enrol it.
 */
const PROGRAMS = [
  { slug: "kafe", requireTwoFactor: "passkey" as const },
  { slug: "kitsu", requireTwoFactor: true },
  { slug: "kulupu", requireTwoFactor: false },
];
const SITE = { rpId: new URL(PUBLIC_URL).hostname, origin: PUBLIC_URL };

describe("the passkey requirement (policy team.requireTwoFactor: passkey)", () => {
  it("ranks a passkey above a second factor, and a second factor above a password", () => {
    expect(meetsTwoFactor("passkey", "passkey")).toBe(true);
    expect(meetsTwoFactor("passkey", true)).toBe(false);
    expect(meetsTwoFactor(true, "passkey")).toBe(true);
    expect(meetsTwoFactor(true, false)).toBe(false);
    expect(meetsTwoFactor(false, false)).toBe(true);
    expect(twoFactorRequirement([{ program: "kitsu" }], PROGRAMS)).toBe(true);
    expect(twoFactorRequirement([{ program: "kitsu" }, { program: "kafe" }], PROGRAMS)).toBe("passkey");
    expect(twoFactorRequirement([{ program: "*" }], PROGRAMS)).toBe("passkey");

    const memberships = [{ program: "*", role: "responder" }] as const;
    const withTotp = { roles: usableRoles([...memberships], PROGRAMS, true) };
    expect(roleFor(withTotp, "kafe")).toBeUndefined();
    expect(roleFor(withTotp, "kitsu")).toBe("responder");
    const withPasskey = { roles: usableRoles([...memberships], PROGRAMS, "passkey") };
    expect(roleFor(withPasskey, "kafe")).toBe("responder");
    expect(roleFor(withPasskey, "a-program-added-later")).toBe("responder");
  });

  it("reads requireTwoFactor: passkey from a policy, says so to the team, and refuses other words", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "embargo-passkey-policy-"));
    try {
      cpSync("examples/policies/kafe.yaml", path.join(dir, "kafe.yaml"));
      const file = path.join(dir, "kafe.yaml");
      writeFileSync(file, `${readFileSync(file, "utf8")}\nteam: { requireTwoFactor: passkey }\n`);
      const loaded = await loadPolicies(dir);
      expect(loaded.problems).toEqual([]);
      const policy = loaded.policies[0]?.policy;
      expect(policy?.team.requireTwoFactor).toBe("passkey");
      expect(JSON.stringify(policy === undefined ? [] : teamSections(policy))).toContain(
        "Members must sign in with a passkey",
      );
      writeFileSync(
        file,
        readFileSync(file, "utf8").replace("requireTwoFactor: passkey", "requireTwoFactor: webauthn"),
      );
      expect((await loadPolicies(dir)).problems).not.toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The test app with Kafe requiring a passkey. */
async function startAppRequiringPasskey(open: () => Promise<Store>) {
  const dir = mkdtempSync(path.join(tmpdir(), "embargo-passkey-policies-"));
  cpSync("examples/policies", dir, { recursive: true });
  const kafe = path.join(dir, "kafe.yaml");
  writeFileSync(kafe, `${readFileSync(kafe, "utf8")}\nteam: { requireTwoFactor: passkey }\n`);
  const t = await startTestApp(open, {}, { policies: dir });
  return {
    ...t,
    close: async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postJson(browser: Browser, url: string, body: unknown): Promise<LightMyRequestResponse> {
  const response = await browser.app.inject({
    method: "POST",
    url,
    headers: {
      "content-type": "application/json",
      cookie: browser.cookieHeader(),
      "x-csrf-token": browser.csrf ?? "",
    },
    payload: JSON.stringify(body),
  });
  browser.remember(response);
  return response;
}

const programsOf = async (browser: Browser) =>
  ((await browser.get("/api/v1/me")).json() as { roles: { program: string }[] }).roles.map((r) => r.program);

describe.each(databases)("a program that requires a passkey, on $name", (database) => {
  let t: Awaited<ReturnType<typeof startAppRequiringPasskey>>;
  beforeEach(async () => {
    t = await startAppRequiringPasskey(() => database.open());
  });
  afterEach(async () => {
    await t.close();
  });

  it("withholds a program that requires a passkey from a TOTP sign-in until the member signs in with a passkey", async () => {
    const staff = await createStaff(t, {
      email: "ana@example.org",
      role: "responder",
      program: "kafe",
      totp: true,
    });
    // Signed in with the app's code: a second factor, but not a passkey.
    expect(await programsOf(staff.browser)).toEqual([]);
    expect((await staff.browser.get("/account")).body).toContain("requires signing in with a passkey");
    expect((await staff.browser.get("/account/passkeys")).body).toContain(
      "requires signing in with a passkey",
    );
    // The code step sends her to the passkeys page.
    t.clock.set(new Date(t.clock.now().getTime() + 60_000));
    const again = new Browser(t.app);
    await signIn(t, again, { email: staff.email, password: staff.password });
    await again.get("/login/totp");
    const coded = await again.post("/login/totp", { code: await codeAt(t, staff.totpSecret ?? "") });
    expect(coded.headers.location).toBe("/account/passkeys");
    expect(await programsOf(again)).toEqual([]);

    // She adds one: this session proved it holds it, and has the program from now on.
    const passkey = new SoftPasskey(SITE);
    await staff.browser.get("/account/passkeys");
    const options = await postJson(staff.browser, "/account/passkeys/options", {});
    const added = await postJson(staff.browser, "/account/passkeys", {
      name: "Laptop",
      response: passkey.register(options.json()),
    });
    expect(added.statusCode).toBe(200);
    expect(await programsOf(staff.browser)).toEqual(["kafe"]);
    expect((await staff.browser.get("/account/passkeys")).body).not.toContain(
      "requires signing in with a passkey",
    );

    // Another browser, with the passkey alone: the program.
    const alone = new Browser(t.app);
    await alone.get("/login");
    const aloneOptions = await postJson(alone, "/login/passkey/options", {});
    expect(
      (await postJson(alone, "/login/passkey", { response: passkey.assert(aloneOptions.json()) })).statusCode,
    ).toBe(200);
    expect(await programsOf(alone)).toEqual(["kafe"]);

    // Another, with the password and then the passkey: the program too.
    const second = new Browser(t.app);
    await signIn(t, second, { email: staff.email, password: staff.password });
    await second.get("/login/totp");
    const secondOptions = await postJson(second, "/login/totp/passkey/options", {});
    expect(
      (await postJson(second, "/login/totp/passkey", { response: passkey.assert(secondOptions.json()) }))
        .statusCode,
    ).toBe(200);
    expect(await programsOf(second)).toEqual(["kafe"]);
  });

  it("sends a member without any second factor from the password to the passkeys page", async () => {
    // An account set up before the policy asked for anything (setup now asks for TOTP first).
    const { userId } = await createUser(t.store, {
      email: "ben@example.org",
      memberships: [{ program: "kafe", role: "viewer" }],
      actor: "test",
      now: t.clock.now(),
    });
    const { token } = await createSetupLink(t.store, userId, { now: t.clock.now(), actor: "test" });
    const password = `${TEST_PASSWORD} ben`;
    await completeSetup(t.store, t.keyring, {
      token,
      passwordHash: await hashPassword(password),
      now: t.clock.now(),
    });
    const browser = new Browser(t.app);
    const response = await signIn(t, browser, { email: "ben@example.org", password });
    expect(response.headers.location).toBe("/account/passkeys");
    expect(await programsOf(browser)).toEqual([]);
  });
});
