import type { Browser, BrowserContext, Page } from "playwright-core";
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
  saveScreenshot,
  signInInBrowser,
  startEmbargo,
  submitReportByApi,
  textOf,
} from "../support/browser.js";
import { auditPages } from "../support/page-audit.js";

/**
 * Issue 15's keyboard use, in a real browser under the real CSP (/assets/keys.js): `j`/`k` move
 * focus through the inbox, Enter opens the case, `r` goes to the reply box (where keys are just
 * typed), `a` acknowledges through the page's own form, `?` opens the list of shortcuts.
 */
const TITLES = ["Open redirect after sign-in", "Session cookie without the Secure flag"];

describe.skipIf(!HAS_CHROMIUM)("keyboard shortcuts in a real browser", () => {
  let browser: Browser;
  let embargo: Embargo;
  let staff: BrowserContext;
  let page: Page;
  /** The last case reported (the one acknowledged with `a`). */
  let caseUrl = "";

  beforeAll(async () => {
    [browser, embargo] = await Promise.all([launchBrowser(), startEmbargo()]);
    staff = await newContext(browser, { viewport: DESKTOP });
    page = await staff.newPage();
    const member = await addStaffInBrowser(embargo, page, { email: "lead@kafe.example", role: "admin" });
    for (const title of TITLES) {
      const created = await submitReportByApi(embargo, "kafe", {
        title,
        asset: "kafe-source",
        fields: { "location-impact": "Seen on the staging site.", steps: "1. Open it.\n2. See it." },
      });
      caseUrl = `${embargo.url}/cases/${created.id}`;
    }
    await signInInBrowser(page, embargo, member);
  }, 120_000);
  afterAll(async () => {
    await closeAll(staff);
    await browser?.close();
    await embargo?.stop();
  });

  /** The title of the inbox case whose link has focus, or "" when none has. */
  const focusedCase = () => textOf(page.locator("table.inbox tbody a:focus"), 2000).catch(() => "");

  it("moves focus through the inbox with j and k, shows it, and opens the chosen case with Enter", async () => {
    await page.goto(`${embargo.url}/inbox`);
    const rows = await page.locator("table.inbox tbody th[scope=row] a").allTextContents();
    expect([...rows].sort()).toEqual([...TITLES].sort());
    const [first = "", second = ""] = rows;

    await page.keyboard.press("j");
    expect(await focusedCase()).toBe(first);
    await page.keyboard.press("j");
    expect(await focusedCase()).toBe(second);
    await page.keyboard.press("j"); // the last case stays chosen
    expect(await focusedCase()).toBe(second);
    await page.keyboard.press("k");
    expect(await focusedCase()).toBe(first);
    // The focus can be seen: an outline on the link, and the row is marked.
    const link = page.locator("table.inbox tbody a:focus");
    expect(await link.evaluate((a) => getComputedStyle(a).outlineStyle)).toBe("solid");
    expect(await link.locator("xpath=ancestor::tr").getAttribute("class")).toContain("key-chosen");
    await saveScreenshot(page, "keyboard-inbox-chosen");

    await page.keyboard.press("Enter");
    await expectHeading(page, first);
    expect(new URL(page.url()).pathname).toMatch(/^\/cases\//);
  });

  it("types keys in the reply box after r, and acknowledges with a through the page's form", async () => {
    await page.goto(caseUrl);
    await expectHeading(page, TITLES[1]!);
    const acknowledge = page.getByRole("button", { name: "Acknowledge receipt" });
    expect(await acknowledge.getAttribute("aria-keyshortcuts")).toBe("a");
    const reply = page.getByLabel("Message (the reporter sees it)");

    await page.keyboard.press("r");
    await expect.poll(() => reply.evaluate((box) => box === document.activeElement)).toBe(true);
    expect(await reply.inputValue()).toBe(""); // `r` itself is not typed
    // In the box, shortcuts are letters: j, a, k and ? are typed, nothing moves, nothing is sent.
    await page.keyboard.type("jak?");
    expect(await reply.inputValue()).toBe("jak?");
    expect(await reply.evaluate((box) => box === document.activeElement)).toBe(true);
    expect(await acknowledge.isVisible()).toBe(true);

    // Out of the box, `a` posts the acknowledge form (with its CSRF token): the case says so.
    await page.locator("h1").click();
    await page.keyboard.press("a");
    await expect
      .poll(() => textOf(page.getByRole("status")), { timeout: 10_000 })
      .toBe("The case is acknowledged. The reporter sees it on their case page.");
    expect(await textOf(page.locator(".case-status"))).toMatch(/Acknowledged \d{4}-\d{2}-\d{2} /);
    expect(await acknowledge.count()).toBe(0);
  });

  it("opens the list of shortcuts with ?, a page without serious axe-core violations", async () => {
    await page.keyboard.press("?");
    await expectHeading(page, "Keyboard shortcuts");
    expect(new URL(page.url()).pathname).toBe("/help/keys");
    const keys = await page.locator("table.shortcuts tbody th").allTextContents();
    expect(keys).toEqual(["j", "k", "Enter or o", "a", "r", "?"]);
    // Reachable without the key too: every staff page links to it.
    await page.goto(`${embargo.url}/inbox`);
    await page.getByRole("link", { name: "Keyboard shortcuts" }).click();
    await expectHeading(page, "Keyboard shortcuts");

    const audit = await auditPages(browser, {
      pages: { keyboardHelp: `${embargo.url}/help/keys` },
      storageState: await staff.storageState(),
    });
    expect(audit.overflow).toEqual([]);
    expect(audit.blocking, audit.blocking.join("\n\n")).toEqual([]);
  }, 120_000);
});
