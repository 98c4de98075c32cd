import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Notification } from "./notification.js";
import { verifyWebhookSignature } from "./signing.js";
import { sendWebhook } from "./webhook-sender.js";

/** A notification for tests, with text that tries every markup trick the formats must neutralise. */
function testNotification(overrides: Partial<Notification> = {}): Notification {
  return {
    idempotencyKey: "case1:ack:warn:0",
    program: "Kitsu",
    caseId: "case1",
    event: "escalation.warn",
    subject: "[Kitsu] Acknowledge <b>now</b> & @room",
    text: 'Line one <script>alert("x")</script>\nLine two <!channel> @all',
    url: "https://embargo.example.org/staff/cases/case1?tab=a&b=c",
    createdAt: "2025-01-01T00:00:00.000Z",
    ...overrides,
  };
}

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on 127.0.0.1; each test says how it answers. */
let server: Server;
let base: string;
let received: Received[] = [];
let respond: (res: ServerResponse) => void;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      respond(res);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  respond = (res) => res.writeHead(204).end();
});

const now = new Date("2025-01-01T12:00:00Z");
const notification = testNotification();

describe("sendWebhook", () => {
  it("posts signed JSON with the documented headers", async () => {
    const result = await sendWebhook({
      url: `${base}/hook?token=s3cr3t`,
      format: "generic",
      secret: "whsec_1",
      notification,
      now,
    });
    expect(result).toEqual({ ok: true });
    expect(received).toHaveLength(1);
    const req = received[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/hook?token=s3cr3t");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["user-agent"]).toBe("Embargo");
    expect(req.headers["idempotency-key"]).toBe(notification.idempotencyKey);
    expect(req.headers["x-embargo-event"]).toBe("escalation.warn");
    expect(JSON.parse(req.body)).toMatchObject({
      id: notification.idempotencyKey,
      subject: notification.subject,
    });
    const signature = String(req.headers["x-embargo-signature"]);
    expect(signature).toMatch(/^t=1735732800,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature("whsec_1", req.body, signature, now)).toBe(true);
    expect(verifyWebhookSignature("whsec_2", req.body, signature, now)).toBe(false);
  });

  it("sends each format's body, and signs every format", async () => {
    for (const format of ["slack", "matrix", "rocketchat"] as const) {
      received = [];
      expect(await sendWebhook({ url: base, format, secret: "k", notification, now })).toEqual({ ok: true });
      const req = received[0]!;
      const body = JSON.parse(req.body) as Record<string, unknown>;
      if (format === "slack") expect(Object.keys(body)).toEqual(["text"]);
      if (format === "matrix") expect(body).toMatchObject({ username: "Embargo", html: expect.any(String) });
      if (format === "rocketchat")
        expect(body).toMatchObject({ alias: "Embargo", attachments: expect.any(Array) });
      expect(verifyWebhookSignature("k", req.body, String(req.headers["x-embargo-signature"]), now)).toBe(
        true,
      );
    }
  });

  it("leaves the signature out without a secret", async () => {
    await sendWebhook({ url: base, format: "generic", notification, now });
    expect(received[0]!.headers["x-embargo-signature"]).toBeUndefined();
  });

  it("reports 500 as retryable without quoting the response body or the URL's query", async () => {
    respond = (res) => res.writeHead(500).end(`echo: ${notification.text}`);
    const result = await sendWebhook({ url: `${base}/h?token=s3cr3t`, format: "generic", notification, now });
    expect(result).toEqual({ ok: false, retryable: true, error: `HTTP 500 from ${new URL(base).host}` });
  });

  it("retries 408, 425 and 429, not other 4xx", async () => {
    for (const [status, retryable] of [
      [408, true],
      [425, true],
      [429, true],
      [503, true],
      [400, false],
      [401, false],
      [404, false],
      [410, false],
    ] as const) {
      respond = (res) => res.writeHead(status).end();
      const result = await sendWebhook({ url: base, format: "generic", notification, now });
      expect(result, String(status)).toEqual({
        ok: false,
        retryable,
        error: expect.stringContaining(`HTTP ${status}`),
      });
    }
  });

  it("does not follow a redirect", async () => {
    respond = (res) => res.writeHead(301, { Location: `${base}/elsewhere` }).end();
    const result = await sendWebhook({ url: `${base}/hook`, format: "generic", notification, now });
    expect(result).toEqual({
      ok: false,
      retryable: false,
      error: expect.stringContaining("HTTP 301 redirect"),
    });
    expect(received.map((r) => r.path)).toEqual(["/hook"]);
  });

  it("times out on a server that never answers (retryable)", async () => {
    respond = () => {};
    const started = Date.now();
    const result = await sendWebhook({ url: base, format: "generic", notification, now, timeoutMs: 200 });
    expect(result).toEqual({
      ok: false,
      retryable: true,
      error: expect.stringMatching(/^timed out after 0\.2 s/),
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("reports a refused connection as retryable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await sendWebhook({
      url: `http://127.0.0.1:${port}/`,
      format: "generic",
      notification,
      now,
    });
    expect(result).toEqual({ ok: false, retryable: true, error: `connection refused (127.0.0.1:${port})` });
  });

  it("refuses non-http URLs and URLs with credentials, without echoing them", async () => {
    for (const url of ["file:///etc/passwd", "ftp://x.example/", "not a url", "http://user:pw@x.example/"]) {
      const result = await sendWebhook({ url, format: "generic", notification, now });
      expect(result).toMatchObject({ ok: false, retryable: false });
      if (!result.ok) expect(result.error).not.toMatch(/passwd|pw@/);
    }
    expect(received).toHaveLength(0);
  });

  it("refuses an event that cannot be a header value", async () => {
    const bad = testNotification({ event: "a\r\nX-Injected: 1" });
    expect(await sendWebhook({ url: base, format: "generic", notification: bad, now })).toMatchObject({
      ok: false,
      retryable: false,
    });
    expect(received).toHaveLength(0);
  });
});
