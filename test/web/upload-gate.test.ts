import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { databases } from "../support/databases.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { listen, RawConnection, requestHead } from "./raw-http.js";

/**
 * Anonymous uploads are budgeted before their body is read (src/web/upload-gate.ts). Before,
 * any stranger could hold six report-form uploads of ~27 MB each in memory at once, since the
 * CSRF token and the intake limits are only checked once the form has been read.
 */
const MiB = 1024 * 1024;
const WAIT_MS = 5_000;
const REPORT = "/p/kafe/report";
const multipartHead = (length: number) =>
  requestHead("POST", REPORT, {
    "content-type": "multipart/form-data; boundary=xyz",
    "content-length": length,
  });

describe("the anonymous upload budget", () => {
  let t: TestApp | undefined;
  const open: RawConnection[] = [];
  const connect = async (port: number) => {
    const c = await RawConnection.open(port);
    open.push(c);
    return c;
  };
  afterEach(async () => {
    for (const c of open.splice(0)) c.destroy();
    await t?.close();
    t = undefined;
  });

  async function start(budget: { totalBytes: number; perAddress: number }): Promise<number> {
    const app = await startTestApp(databases[0]!.open, {
      limits: { attachmentBytes: 1 * MiB, attachmentsTotalBytes: 2 * MiB },
      // The test's uploads idle on purpose: no minimum rate within its run.
      uploads: { ...budget, minBytesPerSecond: 1, windowMs: 60_000 },
    });
    t = app;
    return listen(app.app);
  }

  it("lets one address have only so many uploads in flight, refusing the next before its body", async () => {
    const port = await start({ totalBytes: 100 * MiB, perAddress: 1 });
    const first = await connect(port);
    await first.send(multipartHead(3 * MiB));
    await first.send("--xyz\r\n"); // the upload has begun and is still arriving
    await new Promise((resolve) => setTimeout(resolve, 100));

    const second = await connect(port);
    await second.send(multipartHead(3 * MiB));
    const refused = await second.head(WAIT_MS);
    expect(refused.status).toBe(429);
    expect(refused.headers["retry-after"]).toBe("10");
    expect(refused.headers.connection).toBe("close");
    expect(second.text).toContain("Another upload from your address is still being received");
    await second.until((c) => c.closed, WAIT_MS, "close");

    // Once the first has gone, the address may upload again: this one reaches the form's own
    // checks (no CSRF token: 403), past the gate.
    first.destroy();
    await first.until((c) => c.closed, WAIT_MS, "close");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const third = await connect(port);
    const body = "--xyz--\r\n";
    await third.send(multipartHead(body.length) + body);
    expect((await third.head(WAIT_MS)).status).toBe(403);
  });

  it("holds at most its bytes for all strangers together: past it 503, nothing read", async () => {
    const port = await start({ totalBytes: 5 * MiB, perAddress: 10 });
    const first = await connect(port);
    await first.send(multipartHead(4 * MiB));
    await first.send("--xyz\r\n");
    await new Promise((resolve) => setTimeout(resolve, 100));

    const second = await connect(port);
    await second.send(multipartHead(2 * MiB));
    const refused = await second.head(WAIT_MS);
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBe("30");
    expect(refused.headers.connection).toBe("close");
    expect(second.text).toContain("Nothing was kept");

    // A small upload still fits beside the first.
    const small = await connect(port);
    const body = "--xyz--\r\n";
    await small.send(multipartHead(body.length) + body);
    expect((await small.head(WAIT_MS)).status).toBe(403);
  });

  it("counts the JSON intake API too, answering in JSON", async () => {
    const port = await start({ totalBytes: 5 * MiB, perAddress: 1 });
    const first = await connect(port);
    const jsonHead = (length: number) =>
      requestHead("POST", "/api/v1/programs/kafe/reports", {
        "content-type": "application/json",
        "content-length": length,
      });
    await first.send(jsonHead(3 * MiB));
    await first.send("{");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await connect(port);
    await second.send(jsonHead(3 * MiB));
    expect((await second.head(WAIT_MS)).status).toBe(429);
    expect(second.text).toContain('"error":"uploads_in_flight"');
  });

  it("refuses a budget smaller than the largest upload at start", async () => {
    expect(() => loadConfig({ EMBARGO_UPLOAD_MEMORY_BYTES: "1000" }, "/nonexistent/embargo.yaml")).toThrow(
      /EMBARGO_UPLOAD_MEMORY_BYTES: must be at least/,
    );
  });
});
