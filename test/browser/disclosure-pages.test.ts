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
  PHONE,
  saveScreenshot,
  scrollWidth,
  signInInBrowser,
  startEmbargo,
  textOf,
} from "../support/browser.js";
import {
  ADVISORY_TITLE,
  advisoryPublishedTwice,
  approvedBounty,
  creditedKafeReporters,
  HOSTILE_NAME,
  REWARDED_TITLE,
  staffApi,
} from "../support/browser-disclosures.js";
import { auditPages } from "../support/page-audit.js";

/**
 * Issue 13's pages in a real browser: the hall of fame, the public advisories (index, page and
 * its documents), the reporter's approved reward, and the team's advisory and reward views; each
 * axe-clean and without sideways scrolling at 375 px (the public ones at 1280 px too). The data
 * comes through the doors people use (test/support/browser-disclosures.ts): the intake API, and
 * the staff JSON API with two signed-in members' browser sessions (approvals need a second member).
 */
const VIEWPORTS = [
  ["375", PHONE],
  ["1280", DESKTOP],
] as const;

/**
 * The cells under `selector` that break a word across lines: more lines than words (white space
 * and hyphens separate words). A string for page.evaluate: the tests compile without DOM types.
 */
const cellsBrokenMidWord = (selector: string) => `
  [...document.querySelectorAll(${JSON.stringify(selector)})].flatMap((cell) => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let lines = 0;
    for (let text = walker.nextNode(); text !== null; text = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(text);
      lines += range.getClientRects().length;
    }
    const words = cell.textContent.split(/[\\s-]+/).filter((word) => word !== "").length;
    return lines > words ? [cell.textContent + " (" + lines + " lines)"] : [];
  })`;

describe.skipIf(!HAS_CHROMIUM)("disclosure pages in a real browser: credit, advisories, rewards", () => {
  let browser: Browser;
  let embargo: Embargo;
  /** The admin (every program), and a second Rocket.Chat member who approves. */
  let lead: BrowserContext;
  let reviewer: BrowserContext;
  let page: Page;
  const urls = {
    hallOfFame: "",
    advisories: "",
    advisory: "",
    reporter: "",
    staffAdvisory: "",
    staffReward: "",
  };

  beforeAll(async () => {
    [browser, embargo] = await Promise.all([launchBrowser(), startEmbargo()]);
    lead = await newContext(browser, { viewport: PHONE });
    reviewer = await newContext(browser, { viewport: PHONE });
    page = await lead.newPage();
    const reviewerPage = await reviewer.newPage();
    const admin = await addStaffInBrowser(embargo, page, { email: "lead@kafe.example", role: "admin" });
    const approver = await addStaffInBrowser(embargo, reviewerPage, {
      email: "reviewer@rocket.example",
      role: "responder",
      program: "rocketchat",
    });
    await signInInBrowser(page, embargo, admin);
    await signInInBrowser(reviewerPage, embargo, approver);
    await reviewerPage.close();
    const [asLead, asReviewer] = [staffApi(embargo, lead), staffApi(embargo, reviewer)];

    urls.hallOfFame = await creditedKafeReporters(embargo, asLead);
    const bounty = await approvedBounty(embargo, { proposer: asLead, approver: asReviewer });
    urls.reporter = bounty.reporter;
    urls.staffReward = bounty.staffCase;
    const advisory = await advisoryPublishedTwice(embargo, { author: asLead, reviewer: asReviewer });
    urls.advisories = `${embargo.url}/p/rocketchat/advisories`;
    urls.advisory = advisory.page;
    urls.staffAdvisory = advisory.staffPage;
  }, 180_000);
  afterAll(async () => {
    await closeAll(lead, reviewer);
    await browser?.close();
    await embargo?.stop();
  });

  /** Fails on a page that scrolls sideways at its viewport's width. */
  async function expectNoOverflow(name: string, width: number) {
    expect({ [name]: await scrollWidth(page) }).toEqual({ [name]: width });
  }

  it("lists a credited reporter with their link and shows a hostile name as text, at 1280 and 375 px", async () => {
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    for (const [size, viewport] of VIEWPORTS) {
      await page.setViewportSize(viewport);
      await page.goto(urls.hallOfFame);
      await expectHeading(page, "Kafe security hall of fame");
      const entries = page.locator("ol.hall-of-fame > li");
      expect(await entries.count()).toBe(2);
      const ada = entries.filter({ hasText: "Ada Lovelace" });
      const link = ada.getByRole("link", { name: "Ada Lovelace", exact: true });
      expect(await link.getAttribute("href")).toBe("https://ada.example/");
      expect(await link.getAttribute("rel")).toBe("nofollow ugc noopener");
      expect(await textOf(ada)).toMatch(/^Ada Lovelace · \w+ \d{4} · CVE-2026-41234$/);
      // The hostile name is text: no image element, no script ran.
      const hostile = entries.filter({ hasText: HOSTILE_NAME });
      expect(await textOf(hostile.locator("strong"))).toBe(HOSTILE_NAME);
      expect(await page.locator("main img").count()).toBe(0);
      await expectNoOverflow(`hallOfFame-${size}`, viewport.width);
      await saveScreenshot(page, `hall-of-fame-${size}`);
    }
    expect(dialogs).toEqual([]);
  });

  it("shows the advisory index and a published advisory with CVSS, products, credits and two revisions, at 1280 and 375 px", async () => {
    for (const [size, viewport] of VIEWPORTS) {
      await page.setViewportSize(viewport);
      await page.goto(urls.advisories);
      await expectHeading(page, "Rocket.Chat security fixes");
      const listed = page.getByRole("link", { name: ADVISORY_TITLE });
      expect(await listed.getAttribute("href")).toBe(new URL(urls.advisory).pathname);
      expect(await textOf(page.locator("main li"))).toContain("EMBARGO-ROCKETCHAT-");
      await expectNoOverflow(`advisories-${size}`, viewport.width);
      await saveScreenshot(page, `advisories-${size}`);

      await listed.click();
      await expectHeading(page, ADVISORY_TITLE);
      expect(page.url()).toBe(urls.advisory);
      const fact = (term: string) => textOf(page.locator(`dl.facts dt:text-is("${term}") + dd`));
      expect(await fact("CVE")).toBe("CVE-2026-40002");
      expect(await fact("Severity")).toMatch(/^high \(CVSS 4\.0 \d\.\d, CVSS 3\.1 9\.3\)$/);
      expect(await fact("Weakness")).toBe("CWE-284");
      const rows = page.getByRole("region", { name: "Affected products" }).locator("tbody tr");
      expect(await rows.count()).toBe(3);
      expect(await rows.nth(1).locator("th, td").allTextContents()).toEqual([
        "Rocket.Chat (open-source and closed-source code)",
        ">=6.13.0 <6.13.3",
        "affected",
        "6.13.3",
      ]);
      // Narrow cells wrap between words, never inside one ("affecte|d"): the table scrolls instead.
      expect(await page.evaluate<string[]>(cellsBrokenMidWord(".table-scroll th, .table-scroll td"))).toEqual(
        [],
      );
      const credits = page.locator("h2:text-is('Credits') + ul > li");
      expect(await credits.count()).toBe(2);
      expect(await credits.getByRole("link", { name: "Ada Lovelace" }).getAttribute("href")).toBe(
        "https://ada.example/",
      );
      expect(await textOf(credits.nth(1))).toBe(`${HOSTILE_NAME} (remediation reviewer)`);
      expect(await page.locator("main img").count()).toBe(0);
      const revisions = page.locator("h2:text-is('Revision history') + ol > li");
      expect(await revisions.count()).toBe(2);
      expect(await textOf(revisions.nth(0))).toMatch(/^Revision 1, \d{4}-\d\d-\d\d: Initial publication\.$/);
      expect(await textOf(revisions.nth(1))).toMatch(
        /^Revision 2, \d{4}-\d\d-\d\d: The 6\.13 line is affected too; 6\.13\.3 fixes it\.$/,
      );
      await expectNoOverflow(`advisory-${size}`, viewport.width);
      await saveScreenshot(page, `advisory-${size}`);
    }
  });

  it("links the advisory's JSON, OSV and CSAF documents from its page, and each answers", async () => {
    await page.goto(urls.advisory);
    const trackingId = new URL(urls.advisory).pathname.split("/").at(-1) ?? "";
    const found: Record<string, string> = {};
    for (const label of ["Advisory record (JSON)", "OSV", "CSAF 2.0"]) {
      const href = await page.getByRole("link", { name: label, exact: true }).getAttribute("href");
      found[label] = href ?? "";
    }
    expect(found).toEqual({
      "Advisory record (JSON)": `/p/rocketchat/advisories/${trackingId}.json`,
      OSV: `/p/rocketchat/advisories/${trackingId}.osv.json`,
      "CSAF 2.0": `/p/rocketchat/advisories/${trackingId}.csaf.json`,
    });
    const documents: Record<string, unknown>[] = [];
    for (const href of Object.values(found)) {
      const response = await page.request.get(new URL(href, urls.advisory).toString());
      expect(response.status(), href).toBe(200);
      expect(response.headers()["content-type"], href).toMatch(/^application\/json/);
      documents.push((await response.json()) as Record<string, unknown>);
    }
    // Every other machine-readable link the page offers answers too.
    const offered = await page.locator("p.meta", { hasText: "Machine-readable" }).locator("a").all();
    for (const link of offered) {
      const href = (await link.getAttribute("href")) ?? "";
      const response = await page.request.get(new URL(href, urls.advisory).toString());
      expect(response.status(), href).toBe(200);
    }
    expect(offered.length).toBeGreaterThanOrEqual(3);
    const [record, osv, csaf] = documents;
    expect(record).toMatchObject({
      trackingId,
      title: ADVISORY_TITLE,
      revisions: [{ number: 1 }, { number: 2 }],
    });
    // OSV's id is the CVE id (Embargo's tracking ids have no OSV prefix); the tracking id rides along.
    expect(osv).toMatchObject({
      id: "CVE-2026-40002",
      database_specific: { embargo: { tracking_id: trackingId } },
    });
    expect(csaf).toMatchObject({
      document: { category: "csaf_security_advisory", tracking: { id: trackingId, version: "2" } },
    });
  });

  it("shows the reporter their approved bounty with the decline button, and the team's advisory and reward views, at 375 px", async () => {
    await page.setViewportSize(PHONE);
    // The reporter's private page, in a context of its own (no staff session).
    const reporter = await newContext(browser, { viewport: PHONE });
    try {
      const reporterPage = await reporter.newPage();
      await reporterPage.goto(urls.reporter);
      await expectHeading(reporterPage, REWARDED_TITLE);
      const reward = reporterPage.getByRole("region", { name: "Your reward" });
      expect(await textOf(reward)).toContain("A bounty of 1,500.50 USD");
      expect(await textOf(reward)).toContain("The team approved this reward for your report.");
      expect(await reward.getByRole("button", { name: "Decline the reward" }).isVisible()).toBe(true);
      expect(await scrollWidth(reporterPage)).toBe(PHONE.width);
      await saveScreenshot(reporterPage, "reporter-reward-375");
    } finally {
      await closeAll(reporter);
    }

    await page.goto(urls.staffAdvisory);
    await expectHeading(page, ADVISORY_TITLE);
    expect(await textOf(page.locator("main"))).toContain("Revision 2");
    await expectNoOverflow("staffAdvisory", PHONE.width);
    await saveScreenshot(page, "staff-advisory-375");

    await page.goto(urls.staffReward);
    await expectHeading(page, REWARDED_TITLE);
    const panel = page.getByRole("region", { name: "Reward" });
    expect(await textOf(panel)).toContain("Bounty: 1,500.50 USD");
    expect(await textOf(panel.locator("dt:text-is('Status') + dd"))).toMatch(/approved/i);
    expect(await panel.getByRole("button", { name: "Record as paid" }).isVisible()).toBe(true);
    await expectNoOverflow("staffReward", PHONE.width);
    await saveScreenshot(page, "staff-reward-375");
  });

  it("shows these pages at 375 and 1280 px, light and dark, without sideways scrolling or serious axe-core violations", async () => {
    const audit = await auditPages(browser, { pages: urls, storageState: await lead.storageState() });
    expect(audit.overflow).toEqual([]);
    expect(audit.blocking, audit.blocking.join("\n\n")).toEqual([]);
    expect(audit.screenshots).toHaveLength(Object.keys(urls).length * 4);
  }, 180_000);
});
