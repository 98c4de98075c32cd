import type { Result } from "axe-core";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scoreCvss, severityOf } from "../../src/domain/cvss/index.js";
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
  textOf,
  unfold,
} from "../support/browser.js";

/**
 * The case page (issue 15: it was 8,700 px tall at 1280 px, two calculators fully open): two
 * columns on a wide screen, one on a phone, calculators folded with a live score where JavaScript
 * runs, and every form still working without it.
 */
const TITLE = "Stored XSS through a crafted changelog entry";
const SAVED_31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N";
const SAVED_40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N";

/** How the page writes a score: "6.1 Medium · CVSS:3.1/…", as the server computes it. */
function scoreText(vector: string): string {
  const { score } = scoreCvss(vector);
  return `${score.toFixed(1)} ${severityOf(score)} · ${vector}`;
}

/** The value beside a term of a description list (`dl.facts`), found by the term's text. */
function fact(scope: Locator, term: string): Locator {
  return scope.locator(`dt:text-is("${term}") + dd`);
}

/** One metric's radio button in a calculator: the group under its legend, then the value's label. */
function radio(calculator: Locator, legend: string, value: string): Locator {
  return calculator
    .getByRole("group", { name: legend, exact: true })
    .getByRole("radio", { name: value, exact: true });
}

async function box(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const found = await locator.boundingBox();
  if (found === null) throw new Error(`${locator} is not displayed`);
  return found;
}

describe.skipIf(!HAS_CHROMIUM)("the case page's layout in a real browser", () => {
  let browser: Browser;
  let embargo: Embargo;
  let staff: BrowserContext;
  let page: Page;
  let caseUrl = "";

  // A typical case: the report with its fields, acknowledged, triaged with CVSS 3.1 and 4.0 vectors
  // and a CWE, moved to Triaged, two replies and an internal note.
  beforeAll(async () => {
    [browser, embargo] = await Promise.all([launchBrowser(), startEmbargo()]);
    staff = await newContext(browser, { viewport: DESKTOP });
    page = await staff.newPage();
    const member = await addStaffInBrowser(embargo, page, { email: "lead@kafe.example", role: "admin" });
    const created = await submitReportByApi(embargo, "kafe", {
      title: TITLE,
      asset: "kafe-source",
      fields: {
        "location-impact":
          "The release notes renderer echoes changelog entries unescaped: any visitor of the release notes runs the script.",
        steps:
          "1. Add a changelog entry with <script>alert(document.domain)</script>\n2. Build the release.\n3. Open the release notes.",
      },
      credit: { mode: "handle", name: "ada" },
      contact: { email: "reporter@example.org" },
    });
    await signInInBrowser(page, embargo, member);
    caseUrl = `${embargo.url}/cases/${created.id}`;
    await page.goto(caseUrl);
    await page.getByRole("button", { name: "Acknowledge receipt" }).click();
    await expectHeading(page, TITLE);
    for (const vector of [SAVED_31, SAVED_40]) {
      await unfold(page, "Edit triage");
      await page.getByLabel(/^Paste a CVSS vector/).fill(vector);
      await page.getByLabel("CWE", { exact: true }).fill("79");
      await page.getByRole("button", { name: "Save triage" }).click();
      await expectHeading(page, TITLE);
    }
    await page.getByLabel(/^New state/).selectOption({ label: "Triaged" });
    await page.getByRole("button", { name: "Move", exact: true }).click();
    await expectHeading(page, TITLE);
    for (const reply of [
      "Thanks, we can reproduce it on the current release.",
      "A fix is in review; we aim to release it next week and will credit you as ada.",
    ]) {
      await page.getByLabel("Message (the reporter sees it)").fill(reply);
      await page.getByRole("button", { name: "Send reply" }).click();
      await expectHeading(page, TITLE);
    }
    await page
      .getByLabel("Note (only the team sees it)")
      .fill("Internal: the sanitiser is off in the renderer.");
    await page.getByRole("button", { name: "Add internal note" }).click();
    await expectHeading(page, TITLE);
  }, 180_000);
  afterAll(async () => {
    await closeAll(staff);
    await browser?.close();
    await embargo?.stop();
  });

  it("is under 2,500 px tall at 1280 px, the status and sidebar to the right of the report and timeline", async () => {
    await page.setViewportSize(DESKTOP);
    await page.goto(caseUrl);
    await expectHeading(page, TITLE);
    const height = await page.evaluate<number>("document.documentElement.scrollHeight");
    expect(height).toBeLessThan(2500);
    expect(await scrollWidth(page)).toBe(DESKTOP.width);

    const report = await box(page.getByRole("heading", { name: "What the reporter sent" }));
    const timeline = await box(page.locator("ol.timeline"));
    const status = await box(page.getByRole("region", { name: "Status" }));
    const sidebar = await box(page.getByRole("complementary", { name: "Triage, assignee and clocks" }));
    const mainRight = Math.max(report.x + report.width, timeline.x + timeline.width);
    expect(status.x).toBeGreaterThanOrEqual(mainRight);
    expect(sidebar.x).toBe(status.x);
    // Side by side: the sidebar's top is beside the report, not under the timeline.
    expect(status.y).toBeLessThan(timeline.y);
    expect(sidebar.y).toBeGreaterThanOrEqual(status.y + status.height);
    expect(sidebar.y).toBeLessThan(timeline.y + timeline.height);
    // Folded: the calculators and the triage form until opened, the other work (disclosure…) too.
    expect(await page.getByRole("group", { name: "CVSS 3.1 calculator" }).isVisible()).toBe(false);
    expect(await page.getByRole("button", { name: "Save triage" }).isVisible()).toBe(false);
    expect(await page.getByRole("button", { name: "Record the fix release" }).isVisible()).toBe(false);
    // What the sidebar says without opening anything: state, severity and scores, the next action.
    const aside = page.getByRole("complementary", { name: "Triage, assignee and clocks" });
    expect(await textOf(fact(page.getByRole("region", { name: "Status" }), "State"))).toBe("Triaged");
    expect(await textOf(fact(aside, "Severity"))).toBe("medium");
    expect(await textOf(fact(aside, "CVSS 3.1"))).toBe(scoreText(SAVED_31));
    expect(await textOf(fact(aside, "CVSS 4.0"))).toBe(scoreText(SAVED_40));
    expect(await textOf(fact(aside, "CWE"))).toBe("CWE-79");
    expect(await aside.getByRole("button", { name: "Move", exact: true }).isVisible()).toBe(true);
    await saveScreenshot(page, "case-typical-1280");
  }, 180_000);

  it("is one column at 375 px, status first, with no horizontal overflow", async () => {
    await page.setViewportSize(PHONE);
    await page.goto(caseUrl);
    await expectHeading(page, TITLE);
    expect(await scrollWidth(page)).toBe(PHONE.width);
    const status = await box(page.getByRole("region", { name: "Status" }));
    const report = await box(page.getByRole("heading", { name: "What the reporter sent" }));
    const timeline = await box(page.locator("ol.timeline"));
    const sidebar = await box(page.getByRole("complementary", { name: "Triage, assignee and clocks" }));
    expect(report.y).toBeGreaterThanOrEqual(status.y + status.height);
    expect(sidebar.y).toBeGreaterThanOrEqual(timeline.y + timeline.height);
    expect(sidebar.x).toBe(status.x);
    expect(sidebar.x + sidebar.width).toBeLessThanOrEqual(PHONE.width);
    await saveScreenshot(page, "case-typical-375");
    // Opened, the calculators still fit.
    await unfold(page, "Edit triage");
    await unfold(page, "CVSS 4.0 calculator");
    expect(await scrollWidth(page)).toBe(PHONE.width);
    await saveScreenshot(page, "case-typical-375-calculator");
  }, 180_000);

  it("has no serious or critical axe-core violations, folded and unfolded, light and dark, 375 and 1280 px", async () => {
    // axe-core is injected with a script tag, which the page's CSP blocks: only this context bypasses it.
    const cookies = await staff.storageState();
    const found: string[] = [];
    const minor: Result[] = [];
    for (const colorScheme of ["light", "dark"] as const)
      for (const viewport of [PHONE, DESKTOP]) {
        const audit = await newContext(browser, {
          bypassCSP: true,
          viewport,
          colorScheme,
          storageState: cookies,
        });
        try {
          const auditPage = await audit.newPage();
          await auditPage.goto(caseUrl);
          for (const state of ["folded", "unfolded"]) {
            if (state === "unfolded")
              await auditPage.evaluate(
                "document.querySelectorAll('details').forEach((d) => { d.open = true; })",
              );
            const results = await runAxe(auditPage);
            const blocking = blockingViolations(results);
            const where = `${viewport.width} px, ${colorScheme}, ${state}`;
            if (blocking.length > 0) found.push(`${where}:\n${describeViolations(blocking)}`);
            minor.push(...results.violations.filter((v) => !blocking.includes(v)));
          }
        } finally {
          await closeAll(audit);
        }
      }
    if (minor.length > 0)
      console.info(`axe-core, moderate and minor (not failing):\n${describeViolations(minor)}`);
    expect(found, found.join("\n\n")).toEqual([]);
  }, 180_000);

  it("shows the score of the calculator's choices as they change, without a request, and saving gives that score", async () => {
    await page.setViewportSize(DESKTOP);
    await page.goto(caseUrl);
    await expectHeading(page, TITLE);
    await unfold(page, "Edit triage");
    await unfold(page, "CVSS 3.1 calculator");
    const v31 = page.getByRole("group", { name: "CVSS 3.1 calculator", exact: true });
    const live31 = v31.locator(".cvss-live output");
    // The saved choices, scored as the server scored them.
    expect(await textOf(live31)).toBe(scoreText(SAVED_31));

    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await radio(v31, "Scope (S)", "Unchanged").click();
    await radio(v31, "Confidentiality (C)", "High").click();
    await radio(v31, "Integrity (I)", "High").click();
    const wanted31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N";
    await expect.poll(() => textOf(live31)).toBe(scoreText(wanted31));

    await unfold(page, "CVSS 4.0 calculator");
    const v40 = page.getByRole("group", { name: "CVSS 4.0 calculator", exact: true });
    const live40 = v40.locator(".cvss-live output");
    expect(await textOf(live40)).toBe(scoreText(SAVED_40));
    await radio(v40, "Vulnerable System Confidentiality Impact (VC)", "High").click();
    await radio(v40, "User Interaction (UI)", "Active").click();
    const wanted40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:H/VI:N/VA:N/SC:L/SI:L/SA:N";
    await expect.poll(() => textOf(live40)).toBe(scoreText(wanted40));
    expect(requests, "the live score asked the server").toEqual([]);
    const shown31 = await textOf(live31);
    const shown40 = await textOf(live40);

    // The server, after saving, scores the same.
    await page.getByRole("button", { name: "Save triage" }).click();
    await expectHeading(page, TITLE);
    expect(await textOf(page.getByRole("status"))).toBe("Triage saved.");
    const aside = page.getByRole("complementary", { name: "Triage, assignee and clocks" });
    expect(await textOf(fact(aside, "CVSS 3.1"))).toBe(shown31);
    expect(await textOf(fact(aside, "CVSS 4.0"))).toBe(shown40);
  }, 180_000);

  it("saves the calculator's choices with JavaScript off", async () => {
    const noScript = await newContext(browser, {
      javaScriptEnabled: false,
      viewport: DESKTOP,
      storageState: await staff.storageState(),
    });
    try {
      const plain = await noScript.newPage();
      await plain.goto(caseUrl);
      await expectHeading(plain, TITLE);
      await unfold(plain, "Edit triage");
      await unfold(plain, "CVSS 3.1 calculator");
      const v31 = plain.getByRole("group", { name: "CVSS 3.1 calculator", exact: true });
      // No script, no live score: the paragraph stays hidden.
      expect(await v31.locator(".cvss-live").isVisible()).toBe(false);
      await radio(v31, "Attack Vector (AV)", "Adjacent Network").click();
      await radio(v31, "Availability (A)", "Low").click();
      await plain.getByRole("button", { name: "Save triage" }).click();
      await expectHeading(plain, TITLE);
      expect(await textOf(plain.getByRole("status"))).toBe("Triage saved.");
      const aside = plain.getByRole("complementary", { name: "Triage, assignee and clocks" });
      expect(await textOf(fact(aside, "CVSS 3.1"))).toBe(
        scoreText("CVSS:3.1/AV:A/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:L"),
      );
    } finally {
      await closeAll(noScript);
    }
  }, 180_000);

  it("serves the scoring modules as JavaScript, and a 404 for a module that is not there", async () => {
    const module = await page.request.get(`${embargo.url}/assets/cvss/cvss40-lookup.js`);
    expect(module.status()).toBe(200);
    expect(module.headers()["content-type"]).toMatch(/^(application|text)\/javascript/);
    for (const path of [
      "/assets/cvss/nope.js",
      "/assets/cvss/../../package.json",
      "/assets/cvss/%2e%2e/x.js",
    ]) {
      const missing = await page.request.get(`${embargo.url}${path}`);
      expect(missing.status(), path).toBe(404);
    }
  });
});
