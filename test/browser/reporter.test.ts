import { readFile } from "node:fs/promises";
import type { Browser, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closeAll,
  type Embargo,
  expectHeading,
  fillKafeReport,
  HAS_CHROMIUM,
  launchBrowser,
  newContext,
  startEmbargo,
  textOf,
} from "../support/browser.js";

/** The report form's POST. */
function isReportPost(request: Request): boolean {
  return request.method() === "POST" && new URL(request.url()).pathname === "/p/kafe/report";
}

/**
 * Sends JSON reports without a proof-of-work until the address's allowance for those is used up
 * (the status of the last answer: 429 when it is).
 */
async function reportWithoutPow(embargo: Embargo): Promise<number> {
  let status = 0;
  for (let i = 0; i < 3 && status !== 429; i++)
    status = (
      await fetch(`${embargo.url}/api/v1/programs/kafe/reports`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          title: "Filler",
          fields: { "location-impact": "Filler.", steps: "Filler." },
        }),
      })
    ).status;
  return status;
}

describe.skipIf(!HAS_CHROMIUM)("a reporter in a real browser", () => {
  let browser: Browser;
  let embargo: Embargo;

  beforeAll(async () => {
    // One report an hour per address without a proof-of-work (the first test's): a report that
    // gets through after that was accepted with a valid proof-of-work.
    [browser, embargo] = await Promise.all([
      launchBrowser(),
      startEmbargo({ EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS_WITHOUT_POW: "1" }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await embargo?.stop();
  });

  it("reports with JavaScript off: form, attachment, receipt, private page, download", async () => {
    const context = await newContext(browser, { javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(`${embargo.url}/p/kafe`);
      await page.getByRole("link", { name: "Report a vulnerability privately" }).click();
      await expectHeading(page, "Report a vulnerability to Kafe");

      await fillKafeReport(page, "Reflected XSS in search");
      const poc = Buffer.from("<script>alert(document.domain)</script>\n", "utf8");
      await page.getByLabel("Attachments (optional)").setInputFiles({
        name: "poc.html",
        mimeType: "text/html",
        buffer: poc,
      });
      // No script runs, so the form has no proof-of-work field (pow.js adds it): the report gets
      // through on the stricter limit for browsers without JavaScript.
      expect(await page.locator('input[name="pow"]').count()).toBe(0);
      await page.getByRole("button", { name: "Send report" }).click();

      await expectHeading(page, "Your report was received");
      expect(new URL(page.url()).pathname).toMatch(/^\/r\/[A-Za-z0-9_-]{43}\/receipt$/);
      const privateLink = page.locator(".capability a");
      const caseUrl = await privateLink.getAttribute("href");
      expect(caseUrl).toMatch(new RegExp(`^${embargo.url}/r/[A-Za-z0-9_-]{43}$`));
      await privateLink.click();

      await expectHeading(page, "Reflected XSS in search");
      expect(page.url()).toBe(caseUrl);
      const main = page.locator("main");
      expect(await textOf(main)).toContain("The search page echoes the q parameter unescaped");
      expect(await textOf(main)).toContain("Received, waiting for the team");
      const file = page.getByRole("link", { name: "poc.html" });
      expect(await file.count()).toBe(1);
      const [download] = await Promise.all([page.waitForEvent("download"), file.click()]);
      expect(download.suggestedFilename()).toBe("poc.html");
      expect(await readFile(await download.path())).toEqual(poc);
    } finally {
      await closeAll(context);
    }
  });

  it("reports with JavaScript on: the proof-of-work fills the hidden pow field before sending", async () => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      await page.goto(`${embargo.url}/p/kafe/report`);
      await fillKafeReport(page, "Open redirect in login");

      // pow.js starts on load and says when it is done (an aria-live status under the form).
      const status = page.locator("[data-pow-status]");
      await page.getByText("Anti-spam check complete.").waitFor({ timeout: 20_000 });
      expect(await textOf(status)).toBe("Anti-spam check complete.");
      const pow = await page.locator('input[type="hidden"][name="pow"]').inputValue();
      const solution: unknown = JSON.parse(Buffer.from(pow, "base64").toString("utf8"));
      expect(solution).toMatchObject({ algorithm: "SHA-256", number: expect.any(Number) });

      // Without a proof-of-work this address may send no more reports this hour.
      expect(await reportWithoutPow(embargo)).toBe(429);

      const sent = page.waitForRequest(isReportPost);
      await page.getByRole("button", { name: "Send report" }).click();
      const body = (await sent).postDataBuffer()?.toString("utf8") ?? "";
      expect(body).toContain(`name="pow"\r\n\r\n${pow}\r\n`);
      await expectHeading(page, "Your report was received");
      expect(errors).toEqual([]);
    } finally {
      await closeAll(context);
    }
  });
});
