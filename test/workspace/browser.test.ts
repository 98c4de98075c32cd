import { existsSync, readFileSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unfold } from "../support/browser.js";
import { databases } from "../support/databases.js";
import { type CreatedStaff, createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { type FiledReport, fileReport } from "../support/workspace.js";

/**
 * The workspace in Debian's Chromium (playwright-core never downloads one): a responder at 375 px
 * with JavaScript off triages, moves a case and the reporter agrees; every page fits the width
 * and axe-core finds no WCAG 2 A/AA or best-practice violation. Skipped without Chromium.
 */
const CHROMIUM = process.env.EMBARGO_TEST_CHROMIUM ?? "/usr/bin/chromium";
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`Chromium is not at ${CHROMIUM}: the workspace browser test is skipped`);
const AXE = HAS_CHROMIUM ? readFileSync("node_modules/axe-core/axe.min.js", "utf8") : "";
const PHONE = { width: 375, height: 800 };

describe.skipIf(!HAS_CHROMIUM)("the workspace in a real browser, 375 px wide", () => {
  let t: TestApp;
  let browser: Browser;
  let address: string;
  let lead: CreatedStaff;
  let report: FiledReport;

  beforeAll(async () => {
    const sqlite = databases.find((database) => database.name === "sqlite");
    if (sqlite === undefined) throw new Error("no SQLite");
    t = await startTestApp(sqlite.open);
    address = await t.app.listen({ port: 0, host: "127.0.0.1" });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox"] });
    lead = await createStaff(t, {
      email: "a-rather-long-address-of-the-lead@example.org",
      role: "responder",
    });
    report = await fileReport(t, "rocketchat", {
      title: "A rather long title about stored cross-site scripting in the administration panel",
    });
    await fileReport(t, "rocketchat", { title: "Stored cross-site scripting in the administration panel" });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A page with the lead's session; JavaScript on only to run the checks (axe needs it). */
  async function open(javaScriptEnabled: boolean): Promise<Page> {
    const context = await browser.newContext({
      viewport: PHONE,
      javaScriptEnabled,
      bypassCSP: javaScriptEnabled,
    });
    await context.addCookies(
      [...lead.browser.cookies].map(([name, value]) => ({ name, value, url: address })),
    );
    return context.newPage();
  }

  async function check(page: Page): Promise<{ width: number; violations: string[] }> {
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.evaluate(AXE);
    const violations = await page.evaluate(async () => {
      const axe = (
        window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResult> } }
      ).axe;
      const result = await axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "best-practice"] });
      return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    });
    return { width, violations };
  }

  it("works with JavaScript off: triage with the calculator, a move, the reporter's agreement", async () => {
    const page = await open(false);
    await page.goto(`${address}/inbox`);
    await page.getByRole("link", { name: /A rather long title/ }).click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("A rather long title");

    // The triage form and its calculators are folded until opened (<details>: no JavaScript needed).
    await unfold(page, "Edit triage");
    await unfold(page, "CVSS 3.1 calculator");
    for (const [metric, value] of [
      ["Attack Vector (AV)", "Network"],
      ["Attack Complexity (AC)", "Low"],
      ["Privileges Required (PR)", "None"],
      ["User Interaction (UI)", "None"],
      ["Scope (S)", "Unchanged"],
      ["Confidentiality (C)", "High"],
      ["Integrity (I)", "High"],
      ["Availability (A)", "High"],
    ] as const) {
      await page
        .locator("fieldset.cvss")
        .first()
        .getByRole("group", { name: metric })
        .getByLabel(value, { exact: true })
        .check();
    }
    await page.getByRole("group", { name: "Source" }).getByLabel("hackerone").check();
    // Rocket.Chat's register: no leaving triage without a due date.
    await page.getByLabel("Due date", { exact: true }).fill("2030-01-31");
    await page.getByRole("button", { name: "Save triage" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Triage saved.");
    expect(await page.locator("#triage-facts").textContent()).toContain("9.8 Critical");

    const moveTo = async (state: string) => {
      await page.getByLabel(/^New state/).selectOption({ label: state });
      await page.getByRole("button", { name: "Move" }).click();
      await expect.poll(() => page.getByRole("status").textContent()).toContain("State changed.");
    };
    await moveTo("Triaged");
    await moveTo("In progress");
    // And no fix before its resolution checklist is complete (the register's panel, folded until
    // something is checked).
    await unfold(page, "Incident register");
    for (const item of ["implementation", "testing", "reaching out to other parties"]) {
      const checklist = page.getByRole("list", { name: "Resolution checklist" });
      if (item === "testing") await checklist.getByLabel("Note on testing").fill("regression test added");
      await checklist.getByRole("button", { name: new RegExp(`^Check ${item}`) }).click();
      await expect.poll(() => page.getByRole("status").textContent()).toContain("Checklist saved.");
    }
    await moveTo("Fixed");

    const reporter = await browser.newPage({ viewport: PHONE, javaScriptEnabled: false });
    await reporter.goto(`${address}/r/${report.token}`);
    await reporter
      .getByRole("group", { name: "Is the issue you reported resolved?" })
      .getByLabel(/^Yes/)
      .check();
    await reporter.getByLabel("Comment (optional)").fill("Works for me.");
    await reporter.getByRole("button", { name: "Send my answer" }).click();
    await expect
      .poll(() => reporter.locator("ol.timeline").textContent())
      .toContain("You agreed that the fix resolves your report");
    await reporter.close();
  });

  it("fits 375 px and passes axe on every workspace page", async () => {
    const page = await open(true);
    const pages = [
      "/inbox",
      `/cases/${report.id}`,
      "/cwe?q=xss",
      "/dashboard",
      "/mail/queue",
      `/r/${report.token}`,
    ];
    for (const path of pages) {
      await page.goto(`${address}${path}`);
      const { width, violations } = await check(page);
      expect(width, path).toBeLessThanOrEqual(PHONE.width);
      expect(violations, path).toEqual([]);
    }
    // A form shown again with its error.
    await page.goto(`${address}/cases/${report.id}`);
    await unfold(page, "Edit triage");
    await page.getByLabel(/^Paste a CVSS vector/).fill("CVSS:3.1/AV:Q");
    await page.getByRole("button", { name: "Save triage" }).click();
    expect(await page.locator("#cvss-vector-error").textContent()).toContain("metric AV");
    const { width, violations } = await check(page);
    expect(width).toBeLessThanOrEqual(PHONE.width);
    expect(violations).toEqual([]);
  });
});

interface AxeResult {
  violations: { id: string; nodes: { target: string[] }[] }[];
}
