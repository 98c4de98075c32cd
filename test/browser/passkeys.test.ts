import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addStaffInBrowser,
  type BrowserStaff,
  closeAll,
  DESKTOP,
  type Embargo,
  expectHeading,
  HAS_CHROMIUM,
  launchBrowser,
  newContext,
  PHONE,
  saveScreenshot,
  scrollWidth,
  signInInBrowser,
  startEmbargo,
  textOf,
} from "../support/browser.js";
import { freePort } from "../support/server-process.js";

/**
 * Passkeys in a real browser: Chromium's virtual authenticator (DevTools protocol, WebAuthn
 * domain) stands in for a laptop's fingerprint reader. A member adds a passkey from the account
 * page, signs in with it alone, uses it as the second step after the password, a copy of it whose
 * counter is behind is refused, and once removed it signs no one in.
 *
 * WebAuthn needs a secure context and an RP ID that is a domain: http://localhost is both (an IP
 * address such as 127.0.0.1 is no valid RP ID), so the server's public URL names localhost here.
 */

/** A virtual platform authenticator (like Touch ID) on `page`, with user verification. */
async function virtualAuthenticator(
  context: BrowserContext,
  page: Page,
): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

describe.skipIf(!HAS_CHROMIUM)("passkeys in Chromium", () => {
  let browser: Browser;
  let embargo: Embargo;
  let context: BrowserContext;
  let page: Page;
  let authenticator: { cdp: CDPSession; id: string };
  let ana: BrowserStaff;
  const errors: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    const url = `http://localhost:${port}`;
    let started: Embargo;
    [browser, started] = await Promise.all([
      launchBrowser(),
      startEmbargo({ EMBARGO_PORT: String(port), EMBARGO_PUBLIC_URL: url }),
    ]);
    // Links the server prints (setup links) and the pages' own addresses name localhost.
    embargo = { ...started, url };
    context = await newContext(browser, { viewport: DESKTOP });
    page = await context.newPage();
    // A CSP refusal or a script error is a failure of the page, not of the test's patience.
    page.on("console", (message) => {
      // Failed loads are counted by their responses, below, with their address.
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
        errors.push(message.text());
    });
    page.on("response", (response) => {
      const { pathname } = new URL(response.url());
      // The browser asks for /favicon.ico by itself; Embargo has none.
      if (response.status() >= 400 && pathname !== "/favicon.ico")
        errors.push(`${response.status()} ${pathname}`);
    });
    page.on("pageerror", (error) => errors.push(error.message));
    authenticator = await virtualAuthenticator(context, page);
    ana = await addStaffInBrowser(embargo, page, {
      email: "ana@kafe.example",
      role: "responder",
      program: "kafe",
    });
    await signInInBrowser(page, embargo, ana);
  }, 120_000);
  afterAll(async () => {
    await closeAll(context);
    await browser?.close();
    await embargo?.stop();
  });

  const signOut = async () => {
    await page.getByRole("button", { name: "Sign out" }).first().click();
    await expectHeading(page, "Sign in");
  };

  it("adds a passkey from the account page and lists it", async () => {
    await page.goto(`${embargo.url}/account`);
    await page.getByRole("link", { name: "Manage passkeys" }).click();
    await expectHeading(page, "Passkeys");
    expect(await textOf(page.locator("main"))).toContain("No passkeys yet.");
    await page.getByLabel("Name", { exact: true }).fill("Work laptop");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByRole("button", { name: "Remove Work laptop" }).waitFor();
    // On a phone, the list scrolls in its own box, not the page sideways.
    await page.setViewportSize(PHONE);
    await saveScreenshot(page, "account-passkeys-375");
    expect(await scrollWidth(page)).toBe(PHONE.width);
    await page.setViewportSize(DESKTOP);
    const { credentials } = await authenticator.cdp.send("WebAuthn.getCredentials", {
      authenticatorId: authenticator.id,
    });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: "localhost" });
    expect(errors).toEqual([]);
  });

  it("signs Ana in with the passkey alone, then as the second step after her password", async () => {
    await signOut();
    await saveScreenshot(page, "login-with-passkey");
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expectHeading(page, "Inbox");

    await signOut();
    await page.getByLabel("Email").fill(ana.email);
    await page.getByLabel("Password", { exact: true }).fill(ana.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expectHeading(page, "Enter your code");
    await saveScreenshot(page, "login-second-step-with-passkey");
    await page.getByRole("button", { name: "Use a passkey" }).click();
    await expectHeading(page, "Inbox");
    await page.goto(`${embargo.url}/account/passkeys`);
    // Used: the list says when.
    expect(await textOf(page.locator("table.passkeys tbody"))).not.toContain("never");
    expect(errors).toEqual([]);
  });

  it("refuses a copy of the passkey whose signature counter is behind", async () => {
    const { credentials } = await authenticator.cdp.send("WebAuthn.getCredentials", {
      authenticatorId: authenticator.id,
    });
    const original = credentials[0];
    if (original === undefined) throw new Error("no credential in the virtual authenticator");
    expect(original.signCount).toBeGreaterThan(1);
    // Another browser holds a copy of the key, taken before its last two uses.
    const other = await newContext(browser);
    try {
      const thief = await other.newPage();
      const copy = await virtualAuthenticator(other, thief);
      await copy.cdp.send("WebAuthn.addCredential", {
        authenticatorId: copy.id,
        credential: { ...original, signCount: 0 },
      });
      await thief.goto(`${embargo.url}/login`);
      await thief.getByRole("button", { name: "Sign in with a passkey" }).click();
      await thief.getByText("That passkey was refused.").waitFor();
      await expectHeading(thief, "Sign in");
    } finally {
      await other.close();
    }
  });

  it("signs a brand-new member in with the passkey they added, alone, as themselves; it confirms new recovery codes", async () => {
    // Bo is made now, in a browser of their own with its own authenticator: no other key there.
    const other = await newContext(browser, { viewport: DESKTOP });
    try {
      const bo = await other.newPage();
      const own = await virtualAuthenticator(other, bo);
      const member = await addStaffInBrowser(embargo, bo, {
        email: "bo@kafe.example",
        role: "viewer",
        program: "kafe",
      });
      await signInInBrowser(bo, embargo, member);
      await bo.goto(`${embargo.url}/account/passkeys`);
      expect(await textOf(bo.locator("main"))).toContain("No passkeys yet.");
      await bo.getByLabel("Name", { exact: true }).fill("Bo's phone");
      await bo.getByRole("button", { name: "Add a passkey" }).click();
      await bo.getByRole("button", { name: "Remove Bo's phone" }).waitFor();
      await bo.getByRole("button", { name: "Sign out" }).first().click();
      await expectHeading(bo, "Sign in");
      await bo.getByRole("button", { name: "Sign in with a passkey" }).click();
      await expectHeading(bo, "Inbox");
      // The passkey names Bo, not Ana, whose key is registered here too.
      const me = await bo.request.get(`${embargo.url}/api/v1/me`);
      expect(await me.json()).toMatchObject({
        email: "bo@kafe.example",
        roles: [{ program: "kafe", role: "viewer" }],
      });
      const { credentials } = await own.cdp.send("WebAuthn.getCredentials", { authenticatorId: own.id });
      expect(credentials).toHaveLength(1);

      // New recovery codes, confirmed with the passkey instead of a code from the app.
      await bo.goto(`${embargo.url}/account`);
      await bo.getByRole("button", { name: "Make new recovery codes with your passkey" }).click();
      await bo.getByRole("heading", { name: "Your recovery codes" }).waitFor();
      expect(await bo.locator("[data-recovery-codes] li").count()).toBe(10);
    } finally {
      await other.close();
    }
  });

  it("removes the passkey; it then signs no one in", async () => {
    await page.goto(`${embargo.url}/account/passkeys`);
    await page.getByRole("button", { name: "Remove Work laptop" }).click();
    await expectHeading(page, "Passkeys");
    expect(await textOf(page.locator("main"))).toContain("No passkeys yet.");
    await signOut();
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.getByText("That passkey is not registered here").waitFor();
    await expectHeading(page, "Sign in");
    // The refusal itself, and nothing else.
    expect(errors).toEqual(["401 /login/passkey"]);
  });
});
