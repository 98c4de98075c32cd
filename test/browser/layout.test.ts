import type { Result } from "axe-core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addStaffInBrowser,
  blockingViolations,
  closeAll,
  DESKTOP,
  describeViolations,
  type Embargo,
  expectHeading,
  HAS_CHROMIUM,
  launchBrowser,
  newContext,
  PHONE,
  runAxe,
  saveScreenshot,
  scrollWidth,
  signInInBrowser,
  startEmbargo,
  submitReportByApi,
  unfold,
} from "../support/browser.js";

/** A case page with every panel and calculator opened, so that the checks see what they hold. */
async function unfoldCasePanels(page: Page): Promise<void> {
  if (new URL(page.url()).pathname.startsWith("/cases/"))
    await page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })");
}

/** Long unbroken text, as reports have (URLs, payloads, hashes): it must wrap, not widen the page. */
const LONG_URL = `https://kafe.example/search?q=${"%3Cscript%3Ealert(document.domain)%3C%2Fscript%3E".repeat(4)}`;

describe.skipIf(!HAS_CHROMIUM)("page layout and accessibility in a real browser", () => {
  let browser: Browser;
  let embargo: Embargo;
  /** A signed-in responder, on a phone-sized screen. */
  let staff: BrowserContext;
  let page: Page;
  /** The pages to check: the inbox, a worked case and its reporter's private page. */
  const urls = {
    inbox: "",
    case: "",
    reporter: "",
    reportForm: "",
    announcements: "",
    problems: "",
    problem: "",
    registerCase: "",
    kitsuCase: "",
    privacytoolsCase: "",
    newIncident: "",
    policies: "",
    hallOfFame: "",
    advisoryDraft: "",
    advisories: "",
    advisory: "",
  };

  beforeAll(async () => {
    [browser, embargo] = await Promise.all([launchBrowser(), startEmbargo()]);
    staff = await newContext(browser, { viewport: PHONE });
    page = await staff.newPage();
    const member = await addStaffInBrowser(embargo, page, { email: "lead@kafe.example", role: "admin" });
    const title = "Stored XSS through a crafted changelog entry in the release notes renderer";
    const [created] = await Promise.all([
      submitReportByApi(embargo, "kafe", {
        title,
        asset: "kafe-source",
        fields: {
          "location-impact": `Reflected and stored: ${LONG_URL}\nAny visitor of the release notes runs the script.`,
          steps: `1. curl -s '${LONG_URL}'\n2. Open the release notes.\n${"A".repeat(300)}`,
        },
        credit: { mode: "handle", name: "an-unusually-long-handle-without-any-spaces-at-all-0123456789" },
        contact: { email: "reporter@example.org" },
        attachments: [
          {
            filename: `proof-of-concept-${"x".repeat(80)}.html`,
            contentType: "text/html",
            dataBase64: Buffer.from("<script>alert(1)</script>").toString("base64"),
          },
        ],
      }),
      submitReportByApi(embargo, "kafe", {
        title: "Second report, still new",
        fields: { "location-impact": "Somewhere.", steps: "Some steps." },
      }),
    ]);
    urls.reporter = created.reporterUrl;
    urls.reportForm = `${embargo.url}/p/kafe/report`;
    urls.announcements = `${embargo.url}/p/kitsu/announcements`;
    await signInInBrowser(page, embargo, member);
    urls.inbox = page.url();

    // Work the case a little so its page shows what a real one does: timeline, triage, a note.
    urls.case = `${embargo.url}/cases/${created.id}`;
    await page.goto(urls.case);
    await page.getByRole("button", { name: "Acknowledge receipt" }).click();
    await expectHeading(page, title);
    await unfold(page, "Edit triage");
    await page
      .getByLabel(/^Paste a CVSS vector/)
      .fill("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N/E:P/RL:O/RC:C/CR:H/MAV:N");
    await page.getByLabel("Tags").fill("xss, release-notes, needs-cve");
    await page.getByRole("button", { name: "Save triage" }).click();
    await expectHeading(page, title);
    await page.getByLabel("Message (the reporter sees it)").fill(`Thanks, reproduced with ${LONG_URL}`);
    await page.getByRole("button", { name: "Send reply" }).click();
    await expectHeading(page, title);
    await page.getByLabel("Note (only the team sees it)").fill("Internal: the renderer's sanitiser is off.");
    await page.getByRole("button", { name: "Add internal note" }).click();
    await expectHeading(page, title);

    // Problem management (Rocket.Chat's policy has it): a problem opened from a case.
    const recurring = await submitReportByApi(embargo, "rocketchat", {
      title: "Messages of a left room keep arriving",
      fields: { description: `Seen again after ${LONG_URL}` },
    });
    await page.goto(`${embargo.url}/cases/${recurring.id}`);
    await unfold(page, "Problem management");
    await page.getByLabel("Problem title").fill("Room subscriptions survive a reconnect");
    await page
      .getByLabel(/^Problem root cause/)
      .fill(`The resume path skips the membership check: ${LONG_URL}`);
    await page.getByRole("button", { name: "Open problem" }).click();
    await expectHeading(page, "Messages of a left room keep arriving");
    urls.problems = `${embargo.url}/problems/rocketchat`;
    urls.problem = `${embargo.url}/problems/rocketchat/1`;
    await page.goto(urls.problem);
    await expectHeading(page, "P-1: Room subscriptions survive a reconnect");
    // The register's panels on the same case: due date, classification, the resolution checklist.
    urls.registerCase = `${embargo.url}/cases/${recurring.id}`;
    // A reward on the same case (Rocket.Chat: bounty-or-gift), proposed and waiting for a second member.
    await page.goto(urls.registerCase);
    await unfold(page, "Reward");
    await page.getByLabel(/^Amount/).fill("1500.50");
    await page.getByLabel(/^Currency/).fill("USD");
    await page.getByRole("button", { name: "Propose", exact: true }).click();
    await expectHeading(page, "Messages of a left room keep arriving");

    // Kitsu's incident phases as work: the assessment's questions, the postmortem panel.
    const kitsu = await submitReportByApi(embargo, "kitsu", {
      title: "Session tokens leak through the referrer",
      fields: { description: `Open ${LONG_URL} from a profile page.` },
    });
    urls.kitsuCase = `${embargo.url}/cases/${kitsu.id}`;
    await page.goto(urls.kitsuCase);
    await page.getByRole("button", { name: "Start Assessment" }).click();
    await expectHeading(page, "Session tokens leak through the referrer");

    // privacytools: the coordinator's duties and the task to tell affected users.
    const privacytools = await submitReportByApi(embargo, "privacytools", {
      title: "The search page logs queries",
      fields: { description: "Queries end up in the access log." },
    });
    urls.privacytoolsCase = `${embargo.url}/cases/${privacytools.id}`;
    urls.newIncident = `${embargo.url}/programs/rocketchat/incidents/new`;
    urls.policies = `${embargo.url}/admin/policies`;
    urls.hallOfFame = `${embargo.url}/p/kafe/hall-of-fame`;

    // An advisory (issue 13), standalone so no disclosure date holds it: drafted, approved by a
    // second member of Rocket.Chat's team in their own browser, published.
    await page.goto(`${embargo.url}/advisories/rocketchat`);
    await page.getByRole("button", { name: "New standalone advisory" }).click();
    await page.getByLabel("Title", { exact: true }).fill("Room subscriptions survive a reconnect");
    await page.getByLabel("Summary (one paragraph, plain text)").fill(`Seen again after ${LONG_URL}`);
    await page.getByLabel("Description (Markdown)").fill(`Update to **7.0.4**. Details: ${LONG_URL}`);
    await page.getByLabel("Affected products").fill("rocketchat-product | >=7.0.0 <7.0.4 | affected | 7.0.4");
    await page.getByRole("button", { name: "Save the draft" }).click();
    await expectHeading(page, "Room subscriptions survive a reconnect");
    urls.advisoryDraft = page.url().replace(/\?.*$/, "");
    const reviewerContext = await newContext(browser, { viewport: PHONE });
    try {
      const reviewerPage = await reviewerContext.newPage();
      const reviewer = await addStaffInBrowser(embargo, reviewerPage, {
        email: "reviewer@rocket.example",
        role: "responder",
        program: "rocketchat",
      });
      await signInInBrowser(reviewerPage, embargo, reviewer);
      await reviewerPage.goto(urls.advisoryDraft);
      await reviewerPage.getByRole("button", { name: /^Approve version/ }).click();
      await expectHeading(reviewerPage, "Room subscriptions survive a reconnect");
    } finally {
      await closeAll(reviewerContext);
    }
    await page.goto(urls.advisoryDraft);
    await page.getByRole("button", { name: /^Publish as revision/ }).click();
    await expectHeading(page, "Room subscriptions survive a reconnect");
    const tracking = await page
      .locator('a[href^="/p/rocketchat/advisories/EMBARGO-"]')
      .first()
      .getAttribute("href");
    urls.advisories = `${embargo.url}/p/rocketchat/advisories`;
    urls.advisory = `${embargo.url}${tracking ?? "/missing"}`;
  });
  afterAll(async () => {
    await closeAll(staff);
    await browser?.close();
    await embargo?.stop();
  });

  it("does not scroll sideways at 375 px: inbox, case page, reporter's pages", async () => {
    await page.setViewportSize(PHONE);
    const widths: Record<string, number> = {};
    for (const [name, url] of Object.entries(urls)) {
      await page.goto(url);
      await unfoldCasePanels(page);
      widths[name] = await scrollWidth(page);
    }
    expect(widths).toEqual({
      inbox: 375,
      case: 375,
      reporter: 375,
      reportForm: 375,
      announcements: 375,
      problems: 375,
      problem: 375,
      registerCase: 375,
      kitsuCase: 375,
      privacytoolsCase: 375,
      newIncident: 375,
      policies: 375,
      hallOfFame: 375,
      advisoryDraft: 375,
      advisories: 375,
      advisory: 375,
    });
  });

  it("has no serious or critical axe-core violations, in light and dark colours", async () => {
    // axe-core is injected with a script tag, which the pages' CSP (script-src 'self') blocks.
    // Only this context bypasses the CSP, and only to run axe; every other test sees the real one.
    const cookies = await staff.storageState();
    const found: string[] = [];
    const minor: Result[] = [];
    for (const colorScheme of ["light", "dark"] as const) {
      const audit = await newContext(browser, {
        bypassCSP: true,
        viewport: PHONE,
        colorScheme,
        storageState: cookies,
      });
      try {
        const auditPage = await audit.newPage();
        for (const [name, url] of Object.entries(urls)) {
          await auditPage.goto(url);
          await unfoldCasePanels(auditPage);
          const results = await runAxe(auditPage);
          const blocking = blockingViolations(results);
          if (blocking.length > 0) found.push(`${name} (${colorScheme}):\n${describeViolations(blocking)}`);
          minor.push(...results.violations.filter((v) => !blocking.includes(v)));
        }
      } finally {
        await closeAll(audit);
      }
    }
    if (minor.length > 0)
      console.info(`axe-core, moderate and minor (not failing):\n${describeViolations(minor)}`);
    expect(found, found.join("\n\n")).toEqual([]);
    // Two colour schemes of every page: over a minute on a loaded two-core machine.
  }, 180_000);

  it("saves full-page screenshots of the inbox and the case page at 375 and 1280 px", async () => {
    const saved: string[] = [];
    for (const [size, viewport] of [
      ["375", PHONE],
      ["1280", DESKTOP],
    ] as const) {
      await page.setViewportSize(viewport);
      for (const name of ["inbox", "case", "reporter"] as const) {
        await page.goto(urls[name]);
        saved.push(await saveScreenshot(page, `${name}-${size}`));
      }
    }
    expect(saved.map((file) => file.split("/").at(-1))).toEqual([
      "inbox-375.png",
      "case-375.png",
      "reporter-375.png",
      "inbox-1280.png",
      "case-1280.png",
      "reporter-1280.png",
    ]);
  });
});
