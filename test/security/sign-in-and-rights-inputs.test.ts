import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { databases } from "../support/databases.js";
import { Browser, createStaff, staffJson } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { fileReport } from "../support/workspace.js";

/**
 * What a stranger (or a member) can push at this session's new doors: the passkey sign-in's
 * JSON, the single sign-on callback, the confidentiality API and the inbox's search line. Each
 * answer is a clear 4xx, never a 500, and nothing is stored for it.
 */
const SSO = loadConfig(
  {
    EMBARGO_PUBLIC_URL: "https://security.example.org",
    EMBARGO_OIDC_PROVIDERS: "corp",
    // The discard port: every probe here is refused before the provider would be asked.
    EMBARGO_OIDC_CORP_ISSUER: "http://127.0.0.1:9",
    EMBARGO_OIDC_CORP_CLIENT_ID: "embargo",
    EMBARGO_OIDC_CORP_CLIENT_SECRET: "never-sent",
  },
  "/nonexistent/embargo.yaml",
);

describe.each(databases)(
  "malformed and oversized input to sign-in, confidentiality and search on $name",
  (database) => {
    let t: TestApp;
    beforeEach(async () => {
      t = await startTestApp(database.open, { oidcProviders: SSO.oidcProviders });
    });
    afterEach(async () => {
      await t.close();
    });

    const rows = async (table: "webauthn_challenges" | "sessions" | "case_members") =>
      Number(
        (
          await t.store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );

    it("answers garbage passkey sign-ins with 4xx and signs no one in", async () => {
      const browser = new Browser(t.app);
      await browser.get("/login");
      const post = (payload: string, contentType = "application/json") =>
        t.app.inject({
          method: "POST",
          url: "/login/passkey",
          headers: {
            "content-type": contentType,
            cookie: browser.cookieHeader(),
            "x-csrf-token": browser.csrf ?? "",
          },
          payload,
        });
      const blob = (text: string) => Buffer.from(text).toString("base64url");
      const answer = (clientDataJSON: string, id = "AAAA") =>
        JSON.stringify({
          response: {
            id,
            rawId: id,
            type: "public-key",
            response: { clientDataJSON, authenticatorData: blob("x"), signature: blob("x") },
          },
        });
      const attempts: [string, string, string?][] = [
        ["not JSON", "response=1", "application/x-www-form-urlencoded"],
        ["broken JSON", "{"],
        ["an array", "[]"],
        ["the wrong shape", JSON.stringify({ response: "yes" })],
        ["client data that is not base64url", answer("%%%")],
        ["client data that is not JSON", answer(blob("not json"))],
        ["client data with no challenge", answer(blob(JSON.stringify({ type: "webauthn.get" })))],
        ["a challenge never given", answer(blob(JSON.stringify({ challenge: blob("made-up") })))],
        [
          "a credential id of 100 kB",
          answer(blob(JSON.stringify({ challenge: "abc" })), "A".repeat(100_000)),
        ],
        ["a body of 3 MB", JSON.stringify({ response: { id: "A".repeat(3_000_000) } })],
      ];
      const statuses: Record<string, number> = {};
      for (const [what, payload, contentType] of attempts)
        statuses[what] = (await post(payload, contentType)).statusCode;
      for (const [what, status] of Object.entries(statuses)) {
        expect(status, what).toBeGreaterThanOrEqual(400);
        expect(status, what).toBeLessThan(500);
      }
      expect(await rows("sessions")).toBe(0);
    });

    it("answers a single sign-on callback with a malformed, oversized or repeated state with 4xx", async () => {
      const browser = new Browser(t.app);
      for (const query of [
        "",
        "?state=",
        `?state=${"s".repeat(5000)}`,
        "?state=a&state=b",
        "?error=access_denied&error_description=%3Cscript%3E",
        `?code=${"c".repeat(3000)}&state=x`,
      ]) {
        const response = await browser.get(`/login/oidc/corp/callback${query}`);
        expect(response.statusCode, query).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, query).toBeLessThan(500);
        expect(response.body, query).not.toContain("<script>");
      }
      expect(await rows("sessions")).toBe(0);
    });

    it("refuses confidentiality lists that are too long, not ids, or not a list, and stores none of them", async () => {
      const lead = await createStaff(t, { email: "lead@example.org", role: "responder", program: "kafe" });
      const report = await fileReport(t, "kafe", { title: "Stored XSS" });
      for (const body of [
        {
          confidential: true,
          members: Array.from({ length: 5000 }, (_, i) => `member${String(i).padStart(10, "0")}`),
        },
        { confidential: true, members: [{ id: 1 }] },
        { confidential: true, members: "everyone" },
        { confidential: "yes please" },
        {},
      ]) {
        const response = await staffJson(t, lead, "POST", `/api/v1/cases/${report.id}/confidentiality`, body);
        expect(response.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      }
      expect(await rows("case_members")).toBe(0);
    });

    it("refuses a search line over 200 characters and takes one of many words", async () => {
      const lead = await createStaff(t, { email: "lead@example.org", role: "responder", program: "kitsu" });
      await fileReport(t, "kitsu", { title: "Stored XSS", fields: { description: "The zebrafinch page." } });
      expect((await lead.browser.get(`/inbox?q=${"a".repeat(201)}`)).statusCode).toBe(400);
      const many = Array.from({ length: 100 }, (_, i) => `w${i}`).join(" ");
      const page = await lead.browser.get(`/inbox?q=${encodeURIComponent(many.slice(0, 200))}`);
      expect(page.statusCode).toBe(200);
      expect((await lead.browser.get("/inbox?q=zebrafinch")).body).toContain("Stored XSS");
    });
  },
);
