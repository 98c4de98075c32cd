import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addStaffInBrowser,
  type BrowserStaff,
  closeAll,
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
  submitReportByApi,
} from "../support/browser.js";
import { auditPages } from "../support/page-audit.js";

/**
 * Issue 15's smaller items, in a real browser at 375 px: /admin/deliveries keeps its Retry buttons
 * on the screen, the two-factor sign-in page has one primary button, password inputs look like
 * text inputs, the dashboard's charts have visible titles; every page axe-clean.
 */

describe.skipIf(!HAS_CHROMIUM)("administration and sign-in pages at 375 px", () => {
  let browser: Browser;
  let embargo: Embargo;
  let context: BrowserContext;
  let page: Page;
  let admin: BrowserStaff;

  beforeAll(async () => {
    // No mail relay: the notification of a new report waits in the outbox, failing.
    [browser, embargo] = await Promise.all([launchBrowser(), startEmbargo()]);
    context = await newContext(browser, { viewport: PHONE });
    page = await context.newPage();
    admin = await addStaffInBrowser(embargo, page, { email: "lead@kafe.example", role: "admin" });
    await submitReportByApi(embargo, "kafe", {
      title: "Stored XSS in the changelog",
      fields: { "location-impact": "The changelog page.", steps: "Open it." },
      contact: { email: "reporter@example.org" },
    });
    await signInInBrowser(page, embargo, admin);
  }, 120_000);
  afterAll(async () => {
    await closeAll(context);
    await browser?.close();
    await embargo?.stop();
  });

  /** /admin/deliveries once the worker has tried (and failed) to send the new report's notices. */
  async function deliveriesPage(): Promise<void> {
    for (let tries = 0; tries < 40; tries++) {
      await page.goto(`${embargo.url}/admin/deliveries`);
      if ((await page.getByRole("button", { name: /^Retry now/ }).count()) > 0) return;
      await page.waitForTimeout(500);
    }
    throw new Error("no failing delivery on /admin/deliveries after 20 s");
  }

  it("shows each failing delivery's Retry button inside the screen, without sideways scrolling", async () => {
    await deliveriesPage();
    await expectHeading(page, "Notification deliveries");
    await saveScreenshot(page, "admin-deliveries-375");
    expect(await scrollWidth(page)).toBe(PHONE.width);
    const buttons = await page.getByRole("button", { name: "Retry now" }).all();
    expect(buttons.length).toBeGreaterThan(0);
    for (const button of buttons) {
      await expect(button.isVisible()).resolves.toBe(true);
      const box = await button.boundingBox();
      expect(box).not.toBeNull();
      if (box === null) continue;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      // Every button reads "Retry now": its description says which delivery.
      expect(await button.evaluate((b) => b.getAttribute("aria-describedby"))).toMatch(/^delivery-/);
    }
    // The same list on a wide screen, for the artifacts.
    await page.setViewportSize({ width: 1280, height: 800 });
    await saveScreenshot(page, "admin-deliveries-1280");
    expect(await scrollWidth(page)).toBe(1280);
    await page.setViewportSize(PHONE);
  });

  it("gives each dashboard chart a visible title that also names its picture", async () => {
    await page.goto(`${embargo.url}/dashboard`);
    await expectHeading(page, "Metrics");
    await saveScreenshot(page, "dashboard-375");
    expect(await scrollWidth(page)).toBe(PHONE.width);
    for (const title of [
      "Median time to acknowledge and to fix",
      "Share of clocks kept",
      "Open cases by severity",
      "Open cases now, by severity",
    ]) {
      const caption = page.locator("figcaption", { hasText: title }).first();
      await expect(caption.isVisible(), title).resolves.toBe(true);
      await expect(page.getByRole("img", { name: title, exact: true }).first().isVisible()).resolves.toBe(
        true,
      );
    }
  });

  it("offers one primary button on the two-factor sign-in page, and styles password inputs as text inputs", async () => {
    const other = await newContext(browser, { viewport: PHONE });
    try {
      const signIn = await other.newPage();
      await signIn.goto(`${embargo.url}/login`);
      const password = await boxStyle(signIn.getByLabel("Password", { exact: true }));
      const email = await boxStyle(signIn.getByLabel("Email"));
      await saveScreenshot(signIn, "login-375");
      await signIn.getByLabel("Email").fill(admin.email);
      await signIn.getByLabel("Password", { exact: true }).fill(admin.password);
      await signIn.getByRole("button", { name: "Sign in", exact: true }).click();
      await expectHeading(signIn, "Enter your code");
      await saveScreenshot(signIn, "login-totp-375");
      const text = await boxStyle(signIn.getByLabel(/^Code from your authenticator app/));
      // The browser's own password box (2px inset, 1px padding) was what it looked like before.
      expect(password).toEqual(text);
      expect(password).toEqual(email);
      expect(password.borderTopStyle).toBe("solid");

      const buttons = signIn.locator("main button");
      expect(await buttons.count()).toBe(2);
      const filled = await buttons.evaluateAll((all) =>
        all.map((b) => getComputedStyle(b).backgroundColor !== "rgba(0, 0, 0, 0)"),
      );
      expect(filled).toEqual([true, false]);
      await expect(signIn.getByRole("button", { name: "Continue" }).isVisible()).resolves.toBe(true);
      await expect(signIn.getByRole("button", { name: "Cancel and sign out" }).isVisible()).resolves.toBe(
        true,
      );
    } finally {
      await closeAll(other);
    }
  });

  it("shows the sign-in pages at 375 and 1280 px, light and dark, without sideways scrolling or serious axe-core violations", async () => {
    // The two-factor page needs a password first, in a context of its own with no session yet.
    const halfwaySignIn = async (signIn: Page) => {
      await signIn.context().clearCookies();
      await signIn.goto(`${embargo.url}/login`);
      await signIn.getByLabel("Email").fill(admin.email);
      await signIn.getByLabel("Password", { exact: true }).fill(admin.password);
      await signIn.getByRole("button", { name: "Sign in", exact: true }).click();
      await expectHeading(signIn, "Enter your code");
    };
    const audit = await auditPages(browser, {
      pages: { login: `${embargo.url}/login`, loginTotp: halfwaySignIn },
    });
    expect(audit.overflow).toEqual([]);
    expect(audit.blocking, audit.blocking.join("\n\n")).toEqual([]);
    expect(audit.screenshots).toContain("pages/loginTotp-375-dark.png");
  }, 180_000);
});

/** What makes an input look like the others: its border and padding, as the browser computes them. */
async function boxStyle(locator: Locator) {
  return locator.evaluate((input) => {
    const style = getComputedStyle(input);
    return {
      borderTopStyle: style.borderTopStyle,
      borderTopWidth: style.borderTopWidth,
      borderTopColor: style.borderTopColor,
      borderRadius: style.borderTopLeftRadius,
      paddingTop: style.paddingTop,
      paddingLeft: style.paddingLeft,
      width: style.width,
    };
  });
}
