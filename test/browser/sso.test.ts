import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addStaffInBrowser,
  closeAll,
  DESKTOP,
  type Embargo,
  expectHeading,
  HAS_CHROMIUM,
  launchBrowser,
  newContext,
  signInWithSsoInBrowser,
  startEmbargo,
} from "../support/browser.js";
import { startIdentityProvider, type TestIdentityProvider } from "../support/oidc-provider.js";

/**
 * Issue 16's "done when" for single sign-on: Chromium signs in through a real OpenID provider
 * (oidc-provider, in this process) as a new member, made from the provider's group, and as an
 * existing member, found by email. `embargo serve` runs with the provider's settings.
 */
describe.skipIf(!HAS_CHROMIUM)("single sign-on in a real browser", () => {
  let browser: Browser;
  let embargo: Embargo;
  let idp: TestIdentityProvider;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // On another site than Embargo (localhost, not 127.0.0.1): the way back is cross-site, as in real life.
    idp = await startIdentityProvider({
      host: "localhost",
      accounts: {
        alice: { email: "alice@example.org", emailVerified: true, groups: ["security-team"] },
        lead: { email: "lead@example.org", emailVerified: true, groups: [] },
      },
    });
    [browser, embargo] = await Promise.all([launchBrowser(), startEmbargo(idp.env("corp"))]);
    // Embargo's address is known now: the provider lets it come back there.
    idp.allowRedirects([`${embargo.url}/login/oidc/corp/callback`]);
  });
  afterAll(async () => {
    await closeAll(...contexts);
    await browser?.close();
    await embargo?.stop();
    await idp?.close();
  });

  const page = async () => {
    const context = await newContext(browser, { viewport: DESKTOP });
    contexts.push(context);
    return context.newPage();
  };

  it("signs a new member in through the provider's pages, with the role their group gives", async () => {
    const alice = await page();
    await signInWithSsoInBrowser(alice, embargo, { provider: "Corp SSO", login: "alice" });
    const account = await alice.request.get(`${embargo.url}/api/v1/me`);
    expect(await account.json()).toMatchObject({
      email: "alice@example.org",
      roles: [{ program: "kitsu", role: "responder" }],
    });
  });

  it("signs an existing member in by their email, with the roles they had", async () => {
    const setup = await page();
    await addStaffInBrowser(embargo, setup, { email: "lead@example.org", role: "admin", program: "kafe" });
    const lead = await page();
    await signInWithSsoInBrowser(lead, embargo, { provider: "Corp SSO", login: "lead" });
    const account = await lead.request.get(`${embargo.url}/api/v1/me`);
    expect(await account.json()).toMatchObject({
      email: "lead@example.org",
      roles: [{ program: "kafe", role: "admin" }],
    });
    // The sign-in page the member came from offers the button, beside the password form.
    const signedOut = await page();
    await signedOut.goto(`${embargo.url}/login`);
    await expectHeading(signedOut, "Sign in");
    const sso = signedOut.getByRole("region", { name: "Or use single sign-on" });
    expect(await sso.getByRole("link").allTextContents()).toEqual(["Sign in with Corp SSO"]);
  });
});
