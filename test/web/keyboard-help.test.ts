import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { Browser, createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";

/**
 * The keyboard shortcuts' page (issue 15): GET /help/keys is for signed-in members only, lists
 * the keys /assets/keys.js answers to, and every staff page links to it and loads the script.
 * The keys themselves, in a real browser: test/browser/keyboard.test.ts.
 */
describe.each(databases)("the keyboard shortcuts page on $name", (database) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(database.open);
  });
  afterAll(async () => {
    await t.close();
  });

  it("sends a visitor who is not signed in to the sign-in page", async () => {
    const response = await new Browser(t.app).get("/help/keys");
    expect(response.statusCode).toBe(303);
    expect(String(response.headers.location)).toMatch(/^\/login/);
    expect(response.body).not.toContain("Keyboard shortcuts");
  });

  it("lists the shortcuts for any signed-in member, linked and scripted from every staff page", async () => {
    const viewer = await createStaff(t, { email: "viewer@example.org", role: "viewer", program: "kafe" });
    const page = await viewer.browser.get("/help/keys");
    expect(page.statusCode).toBe(200);
    expect(page.headers["cache-control"]).toBe("no-store");
    expect(page.body).toContain("<h1>Keyboard shortcuts</h1>");
    const keys = [...page.body.matchAll(/<kbd>([^<]*)<\/kbd>/g)].map((match) => match[1]);
    expect(keys).toEqual(["j", "k", "Enter", "o", "a", "r", "?"]);

    const inbox = await viewer.browser.get("/inbox");
    for (const body of [page.body, inbox.body]) {
      expect(body).toContain('<a href="/help/keys">Keyboard shortcuts</a>');
      expect(body).toContain('<script src="/assets/keys.js" defer></script>');
      // Served files only: the CSP allows no inline script.
      expect(body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    }
    const script = await viewer.browser.get("/assets/keys.js");
    expect(script.statusCode).toBe(200);
    expect(script.headers["content-type"]).toMatch(/^(application|text)\/javascript/);
  });
});
