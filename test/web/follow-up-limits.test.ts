import { afterEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import { databases } from "../support/databases.js";
import {
  multipart,
  openForm,
  startTestApp,
  type TestApp,
  tokenFrom,
  type UploadFile,
} from "../support/web.js";

/**
 * Reporter follow-ups (messages on the private case page) are limited per case link, by bytes
 * per case link, and per address, counted in the database before a message is stored (found:
 * 30 messages of 3 MB in 3 s through one link, all stored). A refused message is shown again,
 * with what was typed, the limit that was hit and when to try again.
 */
const report = { title: "Follow me", fields: { "location-impact": "here", steps: "there" } };
const ATTACKER = "203.0.113.7";

describe.each(databases)("follow-up limits on $name", (database) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const start = async (followUpLimits: Config["followUpLimits"], limits?: Config["limits"]) => {
    t = await startTestApp(database.open, { followUpLimits, ...(limits === undefined ? {} : { limits }) });
    return t;
  };
  const newCase = async (app: TestApp) => {
    const created = await app.app.inject({
      method: "POST",
      url: "/api/v1/programs/kafe/reports",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify(report),
    });
    expect(created.statusCode).toBe(201);
    return tokenFrom(created.json().reporterUrl);
  };
  const poster = async (app: TestApp, token: string) => {
    const form = await openForm(app.app, `/r/${token}`);
    return async (message: string, files: UploadFile[] = [], remoteAddress = ATTACKER) => {
      const body = await multipart({ _csrf: form.csrf, message }, files);
      return app.app.inject({
        method: "POST",
        url: `/r/${token}/messages`,
        remoteAddress,
        headers: { ...body.headers, cookie: form.cookie },
        payload: body.payload,
      });
    };
  };
  const statuses = (responses: { statusCode: number }[]) => {
    const count = new Map<number, number>();
    for (const { statusCode } of responses) count.set(statusCode, (count.get(statusCode) ?? 0) + 1);
    return Object.fromEntries(count);
  };
  const storedMessages = async (app: TestApp) =>
    (
      await app.store.db
        .selectFrom("case_events")
        .select("type")
        .where("type", "=", "reporter.message")
        .execute()
    ).length;

  it("stores exactly 10 of 30 concurrent messages through one link, and shows the 11th again", async () => {
    const app = await start({
      perCasePerHour: 10,
      bytesPerCasePerHour: 30 * 1024 * 1024,
      perAddressPerHour: 100,
    });
    const post = await poster(app, await newCase(app));
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => post(`Message ${i}`)));
    expect(statuses(responses)).toEqual({ 303: 10, 429: 20 });
    expect(await storedMessages(app)).toBe(10);

    const refused = await post("Typed and kept", [
      { name: "attachments", filename: "more.txt", type: "text/plain", data: Buffer.from("more") },
    ]);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["retry-after"]).toBe(String(6 * 60));
    expect(refused.headers["cache-control"]).toBe("no-store");
    expect(refused.body).toContain("You have sent many messages on this case in the last hour.");
    expect(refused.body).toContain("Please send this one in 6 minutes");
    expect(refused.body).toContain("please attach them again");
    expect(refused.body).toContain(">Typed and kept</textarea>");
  });

  it("limits the bytes sent through one link in an hour", async () => {
    const app = await start(
      { perCasePerHour: 100, bytesPerCasePerHour: 1_000_000, perAddressPerHour: 100 },
      { attachmentBytes: 300_000, attachmentsTotalBytes: 300_000 },
    );
    const post = await poster(app, await newCase(app));
    const file = {
      name: "attachments",
      filename: "big.bin",
      type: "application/octet-stream",
      data: Buffer.alloc(300_000, 1),
    };
    const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => post(`Big ${i}`, [file])));
    // 1,000,000 bytes an hour carry three messages of 300,000 bytes and a few characters.
    expect(statuses(responses)).toEqual({ 303: 3, 429: 3 });
    const refused = responses.find((response) => response.statusCode === 429)!;
    expect(refused.body).toContain("You have sent a lot of data on this case in the last hour.");
    // A message without attachments still fits.
    expect((await post("Just text")).statusCode).toBe(303);
  });

  it("limits one address across the case links it holds", async () => {
    const app = await start({
      perCasePerHour: 100,
      bytesPerCasePerHour: 30 * 1024 * 1024,
      perAddressPerHour: 3,
    });
    const first = await poster(app, await newCase(app));
    const second = await poster(app, await newCase(app));
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? first : second)(`Spread ${i}`)),
    );
    expect(statuses(responses)).toEqual({ 303: 3, 429: 5 });
    const refused = responses.find((response) => response.statusCode === 429)!;
    expect(refused.body).toContain("Too many messages from your address.");
    // Another address with the same link is not held back by this one.
    expect((await first("From elsewhere", [], "198.51.100.9")).statusCode).toBe(303);
  });
});
