import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { openForm, startTestApp, type TestApp } from "../support/web.js";
import { listen, RawConnection, requestHead } from "./raw-http.js";

/**
 * A client that sends its request slowly, a byte at a time, is cut off: the whole request
 * (body included) must arrive within the request timeout, its headers within the headers
 * timeout. Without them 30 such sockets stayed open for minutes. The timeouts here are short
 * (set through the config, as EMBARGO_REQUEST_TIMEOUT_SECONDS and …_HEADERS_… do); the bound
 * the test allows is generous, and without the timeouts the sockets would stay open past it.
 */
const REQUEST_MS = 1_500;
const HEADERS_MS = 1_000;
const BOUND_MS = 10_000;

describe("slow clients on a listening server", () => {
  let t: TestApp;
  let port: number;
  const open: RawConnection[] = [];
  const connection = async () => {
    const c = await RawConnection.open(port);
    open.push(c);
    return c;
  };
  /** Sends one byte every 100 ms until the server closes the connection (or the bound passes). */
  const dribble = async (c: RawConnection, byte: string) => {
    const until = Date.now() + BOUND_MS;
    while (!c.closed && Date.now() < until) {
      await c.send(byte);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    t = await startTestApp(databases[0]!.open, {
      timeouts: { requestMs: REQUEST_MS, headersMs: HEADERS_MS },
    });
    port = await listen(t.app);
  });
  afterAll(async () => {
    for (const c of open) c.destroy();
    await t.close();
  });

  it("closes a connection whose body is dribbled past the request timeout, with 408", async () => {
    const c = await connection();
    await c.send(
      requestHead("POST", "/api/v1/programs/kafe/reports", {
        "content-type": "application/json",
        "content-length": 100_000,
      }),
    );
    await dribble(c, " ");
    expect(c.closed).toBe(true);
    expect(c.text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("closes a dribbled multipart report form the same way", async () => {
    const form = await openForm(t.app, "/p/kafe/report");
    const c = await connection();
    await c.send(
      requestHead("POST", "/p/kafe/report", {
        "content-type": "multipart/form-data; boundary=xyz",
        "content-length": 100_000,
        cookie: form.cookie,
      }),
    );
    await c.send(`--xyz\r\ncontent-disposition: form-data; name="_csrf"\r\n\r\n${form.csrf}\r\n`);
    await c.send('--xyz\r\ncontent-disposition: form-data; name="fields.steps"\r\n\r\n');
    await dribble(c, "a");
    expect(c.closed).toBe(true);
    expect(c.text).toMatch(/^HTTP\/1\.1 408 /);
    // The server is none the worse for it, and logged no failure of its own.
    expect((await t.app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    expect(t.logs()).not.toContain('"level":50');
  });

  it("closes a connection whose headers are dribbled past the headers timeout", async () => {
    const c = await connection();
    await c.send("GET / HTTP/1.1\r\nhost: 127.0.0.1\r\n");
    await dribble(c, "x");
    expect(c.closed).toBe(true);
  });

  it("closes a connection that sends nothing", async () => {
    const c = await connection();
    await c.until((x) => x.closed, BOUND_MS, "close");
    expect(c.text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("still takes a request that arrives in pieces within the timeout", async () => {
    const body = JSON.stringify({
      title: "In pieces",
      fields: { "location-impact": "here", steps: "there" },
    });
    const c = await connection();
    await c.send(
      requestHead("POST", "/api/v1/programs/kafe/reports", {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      }),
    );
    for (const piece of [body.slice(0, 10), body.slice(10, 20), body.slice(20)]) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await c.send(piece);
    }
    expect((await c.head(BOUND_MS)).status).toBe(201);
  });
});
