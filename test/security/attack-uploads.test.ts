import { afterEach, describe, expect, it } from "vitest";
import { largestUploadBytes } from "../../src/config.js";
import { databases } from "../support/databases.js";
import { startTestApp, type TestApp } from "../support/web.js";
import { listen, RawConnection, requestHead } from "../web/raw-http.js";

/**
 * A stranger against the anonymous upload gate (src/web/upload-gate.ts), over real sockets.
 *
 * Before the gate, 100 concurrent 34 MB JSON bodies to /api/v1/programs/<anything>/reports
 * (an unknown program, no proof of work) took a running server from 0.6 to 3.2 GB RSS and held
 * /healthz for 16 s; 24 multipart bodies of 24 MB to /r/<random token>/messages took it from
 * 0.3 to 0.7 GB. The gate bounds that memory. What it still allows is below.
 */
const MiB = 1024 * 1024;
const WAIT_MS = 5_000;
const ATTACHMENTS = 1 * MiB;
const LARGEST = largestUploadBytes(ATTACHMENTS);

describe("the anonymous upload gate under attack", () => {
  let t: TestApp | undefined;
  const open: RawConnection[] = [];
  afterEach(async () => {
    for (const c of open.splice(0)) c.destroy();
    await t?.close();
    t = undefined;
  });

  /** The shipped defaults, scaled: four of the largest upload, two per address, 16 KiB/s over 10 s. */
  async function start(rate = { minBytesPerSecond: 16 * 1024, windowMs: 10_000 }): Promise<number> {
    t = await startTestApp(databases[0]!.open, {
      limits: { attachmentBytes: ATTACHMENTS, attachmentsTotalBytes: ATTACHMENTS },
      uploads: { totalBytes: 4 * LARGEST, perAddress: 2, ...rate },
    });
    return listen(t.app);
  }
  const from = async (port: number, address: string) => {
    const c = await RawConnection.open(port, address);
    open.push(c);
    return c;
  };
  const jsonHead = (length: number) =>
    requestHead("POST", "/api/v1/programs/kafe/reports", {
      "content-type": "application/json",
      "content-length": length,
    });

  // Held: one address gets two uploads read at once; the rest are refused before their body.
  it("refuses a burst from one address before reading it", async () => {
    const port = await start();
    const burst = await Promise.all(Array.from({ length: 6 }, () => from(port, "127.0.0.2")));
    for (const c of burst) await c.send(`${jsonHead(LARGEST)}{`);
    const refused = await Promise.all(burst.slice(2).map((c) => c.head(WAIT_MS)));
    expect(refused.map((r) => r.status)).toEqual([429, 429, 429, 429]);
  });

  // Got through before the minimum rate: the gate reserves an upload's *declared* length for as
  // long as the request lasts (up to EMBARGO_REQUEST_TIMEOUT_SECONDS, 300 s). Two addresses, each
  // with its two allowed uploads declaring the largest size and then idling, held the whole
  // budget: every other reporter got 503 for five minutes, again and again, for four idle TCP
  // connections. Now an upload whose body arrives slower than the minimum rate loses its
  // connection and its reservation at the end of a window.
  it("drops idle uploads after one window, so they cannot lock every reporter out", async () => {
    const port = await start({ minBytesPerSecond: 1024, windowMs: 400 });
    const idle: RawConnection[] = [];
    for (const address of ["127.0.0.2", "127.0.0.2", "127.0.0.3", "127.0.0.3"]) {
      const c = await from(port, address);
      await c.send(`${jsonHead(LARGEST)}{`);
      idle.push(c);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const reporterTries = async () => {
      const reporter = await from(port, "127.0.0.4");
      const body = "--xyz--\r\n";
      await reporter.send(
        requestHead("POST", "/p/kafe/report", {
          "content-type": "multipart/form-data; boundary=xyz",
          "content-length": body.length,
        }) + body,
      );
      return (await reporter.head(WAIT_MS)).status;
    };
    // While the window lasts the budget is spoken for: a reporter is told to come back.
    expect(await reporterTries()).toBe(503);
    for (const c of idle) await c.until((x) => x.closed, WAIT_MS, "the idle upload dropped");
    // Then a reporter elsewhere reaches the form's own checks (no CSRF token: 403).
    expect(await reporterTries()).toBe(403);
  });
});
