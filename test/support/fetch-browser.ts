import { cookieHeaderOf, csrfTokenIn, keepSetCookies } from "./cookie-jar.js";
/**
 * A browser over real HTTP (fetch) for tests against a running server: keeps cookies per name
 * (a cleared cookie goes away; Secure ones are kept too, the TLS being the balancer's), reads the
 * CSRF token of the last page, follows no redirects. `address` is sent as X-Forwarded-For, as a
 * client behind one more trusted proxy would arrive: tests on one machine get distinct client
 * addresses that way.
 */
export interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

export class FetchBrowser {
  readonly cookies = new Map<string, string>();
  /** The Set-Cookie lines received, as sent (to check their attributes). */
  readonly setCookies: string[] = [];
  csrf: string | undefined;

  constructor(
    readonly baseUrl: string,
    readonly address?: string,
  ) {}

  async get(path: string): Promise<Answer> {
    return this.send(path, { method: "GET" });
  }

  /** Posts a URL-encoded form with the CSRF token of the last page. */
  async post(path: string, fields: Record<string, string>): Promise<Answer> {
    return this.send(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: this.csrf ?? "", ...fields }).toString(),
    });
  }

  async postJson(path: string, body: unknown): Promise<Answer> {
    return this.send(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  private async send(
    path: string,
    init: { method: string; headers?: Record<string, string>; body?: string },
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size > 0) headers.cookie = cookieHeaderOf(this.cookies);
    if (this.address !== undefined) headers["x-forwarded-for"] = this.address;
    const response = await fetch(new URL(path, this.baseUrl), { ...init, headers, redirect: "manual" });
    const body = await response.text();
    const lines = response.headers.getSetCookie();
    this.setCookies.push(...lines);
    keepSetCookies(this.cookies, lines);
    const csrf = csrfTokenIn(body);
    if (csrf !== undefined) this.csrf = csrf;
    return { status: response.status, headers: response.headers, body };
  }
}
