import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addStaffInBrowser,
  type BrowserStaff,
  closeAll,
  DESKTOP,
  type Embargo,
  expectHeading,
  HAS_CHROMIUM,
  launchBrowser,
  newContext,
  reportToKafeInBrowser,
  saveScreenshot,
  signInInBrowser,
  startEmbargo,
  textOf,
  totpNow,
  unfold,
} from "../support/browser.js";

/**
 * Issue 15's "done when": a new team, from the first start to taking a member's access away, in a
 * real browser at laptop size. The server runs with no mail relay, as a trial install does.
 */

/** The value beside a term of the status and sidebar fact lists (`dl`), found by the term's text. */
function fact(page: Page, term: string) {
  return page.locator(`.case-layout dt:text-is("${term}") + dd`).first();
}

/** The titles of the inbox's rows, in order. */
async function inboxTitles(page: Page): Promise<string[]> {
  return (await page.locator('table.inbox tbody th[scope="row"] > a').allTextContents()).map((t) => t.trim());
}

describe.skipIf(!HAS_CHROMIUM)("a new team's first hour in a real browser", () => {
  let browser: Browser;
  let embargo: Embargo;
  let lead: BrowserContext;
  let responder: BrowserContext;
  let reporter: BrowserContext;

  beforeAll(async () => {
    [browser, embargo] = await Promise.all([launchBrowser(), startEmbargo()]);
    [lead, responder, reporter] = await Promise.all([
      newContext(browser, { viewport: DESKTOP }),
      newContext(browser, { viewport: DESKTOP }),
      newContext(browser, { viewport: DESKTOP }),
    ]);
  });
  afterAll(async () => {
    await closeAll(lead, responder, reporter);
    await browser?.close();
    await embargo?.stop();
  });

  it("starts with no relay and says so, invites a member by the CLI's link, triages from the sidebar, finds the case by a word of its body, and disables the member", async () => {
    // 1. The first start: `embargo serve` says mail is not configured, and prints the one-time link
    //    that makes the first administrator.
    const started = embargo.server.output();
    expect(started).toContain("Mail is not configured (EMBARGO_SMTP_URL is not set)");
    const firstLink = new RegExp(`${embargo.url}/setup/[A-Za-z0-9_-]{43}`).exec(started)?.[0];
    expect(firstLink, started).toBeDefined();

    const leadPage = await lead.newPage();
    await leadPage.goto(firstLink ?? "");
    await expectHeading(leadPage, "Set up your account");
    await leadPage.getByLabel("Your email").fill("lead@kafe.example");
    const password = "correct horse battery staple, lead";
    await leadPage.getByLabel("New password", { exact: true }).fill(password);
    await leadPage.getByLabel("New password, again").fill(password);
    const secret = (await leadPage.locator("#totp-secret").count()) > 0;
    const totpSecret = secret ? (await textOf(leadPage.locator("#totp-secret"))).replace(/\s+/g, "") : "";
    if (secret) await leadPage.getByLabel(/^Code shown by the app/).fill(await totpNow(totpSecret));
    await leadPage.getByRole("button", { name: "Save" }).click();
    await expectHeading(leadPage, "Your account is ready");
    const admin: BrowserStaff = { email: "lead@kafe.example", password, totpSecret };
    await signInInBrowser(leadPage, embargo, admin);

    // The administrator sees the warning on every staff page, with the way to the queued mail.
    const banner = leadPage.locator("p.banner");
    expect(await textOf(banner)).toContain("no notification reaches a reporter or the team");
    await leadPage.getByRole("link", { name: "Deliveries" }).click();
    await expectHeading(leadPage, "Notification deliveries");
    expect(await textOf(banner)).toContain("Mail is not configured");

    // 2. A reporter sends a report through the web form.
    const reporterPage = await reporter.newPage();
    const title = "Search results page runs injected markup";
    await reportToKafeInBrowser(reporterPage, embargo, title);

    // 3. A responder, invited with the link `embargo user add` printed, sets up and signs in.
    const responderPage = await responder.newPage();
    const member = await addStaffInBrowser(embargo, responderPage, {
      email: "responder@kafe.example",
      role: "responder",
      program: "kafe",
    });
    await signInInBrowser(responderPage, embargo, member);
    // Responders are not told about the relay: it is the administrators' to fix.
    expect(await responderPage.locator("p.banner").count()).toBe(0);

    // 4. They find the case by a word that is only in its body ("unescaped", from the form's
    //    location and impact), not in its title; a word of no case finds nothing.
    const searchFor = async (words: string) => {
      await responderPage.locator("input[name=q]").first().fill(words);
      await responderPage.locator("input[name=q]").first().press("Enter");
      await responderPage.waitForURL((url) => url.searchParams.get("q") === words);
      await expectHeading(responderPage, "Inbox");
    };
    await searchFor("unescaped");
    expect(await inboxTitles(responderPage)).toEqual([title]);
    await searchFor("nonexistentword");
    expect(await inboxTitles(responderPage)).toEqual([]);
    await responderPage.goBack();
    await responderPage.getByRole("link", { name: title }).click();
    await expectHeading(responderPage, title);

    // 5. They triage it from the sidebar: acknowledge, a severity, then move it to Triaged.
    await responderPage.getByRole("button", { name: "Acknowledge receipt" }).click();
    await expectHeading(responderPage, title);
    await unfold(responderPage.locator(".case-side"), "Edit triage");
    await responderPage.getByLabel("Severity without a CVSS score").selectOption("high");
    await responderPage.getByRole("button", { name: "Save triage" }).click();
    await expectHeading(responderPage, title);
    await responderPage.getByLabel(/^New state/).selectOption({ label: "Triaged" });
    await responderPage.getByRole("button", { name: "Move", exact: true }).click();
    await expectHeading(responderPage, title);
    expect(await textOf(fact(responderPage, "State"))).toBe("Triaged");
    expect(await textOf(fact(responderPage, "Severity"))).toBe("high");
    await saveScreenshot(responderPage, "new-team-triaged-case-1280");

    // 6. The administrator disables the member; their very next request lands on the sign-in page.
    await leadPage.goto(`${embargo.url}/admin/members`);
    await leadPage.getByRole("button", { name: "Disable responder@kafe.example" }).click();
    await expectHeading(leadPage, "Members");
    expect(
      await textOf(leadPage.locator("table.members tbody tr", { hasText: "responder@kafe.example" })),
    ).toContain("Disabled");
    await responderPage.goto(`${embargo.url}/inbox`);
    await expectHeading(responderPage, "Sign in");
  });
});
