import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSecurityTxt } from "../../src/policy/securitytxt/check.js";
import { databases } from "../support/databases.js";
import { PUBLIC_URL, startTestApp, type TestApp } from "../support/web.js";

describe("public pages", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(databases[0]!.open);
  });
  afterAll(async () => {
    await t.close();
  });

  it("serves each program's policy page with a link to its report form", async () => {
    const page = await t.app.inject({ method: "GET", url: "/p/kitsu" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.body).toContain("Kitsu security policy");
    expect(page.body).toContain('href="/p/kitsu/report"');
    expect(page.body).toContain("help@kitsu.example");
    expect((await t.app.inject({ method: "GET", url: "/p/unknown" })).statusCode).toBe(404);
  });

  it("serves a valid security.txt per program, and the default program's at /.well-known", async () => {
    for (const url of ["/.well-known/security.txt", "/p/rocketchat/security.txt"]) {
      const response = await t.app.inject({ method: "GET", url });
      expect(response.statusCode).toBe(200);
      expect(response.headers["content-type"]).toBe("text/plain; charset=utf-8");
      const report = checkSecurityTxt(response.body, { now: t.clock.now() });
      expect(report.errors).toEqual([]);
    }
    // Without EMBARGO_DEFAULT_PROGRAM the first program by slug answers: kafe.
    const wellKnown = await t.app.inject({ method: "GET", url: "/.well-known/security.txt" });
    expect(wellKnown.body).toContain(`Canonical: ${PUBLIC_URL}/p/kafe/security.txt`);
    expect(wellKnown.body).toContain("Contact: mailto:mrtreinis@kafe.example");
  });

  it("uses EMBARGO_DEFAULT_PROGRAM for /.well-known/security.txt", async () => {
    const other = await startTestApp(databases[0]!.open, { defaultProgram: "kitsu" });
    try {
      const response = await other.app.inject({ method: "GET", url: "/.well-known/security.txt" });
      expect(response.body).toContain("Contact: mailto:nuck@kitsu.example");
    } finally {
      await other.close();
    }
  });

  it("sends strict security headers and pages without inline script or style", async () => {
    for (const url of ["/", "/p/kafe", "/p/kafe/report"]) {
      const response = await t.app.inject({ method: "GET", url });
      const csp = String(response.headers["content-security-policy"]);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(response.headers["x-content-type-options"]).toBe("nosniff");
      expect(response.headers["referrer-policy"]).toBe("no-referrer");
      expect(response.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(response.body).not.toMatch(/\sstyle=|<style/);
      expect(response.body).not.toMatch(/\son[a-z]+=/);
    }
  });

  it("sets the CSRF cookie HttpOnly and SameSite=Strict", async () => {
    const response = await t.app.inject({ method: "GET", url: "/p/kafe/report" });
    const cookie = String(response.headers["set-cookie"]);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Secure/);
  });

  it("serves the stylesheet and the proof-of-work script as same-origin assets", async () => {
    const css = await t.app.inject({ method: "GET", url: "/assets/embargo.css" });
    expect(css.statusCode).toBe(200);
    const pow = await t.app.inject({ method: "GET", url: "/assets/pow.js" });
    expect(pow.statusCode).toBe(200);
    expect(pow.headers["content-type"]).toMatch(/javascript/);
  });
});
