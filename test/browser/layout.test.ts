import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addStaffInBrowser,
  closeAll,
  type Embargo,
  expectHeading,
  HAS_CHROMIUM,
  launchBrowser,
  newContext,
  PHONE,
  signInInBrowser,
  startEmbargo,
  submitReportByApi,
  unfold,
} from "../support/browser.js";
import { auditPages } from "../support/page-audit.js";

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
    receipt: "",
    home: "",
    policyKafe: "",
    policyKitsu: "",
    policyKulupu: "",
    policyPrivacytools: "",
    policyRocketchat: "",
    reportFormKitsu: "",
    teamPolicy: "",
    members: "",
    account: "",
    accountTotp: "",
    accountTokens: "",
    accountPasskeys: "",
    staffAdvisories: "",
    keyboardHelp: "",
    mailQueue: "",
    dashboard: "",
    deliveries: "",
    cwe: "",
    notFound: "",
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
    urls.receipt = `${created.reporterUrl}/receipt`;
    urls.home = `${embargo.url}/`;
    for (const program of ["kafe", "kitsu", "kulupu", "privacytools", "rocketchat"] as const)
      urls[`policy${program[0]?.toUpperCase()}${program.slice(1)}` as keyof typeof urls] =
        `${embargo.url}/p/${program}`;
    urls.reportFormKitsu = `${embargo.url}/p/kitsu/report`;
    urls.teamPolicy = `${embargo.url}/admin/policies/kitsu`;
    urls.members = `${embargo.url}/admin/members`;
    urls.account = `${embargo.url}/account`;
    urls.accountTotp = `${embargo.url}/account/totp`;
    urls.accountTokens = `${embargo.url}/account/tokens`;
    urls.accountPasskeys = `${embargo.url}/account/passkeys`;
    urls.staffAdvisories = `${embargo.url}/advisories/rocketchat`;
    urls.keyboardHelp = `${embargo.url}/help/keys`;
    urls.mailQueue = `${embargo.url}/mail/queue`;
    urls.dashboard = `${embargo.url}/dashboard`;
    urls.deliveries = `${embargo.url}/admin/deliveries`;
    urls.cwe = `${embargo.url}/cwe?q=cross-site`;
    urls.notFound = `${embargo.url}/p/no-such-program`;
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

  it("shows every page at 375 and 1280 px, light and dark, without sideways scrolling or serious axe-core violations, and keeps a screenshot of each", async () => {
    const audit = await auditPages(browser, {
      pages: urls,
      storageState: await staff.storageState(),
      beforeChecks: unfoldCasePanels,
    });
    expect(audit.overflow).toEqual([]);
    expect(audit.blocking, audit.blocking.join("\n\n")).toEqual([]);
    expect(audit.screenshots).toHaveLength(Object.keys(urls).length * 4);
    expect(audit.screenshots).toContain("pages/case-1280-dark.png");
    // Four views of every page: minutes on a loaded two-core machine.
  }, 300_000);
});
