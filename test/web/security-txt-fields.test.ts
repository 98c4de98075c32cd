import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSecurityTxt } from "../../src/policy/securitytxt/check.js";
import { databases } from "../support/databases.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";

/**
 * The security.txt fields a policy adds (program.canonicalUrl, acknowledgmentsUrl, hiringUrl,
 * csafUrl), read over HTTP as a researcher's tool reads them. `fields` sets all four, `plain`
 * none (test/fixtures/policies/security-txt-fields).
 */
const POLICIES = "test/fixtures/policies/security-txt-fields";
const SITE = "https://fields.example.org";

/** The values of every `name:` line of a security.txt, in order (field names are case-insensitive). */
function fieldValues(text: string, name: string): string[] {
  return text
    .split("\n")
    .filter((line) => !line.startsWith("#"))
    .flatMap((line) => {
      const colon = line.indexOf(":");
      if (colon < 0 || line.slice(0, colon).toLowerCase() !== name.toLowerCase()) return [];
      return [line.slice(colon + 1).trim()];
    });
}

describe.each(databases)("security.txt fields from the policy, on $name", (database) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(database.open, {}, { policies: POLICIES });
  });
  afterAll(async () => {
    await t.close();
  });

  const securityTxt = async (url: string) => {
    const response = await t.app.inject({ method: "GET", url });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(checkSecurityTxt(response.body, { now: t.clock.now() }).errors).toEqual([]);
    return response.body;
  };

  it("publishes the policy's Canonical, Acknowledgments, Hiring and CSAF at /p/{program} and /.well-known", async () => {
    // `fields` sorts first, so it is also the default program.
    for (const url of ["/p/fields/security.txt", "/.well-known/security.txt"]) {
      const text = await securityTxt(url);
      expect(fieldValues(text, "Canonical")).toEqual([`${SITE}/.well-known/security.txt`]);
      expect(fieldValues(text, "Acknowledgments")).toEqual([`${SITE}/security/thanks`]);
      expect(fieldValues(text, "Hiring")).toEqual([`${SITE}/jobs/security`]);
      expect(fieldValues(text, "CSAF")).toEqual([`${SITE}/.well-known/csaf/provider-metadata.json`]);
      // The policy's Canonical replaces Embargo's own URL instead of joining it.
      expect(text).not.toContain(`${PUBLIC_URL}/p/fields/security.txt`);
    }
  });

  it("leaves them out for a program that does not set them, Canonical and CSAF being Embargo's own URLs", async () => {
    const text = await securityTxt("/p/plain/security.txt");
    expect(fieldValues(text, "Canonical")).toEqual([`${PUBLIC_URL}/p/plain/security.txt`]);
    expect(fieldValues(text, "Acknowledgments")).toEqual([]);
    expect(fieldValues(text, "Hiring")).toEqual([]);
    // Embargo's own CSAF provider (src/web/routes/csaf-provider.ts), as CSAF requirement 8 asks.
    expect(fieldValues(text, "CSAF")).toEqual([`${PUBLIC_URL}/.well-known/csaf/provider-metadata.json`]);
    expect(text).not.toContain("fields.example.org");
  });
});
