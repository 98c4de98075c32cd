import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { createStaff } from "../support/staff.js";
import { multipart, openForm, startTestApp, type TestApp } from "../support/web.js";
import { createApiToken, fileReport } from "../support/workspace.js";
import { listen, RawConnection, requestHead } from "./raw-http.js";

/**
 * Bodies are limited per route before they are read. Anonymous requests to staff routes are
 * answered before a byte of their body is taken (they were buffered whole: 6 anonymous
 * multipart POSTs of 100 MB took the server from 159 to 602 MB; a 35 MB JSON body was parsed
 * before the staff API's 401). Multipart forms are read part by part and stop at the route's
 * limit. Bodies without attachments have a small limit. Driven through a real socket where
 * what matters is when the server answers and how much it reads.
 */
const MiB = 1024 * 1024;
const WAIT_MS = 5_000;

describe("body limits on a listening server", () => {
  let t: TestApp;
  let port: number;
  /** The server's side of each connection, by the client's port. */
  const sockets = new Map<number | undefined, Socket>();
  const statuses: number[] = [];
  const open: RawConnection[] = [];
  const connection = async () => {
    const c = await RawConnection.open(port);
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    t = await startTestApp(databases[0]!.open, {
      // Small limits keep the test quick: the route's limit for the report form is 2 MiB + 2 MiB of text.
      limits: { attachmentBytes: 1 * MiB, attachmentsTotalBytes: 2 * MiB },
    });
    port = await listen(t.app);
    t.app.server.on("connection", (socket: Socket) => sockets.set(socket.remotePort, socket));
    t.app.server.on("request", (_request, response) =>
      response.on("finish", () => statuses.push(response.statusCode)),
    );
  });
  afterAll(async () => {
    for (const c of open) c.destroy();
    await t.close();
  });

  const staffRoutes = [
    {
      name: "a staff page's multipart upload",
      url: "/cases/abcdefgh/reply",
      type: "multipart/form-data; boundary=xyz",
      status: 303,
    },
    {
      name: "the staff API's JSON",
      url: "/api/v1/cases/abcdefgh/replies",
      type: "application/json",
      status: 401,
    },
    {
      name: "a staff form",
      url: "/cases/abcdefgh/triage",
      type: "application/x-www-form-urlencoded",
      status: 303,
    },
  ];

  for (const route of staffRoutes) {
    it(`answers an anonymous POST of 100 MB to ${route.name} before its body, and closes`, async () => {
      const c = await connection();
      await c.send(
        requestHead("POST", route.url, { "content-type": route.type, "content-length": 100 * MiB }),
      );
      // Not a byte of the body is sent: the answer must not wait for it.
      const head = await c.head(WAIT_MS);
      expect(head.status).toBe(route.status);
      if (route.status === 303) expect(head.headers.location).toBe("/login");
      else expect(c.text).toContain('"error":"login_required"');
      // Larger than the route would ever take: not read at all, the connection is closed.
      expect(head.headers.connection).toBe("close");
      await c.until((x) => x.closed, WAIT_MS, "close");
    });
  }

  it("refuses anonymous writes on every staff route before their body, not just the ones above", async () => {
    // Every route that takes a body and sends an anonymous caller to sign in (found by asking
    // each one with a valid CSRF token and a small form, as the route matrix does) must say so
    // before reading the body: a staff route registered outside a staffOnly scope
    // (src/web/staff-gate.ts) would read first and fail here.
    const form = await openForm(t.app, "/login");
    // Signing in and out answer anyone without a session with /login or 401: by design, not staff routes.
    const signIn = ["/login", "/login/totp", "/logout"];
    const writes = t.app.registeredRoutes.filter((r) => r.method !== "GET" && !signIn.includes(r.url));
    const staffOnly: string[] = [];
    for (const route of writes) {
      const url = route.url.replace(/:[a-z]+/gi, "abcdefgh");
      const response = await t.app.inject({
        method: route.method as "POST",
        url,
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
        payload: new URLSearchParams({ _csrf: form.csrf }).toString(),
      });
      const toLogin = response.statusCode === 303 && String(response.headers.location).startsWith("/login");
      if (toLogin || response.statusCode === 401) staffOnly.push(`${route.method} ${url}`);
    }
    expect(staffOnly.length).toBeGreaterThan(20);
    for (const route of staffOnly) {
      const [method = "", url = ""] = route.split(" ");
      const c = await connection();
      await c.send(
        requestHead(method, url, {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": 50_000,
        }),
      );
      const head = await c.head(WAIT_MS).catch(() => ({ status: 0 }));
      expect({ route, answered: [303, 401].includes(head.status) }).toEqual({ route, answered: true });
      c.destroy();
    }
  });

  it("drains, without keeping, an anonymous body the route would take, so the answer is seen", async () => {
    for (const route of staffRoutes.slice(0, 2)) {
      const c = await connection();
      const body = Buffer.alloc(3 * MiB, 0x61);
      await c.send(
        requestHead("POST", route.url, { "content-type": route.type, "content-length": body.length }),
      );
      const head = await c.head(WAIT_MS);
      expect(head.status).toBe(route.status);
      expect(head.headers.connection).not.toBe("close");
      // The body is read and thrown away; the same connection then serves the next request.
      await c.send(body);
      await c.send(requestHead("GET", "/healthz", {}));
      expect((await c.head(WAIT_MS, 1)).status).toBe(200);
    }
  });

  it("refuses a report form that announces more than the route takes, before reading it", async () => {
    const form = await openForm(t.app, "/p/kafe/report");
    const c = await connection();
    await c.send(
      requestHead("POST", "/p/kafe/report", {
        "content-type": "multipart/form-data; boundary=xyz",
        "content-length": 100 * MiB,
        cookie: form.cookie,
      }),
    );
    const head = await c.head(WAIT_MS);
    expect(head.status).toBe(413);
    expect(head.headers.connection).toBe("close");
  });

  it("stops reading a streamed multipart form as soon as it goes over the route's limit", async () => {
    const form = await openForm(t.app, "/p/kafe/report");
    const c = await connection();
    const boundary = "----streamed";
    // No Content-Length: the size is known only as the parts arrive.
    await c.send(
      requestHead("POST", "/p/kafe/report", {
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "transfer-encoding": "chunked",
        cookie: form.cookie,
      }),
    );
    const chunk = (data: string | Buffer) => {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from("\r\n")]);
    };
    const field = (name: string, value: string) =>
      `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    await c.send(chunk(field("_csrf", form.csrf) + field("title", "Streamed")));
    const before = statuses.length;
    // Files each under the per-file limit of 1 MiB, 20 MiB in all, 64 KiB at a time.
    const piece = Buffer.alloc(64 * 1024, 0x62);
    sending: for (let file = 0; file < 20; file++) {
      const partHead = `--${boundary}\r\ncontent-disposition: form-data; name="attachments"; filename="f${file}.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`;
      if (!(await c.send(chunk(partHead)))) break;
      for (let i = 0; i < 15; i++) {
        if (c.closed || c.text !== "" || !(await c.send(chunk(piece)))) break sending;
      }
      if (!(await c.send(chunk("\r\n")))) break;
    }
    await c.until((x) => x.closed, WAIT_MS, "close");
    await expect.poll(() => statuses.slice(before)).toContain(413);
    // The route takes 4 MiB; the server read little more before it answered and closed.
    const read = sockets.get(c.localPort)?.bytesRead ?? 0;
    expect(read).toBeGreaterThan(4 * MiB);
    expect(read).toBeLessThan(6 * MiB);
  });
});

describe.each(databases)("small limits for bodies without attachments on $name", (database) => {
  let t: TestApp;
  let token: string;
  let caseId: string;
  let staffCookie: string;
  let staffCsrf: string;
  const big = "x".repeat(200 * 1024);

  beforeAll(async () => {
    t = await startTestApp(database.open);
    const admin = await createStaff(t, { email: "admin@example.org", role: "admin" });
    token = await createApiToken(admin, "kafe", "responder");
    caseId = (await fileReport(t, "kafe")).id;
    await admin.browser.get(`/cases/${caseId}`);
    staffCookie = admin.browser.cookieHeader();
    staffCsrf = admin.browser.csrf ?? "";
  });
  afterAll(async () => {
    await t.close();
  });

  it("refuses a 200 KB sign-in form", async () => {
    const form = await openForm(t.app, "/login");
    const response = await t.app.inject({
      method: "POST",
      url: "/login",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
      // The fields sign-in reads are short; the weight is in one it does not read.
      payload: new URLSearchParams({
        _csrf: form.csrf,
        email: "a@example.org",
        password: "wrong password!",
        padding: big,
      }).toString(),
    });
    expect(response.statusCode).toBe(413);
  });

  it("refuses a 200 KB case form from a signed-in member, URL-encoded or multipart", async () => {
    const urlencoded = await t.app.inject({
      method: "POST",
      url: `/cases/${caseId}/triage`,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: staffCookie },
      payload: new URLSearchParams({ _csrf: staffCsrf, tags: big }).toString(),
    });
    expect(urlencoded.statusCode).toBe(413);
    const body = await multipart({ _csrf: staffCsrf, tags: big });
    const multi = await t.app.inject({
      method: "POST",
      url: `/cases/${caseId}/triage`,
      headers: { ...body.headers, cookie: staffCookie },
      payload: body.payload,
    });
    expect(multi.statusCode).toBe(413);
    // A file where the form takes none, however small, is refused too.
    const withFile = await multipart({ _csrf: staffCsrf, priority: "high" }, [
      { name: "attachments", filename: "a.txt", type: "text/plain", data: Buffer.from("hello") },
    ]);
    const file = await t.app.inject({
      method: "POST",
      url: `/cases/${caseId}/triage`,
      headers: { ...withFile.headers, cookie: staffCookie },
      payload: withFile.payload,
    });
    expect(file.statusCode).toBe(413);
  });

  it("refuses 200 KB of JSON on the staff API's small writes, with a token", async () => {
    const response = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/cases/${caseId}/triage`,
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      payload: JSON.stringify({ tags: [big] }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ error: "too_large" });
  });

  it("still takes the longest answer a reporter may give to a disclosure agreement", async () => {
    const { token: reporterToken } = await fileReport(t, "kafe");
    const form = await openForm(t.app, `/r/${reporterToken}`);
    // 10,000 three-byte characters, nine bytes each once URL-encoded.
    const comment = "€".repeat(10_000);
    const response = await t.app.inject({
      method: "POST",
      url: `/r/${reporterToken}/agreement`,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
      payload: new URLSearchParams({ _csrf: form.csrf, agree: "yes", comment }).toString(),
    });
    // No agreement is pending on a new case: refused for that, not for its size.
    expect(response.statusCode).toBe(409);
  });

  it("still takes a reply with attachments up to the limits from a signed-in member", async () => {
    const body = await multipart({ _csrf: staffCsrf, reply: "Thanks, attached the fix." }, [
      {
        name: "attachments",
        filename: "fix.patch",
        type: "text/x-diff",
        data: Buffer.alloc(900 * 1024, 0x2b),
      },
      {
        name: "attachments",
        filename: "notes.txt",
        type: "text/plain",
        data: Buffer.alloc(900 * 1024, 0x2e),
      },
    ]);
    const response = await t.app.inject({
      method: "POST",
      url: `/cases/${caseId}/reply`,
      headers: { ...body.headers, cookie: staffCookie },
      payload: body.payload,
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/cases/${caseId}?notice=replied-unsent`);
  });
});
