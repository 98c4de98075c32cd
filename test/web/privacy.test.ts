import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases, type TestStore } from "../support/databases.js";
import { multipart, openForm, startTestApp, type TestApp, tokenFrom } from "../support/web.js";

/**
 * What a report says never reaches the logs or the disk in clear, whichever door it came
 * through: the report text, the reporter's contact details and the capability token.
 */
describe("privacy of what is sent", () => {
  let t: TestApp;
  let store: TestStore;
  const marker = `mk${randomBytes(8).toString("hex")}`;
  const email = `${marker}@example.org`;
  let tokens: string[] = [];

  beforeAll(async () => {
    t = await startTestApp(async () => {
      store = await databases[0]!.open();
      return store;
    });
    const api = await t.app.inject({
      method: "POST",
      url: "/api/v1/programs/kafe/reports",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({
        title: `API ${marker}`,
        fields: { "location-impact": `impact ${marker}`, steps: `steps ${marker}` },
        credit: { mode: "name", name: `Name ${marker}` },
        contact: { email },
      }),
    });
    expect(api.statusCode).toBe(201);
    tokens.push(tokenFrom(api.json().reporterUrl));

    const form = await openForm(t.app, "/p/kafe/report");
    const body = await multipart(
      {
        _csrf: form.csrf,
        title: `Form ${marker}`,
        "fields.location-impact": `impact ${marker}`,
        "fields.steps": `steps ${marker}`,
        "contact.email": email,
      },
      [
        {
          name: "attachments",
          filename: `${marker}.txt`,
          type: "text/plain",
          data: Buffer.from(`data ${marker}`),
        },
      ],
    );
    const posted = await t.app.inject({
      method: "POST",
      url: "/p/kafe/report",
      headers: { ...body.headers, cookie: form.cookie },
      payload: body.payload,
    });
    expect(posted.statusCode).toBe(303);
    tokens.push(tokenFrom(String(posted.headers.location)));
    for (const token of tokens) {
      expect((await t.app.inject({ method: "GET", url: `/r/${token}` })).body).toContain(marker);
      expect((await t.app.inject({ method: "GET", url: `/r/${token}/receipt` })).statusCode).toBe(200);
    }
    tokens = [...tokens];
  });
  afterAll(async () => {
    await t.close();
  });

  it("logs requests without report content, contact details or tokens", () => {
    const logs = t.logs();
    expect(logs).toContain("/r/[redacted]");
    expect(logs).toContain("/api/v1/programs/kafe/reports");
    expect(logs).not.toContain(marker);
    expect(logs).not.toContain(email);
    for (const token of tokens) expect(logs).not.toContain(token);
  });

  it("writes nothing of it in clear to the SQLite database or its WAL", () => {
    const files = [store.location, `${store.location}-wal`, `${store.location}-shm`].filter((f) =>
      existsSync(f),
    );
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      const bytes = readFileSync(file);
      expect(bytes.includes(marker), file).toBe(false);
      expect(bytes.includes(email), file).toBe(false);
      for (const token of tokens) expect(bytes.includes(token), file).toBe(false);
    }
  });
});
