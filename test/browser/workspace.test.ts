import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addStaffInBrowser,
  closeAll,
  type Embargo,
  expectHeading,
  HAS_CHROMIUM,
  launchBrowser,
  newContext,
  reportToKafeInBrowser,
  signInInBrowser,
  startEmbargo,
  textOf,
} from "../support/browser.js";

/** The notice a case action leaves at the top of the case page (role=status). */
async function notice(page: Page): Promise<string> {
  return textOf(page.getByRole("status"));
}

/** One metric of a calculator: the radio group under its legend, e.g. "Attack Vector (AV)". */
function metric(calculator: Locator, legend: string): Locator {
  return calculator.getByRole("group", { name: legend, exact: true });
}

/** The value beside a term of a description list (`dl.facts`), found by the term's text. */
function fact(scope: Locator, term: string): Locator {
  return scope.locator(`dt:text-is("${term}") + dd`);
}

describe.skipIf(!HAS_CHROMIUM)("the team's workspace in a real browser", () => {
  let browser: Browser;
  let embargo: Embargo;

  beforeAll(async () => {
    [browser, embargo] = await Promise.all([launchBrowser(), startEmbargo()]);
  });
  afterAll(async () => {
    await browser?.close();
    await embargo?.stop();
  });

  it("signs in with TOTP, acknowledges, triages with CVSS 3.1, replies and notes; the reporter sees the reply only", async () => {
    const reporter = await newContext(browser);
    const staff = await newContext(browser);
    try {
      const reporterPage = await reporter.newPage();
      const privateLink = await reportToKafeInBrowser(reporterPage, embargo, "Stored XSS in the changelog");

      // An operator adds a responder with the CLI; they set up their account and sign in.
      const page = await staff.newPage();
      const member = await addStaffInBrowser(embargo, page, {
        email: "responder@kafe.example",
        role: "responder",
        program: "kafe",
      });
      await signInInBrowser(page, embargo, member);

      // The inbox lists the new case with its clock; it opens the case page.
      const row = page.getByRole("row").filter({ hasText: "Stored XSS in the changelog" });
      expect(await row.count()).toBe(1);
      expect(await textOf(row)).toContain("Kafe");
      await row.getByRole("link", { name: "Stored XSS in the changelog" }).click();
      await expectHeading(page, "Stored XSS in the changelog");
      const caseUrl = page.url();
      expect(new URL(caseUrl).pathname).toMatch(/^\/cases\/[^/]+$/);
      expect(await textOf(page.locator("main"))).toContain("The search page echoes the q parameter");

      await page.getByRole("button", { name: "Acknowledge receipt" }).click();
      await expectHeading(page, "Stored XSS in the changelog");
      expect(await notice(page)).toBe("The case is acknowledged. The reporter sees it on their case page.");
      expect(await page.getByRole("button", { name: "Acknowledge receipt" }).count()).toBe(0);

      // Triage: CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N, clicked in the calculator (6.1 Medium),
      // folded in the sidebar until opened.
      await page
        .locator("summary")
        .filter({ hasText: /^Edit triage$/ })
        .click();
      await page
        .locator("summary")
        .filter({ hasText: /^CVSS 3.1 calculator$/ })
        .click();
      const calculator = page.getByRole("group", { name: "CVSS 3.1 calculator", exact: true });
      for (const [legend, value] of [
        ["Attack Vector (AV)", "Network"],
        ["Attack Complexity (AC)", "Low"],
        ["Privileges Required (PR)", "None"],
        ["User Interaction (UI)", "Required"],
        ["Scope (S)", "Changed"],
        ["Confidentiality (C)", "Low"],
        ["Integrity (I)", "Low"],
        ["Availability (A)", "None"],
      ] as const) {
        const radio = metric(calculator, legend).getByRole("radio", { name: value, exact: true });
        await radio.click();
        expect(await radio.isChecked()).toBe(true);
      }
      await page.getByRole("button", { name: "Save triage" }).click();
      await expectHeading(page, "Stored XSS in the changelog");
      expect(await notice(page)).toBe("Triage saved.");
      const main = page.locator("main");
      expect(await textOf(fact(main, "CVSS 3.1"))).toBe(
        "6.1 Medium · CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
      );
      // Opened again, the calculator shows the saved score and the saved choice.
      await page
        .locator("summary")
        .filter({ hasText: /^Edit triage$/ })
        .click();
      await page
        .locator("summary")
        .filter({ hasText: /^CVSS 3.1 calculator$/ })
        .click();
      expect(await textOf(calculator)).toContain("Saved score: 6.1 Medium");
      expect(
        await metric(calculator, "Scope (S)")
          .getByRole("radio", { name: "Changed", exact: true })
          .isChecked(),
      ).toBe(true);

      await page.getByLabel("Message (the reporter sees it)").fill("Thanks! We can reproduce it; fix soon.");
      await page.getByRole("button", { name: "Send reply" }).click();
      await expectHeading(page, "Stored XSS in the changelog");
      expect(await notice(page)).toBe(
        "Your reply is on the reporter's case page. Mail is not configured, so no mail tells them: it waits in the queue until an administrator sets up mail.",
      );

      await page
        .getByLabel("Note (only the team sees it)")
        .fill("Root cause: markdown renderer, CVE pending.");
      await page.getByRole("button", { name: "Add internal note" }).click();
      await expectHeading(page, "Stored XSS in the changelog");
      expect(await notice(page)).toBe("Internal note added. The reporter does not see it.");
      const note = page.locator(".timeline li.internal").filter({ hasText: "Root cause: markdown renderer" });
      expect(await note.count()).toBe(1);
      expect(await textOf(note)).toContain("Internal");

      // Back in the inbox the case carries its score.
      await page.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "Inbox" }).click();
      await expectHeading(page, "Inbox");
      expect(await textOf(row)).toContain("6.1 (3.1)");

      // The reporter's private page: acknowledged, the reply, and no trace of the note.
      await reporterPage.goto(privateLink);
      await expectHeading(reporterPage, "Stored XSS in the changelog");
      const reporterView = await textOf(reporterPage.locator("main"));
      expect(reporterView).toContain("The team acknowledged your report");
      expect(reporterView).toContain("The team wrote");
      expect(reporterView).toContain("Thanks! We can reproduce it; fix soon.");
      // Not shown, and not anywhere in the page either (hidden text, attributes).
      const html = await reporterPage.content();
      for (const secret of ["Root cause", "markdown renderer", "6.1", "CVSS"])
        expect(html, `the reporter's page holds "${secret}"`).not.toContain(secret);
    } finally {
      await closeAll(reporter, staff);
    }
  });
});
