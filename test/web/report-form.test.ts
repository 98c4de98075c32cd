import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { multipart, openForm, PUBLIC_URL, startTestApp, type TestApp, tokenFrom } from "../support/web.js";

/**
 * The report form as a person with JavaScript off uses it: plain HTTP, the CSRF token read from
 * the page, multipart with attachments, the receipt, and the private case page.
 */
describe.each(databases)("report form on $name", (database) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(database.open);
  });
  afterAll(async () => {
    await t.close();
  });

  const kafeFields = {
    title: "Heap overflow in the deploy task parser",
    asset: "kafe-source",
    "fields.location-impact": "src/parser.c:120 — remote code execution on the deploy host",
    "fields.steps": "1. craft a deploy.yaml\n2. run kafe deploy",
    "fields.credit-name": "Ada",
    "credit.mode": "handle",
    "credit.name": "ada",
    "credit.link": "https://ada.example",
    "contact.email": "ada@example.net",
  };

  async function submit(fields: Record<string, string>, files: Parameters<typeof multipart>[1] = []) {
    const form = await openForm(t.app, "/p/kafe/report");
    const body = await multipart({ _csrf: form.csrf, ...fields }, files);
    return t.app.inject({
      method: "POST",
      url: "/p/kafe/report",
      headers: { ...body.headers, cookie: form.cookie },
      payload: body.payload,
    });
  }

  it("shows the program's template, its scope and how to be credited", async () => {
    const { html } = await openForm(t.app, "/p/kafe/report");
    for (const text of [
      "Location and potential impact",
      "Steps to reproduce",
      "Kafe source code",
      // Kafe's template asks for the credit name itself: the form asks once, there.
      "We credit you under this name; leave it empty to stay anonymous.",
    ]) {
      expect(html).toContain(text);
    }
    expect(html).toContain('enctype="multipart/form-data"');
    expect(html).not.toContain("Do not credit me");
  });

  it("takes a report with an attachment, shows the receipt and the private case page", async () => {
    const poc = Buffer.from("#!/bin/sh\necho proof-of-concept\n");
    const response = await submit(kafeFields, [
      { name: "attachments", filename: "../../poc.sh", type: "text/x-sh", data: poc },
    ]);
    expect(response.statusCode).toBe(303);
    const location = String(response.headers.location);
    expect(location).toMatch(/^\/r\/[A-Za-z0-9_-]{43}\/receipt$/);
    const token = tokenFrom(location);

    const receipt = await t.app.inject({ method: "GET", url: location });
    expect(receipt.statusCode).toBe(200);
    expect(receipt.body).toContain(`${PUBLIC_URL}/r/${token}`);
    // Kafe confirms within 72 hours of submission; the test clock reads 2026-11-25 10:00 UTC.
    expect(receipt.body).toContain("2026-11-28 10:00 UTC");
    expect(receipt.headers["cache-control"]).toBe("no-store");

    const page = await t.app.inject({ method: "GET", url: `/r/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Heap overflow in the deploy task parser");
    expect(page.body).toContain("remote code execution on the deploy host");
    expect(page.body).toContain("Report received");

    const link = /href="(\/r\/[^"]+\/attachments\/[^"]+)"/.exec(page.body)?.[1];
    expect(link).toBeDefined();
    const download = await t.app.inject({ method: "GET", url: link! });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(poc)).toBe(true);
    expect(download.headers["content-type"]).toBe("application/octet-stream");
    expect(download.headers["content-disposition"]).toMatch(/^attachment; filename="poc.sh"/);
    expect(download.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("shows the case number on the receipt, the next report taking the next one", async () => {
    const numberOn = async () => {
      const location = String((await submit(kafeFields)).headers.location);
      const receipt = (await t.app.inject({ method: "GET", url: location })).body;
      const number = /Your case number: <strong>KAFE-(\d+)<\/strong>\./.exec(receipt)?.[1];
      expect(number, receipt).toBeDefined();
      return Number(number);
    };
    const first = await numberOn();
    expect(await numberOn()).toBe(first + 1);
  });

  it("lets the reporter write to the team from the case page", async () => {
    const token = tokenFrom(String((await submit(kafeFields)).headers.location));
    const form = await openForm(t.app, `/r/${token}`);
    const body = await multipart({ _csrf: form.csrf, message: "Here is a shorter reproducer." }, [
      { name: "attachments", filename: "repro.txt", type: "text/plain", data: Buffer.from("short repro") },
    ]);
    const reply = await t.app.inject({
      method: "POST",
      url: `/r/${token}/messages`,
      headers: { ...body.headers, cookie: form.cookie },
      payload: body.payload,
    });
    expect(reply.statusCode).toBe(303);
    expect(reply.headers.location).toBe(`/r/${token}`);
    const page = await t.app.inject({ method: "GET", url: `/r/${token}` });
    expect(page.body).toContain("Here is a shorter reproducer.");
    expect(page.body).toContain("repro.txt");
  });

  it("shows the form again with what was typed and the error beside the field", async () => {
    const { "fields.steps": _, ...withoutSteps } = kafeFields;
    const response = await submit({ ...withoutSteps, "contact.email": "not-an-address" });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('id="f-fields-steps-error"');
    expect(response.body).toContain("Steps to reproduce is required");
    expect(response.body).toContain('id="f-contact-email-error"');
    expect(response.body).toContain('value="Heap overflow in the deploy task parser"');
    expect(response.body).toContain("remote code execution on the deploy host");
    expect(response.body).toContain('value="not-an-address"');
  });

  it("refuses a post without the CSRF token or with a token from another session", async () => {
    const body = await multipart(kafeFields);
    const missing = await t.app.inject({
      method: "POST",
      url: "/p/kafe/report",
      headers: body.headers,
      payload: body.payload,
    });
    expect(missing.statusCode).toBe(403);
    const a = await openForm(t.app, "/p/kafe/report");
    const b = await openForm(t.app, "/p/kafe/report");
    const crossed = await multipart({ _csrf: a.csrf, ...kafeFields });
    const forged = await t.app.inject({
      method: "POST",
      url: "/p/kafe/report",
      headers: { ...crossed.headers, cookie: b.cookie },
      payload: crossed.payload,
    });
    expect(forged.statusCode).toBe(403);
  });

  it("answers 404 for an unknown program or case, 415 for a wrong content type, 413 for a huge file", async () => {
    expect((await t.app.inject({ method: "GET", url: "/p/nope/report" })).statusCode).toBe(404);
    expect((await t.app.inject({ method: "GET", url: `/r/${"A".repeat(43)}` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: "GET", url: "/r/short" })).statusCode).toBe(404);
    const form = await openForm(t.app, "/p/kafe/report");
    const wrongType = await t.app.inject({
      method: "POST",
      url: "/p/kafe/report",
      headers: { "content-type": "text/plain", cookie: form.cookie },
      payload: "title=x",
    });
    expect(wrongType.statusCode).toBe(415);
    const big = Buffer.alloc(t.config.limits.attachmentBytes + 1, 1);
    const tooLarge = await submit(kafeFields, [
      { name: "attachments", filename: "big.bin", type: "application/octet-stream", data: big },
    ]);
    expect(tooLarge.statusCode).toBe(413);
  });
});
