import type { LightMyRequestResponse } from "fastify";
import type { Role } from "../../src/auth/staff.js";
import { totpCodeAt } from "../../src/auth/totp.js";
import { createSetupLink, createUser } from "../../src/auth/users.js";
import type { EmbargoApp } from "../../src/web/app.js";
import { cookieHeaderOf, csrfTokenIn, keepSetCookies } from "./cookie-jar.js";
import type { TestApp } from "./web.js";

/**
 * A browser for `app.inject`: keeps cookies like a browser would (per name; a cleared cookie
 * goes away), reads the CSRF token of the last page, posts URL-encoded forms.
 */
export class Browser {
  readonly cookies = new Map<string, string>();
  csrf: string | undefined;

  constructor(readonly app: EmbargoApp) {}

  cookieHeader(): string {
    return cookieHeaderOf(this.cookies);
  }

  remember(response: LightMyRequestResponse): void {
    const raw = response.headers["set-cookie"];
    keepSetCookies(this.cookies, Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]);
    const csrf = csrfTokenIn(response.body);
    if (csrf !== undefined) this.csrf = csrf;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({
      method: "GET",
      url,
      headers: { cookie: this.cookieHeader(), ...headers },
    });
    this.remember(response);
    return response;
  }

  /** Posts a form with the CSRF token of the last page. */
  async post(url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({
      method: "POST",
      url,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: this.cookieHeader() },
      payload: new URLSearchParams({ _csrf: this.csrf ?? "", ...fields }).toString(),
    });
    this.remember(response);
    return response;
  }

  get session(): string | undefined {
    return this.cookies.get("embargo-session");
  }
}

export const TEST_PASSWORD = "correct horse battery staple";

/** The TOTP secret shown in text on a setup or enrolment page. */
export function totpSecretOf(html: string): string {
  const text = /id="totp-secret">([^<]+)</.exec(html)?.[1];
  if (text === undefined) throw new Error("no TOTP secret on the page");
  return text.replace(/\s+/g, "");
}

export function recoveryCodesOf(html: string): string[] {
  return [...html.matchAll(/<li><code>([a-z2-7]{5}-[a-z2-7]{5})<\/code><\/li>/g)].map((m) => m[1] ?? "");
}

/** A code from the authenticator `steps` time steps after the injected clock's now. */
export function codeAt(t: TestApp, secret: string, steps = 0): Promise<string> {
  return totpCodeAt(secret, new Date(t.clock.now().getTime() + steps * 30_000));
}

export interface StaffOptions {
  email: string;
  role: Role;
  /** A program slug; default every program (`*`). */
  program?: string;
  /** Enrol TOTP at setup and pass it at sign-in. */
  totp?: boolean;
  /** The role covers only the cases assigned to them or their team group (`--assigned-only`). */
  assignedOnly?: boolean;
  password?: string;
}

export interface CreatedStaff {
  userId: string;
  /** The `cookie` header of the signed-in browser (session and CSRF cookies). */
  cookie: string;
  browser: Browser;
  email: string;
  password: string;
  totpSecret?: string;
  recoveryCodes?: string[];
}

/** Completes a setup link through the real setup page. */
export async function completeSetupPage(
  t: TestApp,
  browser: Browser,
  token: string,
  options: { password: string; totp: boolean; email?: string },
): Promise<{ response: LightMyRequestResponse; totpSecret?: string; recoveryCodes: string[] }> {
  const page = await browser.get(`/setup/${token}`);
  if (page.statusCode !== 200) throw new Error(`GET /setup: ${page.statusCode}`);
  const totpSecret = options.totp ? totpSecretOf(page.body) : undefined;
  const response = await browser.post(`/setup/${token}`, {
    ...(options.email === undefined ? {} : { email: options.email }),
    password: options.password,
    password2: options.password,
    code: totpSecret === undefined ? "" : await codeAt(t, totpSecret),
  });
  if (response.statusCode !== 200) throw new Error(`POST /setup: ${response.statusCode}\n${response.body}`);
  return {
    response,
    ...(totpSecret === undefined ? {} : { totpSecret }),
    recoveryCodes: recoveryCodesOf(response.body),
  };
}

/** Signs in through /login (and /login/totp); the TOTP code is taken `steps` steps ahead. */
export async function signIn(
  t: TestApp,
  browser: Browser,
  credentials: { email: string; password: string; totpSecret?: string; totpSteps?: number },
): Promise<LightMyRequestResponse> {
  await browser.get("/login");
  const response = await browser.post("/login", { email: credentials.email, password: credentials.password });
  if (credentials.totpSecret === undefined || response.statusCode !== 303) return response;
  if (!String(response.headers.location).startsWith("/login/totp")) return response;
  await browser.get("/login/totp");
  return browser.post("/login/totp", {
    code: await codeAt(t, credentials.totpSecret, credentials.totpSteps ?? 1),
  });
}

/**
 * A signed-in member of staff, made as an administrator would (the user and their setup link,
 * as `embargo user add` does), then through the real setup and sign-in pages. With TOTP, the
 * sign-in code is the next time step's (the setup used the current one, and codes are single-use).
 */
export async function createStaff(t: TestApp, options: StaffOptions): Promise<CreatedStaff> {
  const password = options.password ?? `${TEST_PASSWORD} ${options.email}`;
  const { userId } = await createUser(t.store, {
    email: options.email,
    memberships: [
      {
        program: options.program ?? "*",
        role: options.role,
        ...(options.assignedOnly === true ? { scope: "assigned" as const } : {}),
      },
    ],
    actor: "test",
    now: t.clock.now(),
  });
  const { token } = await createSetupLink(t.store, userId, { now: t.clock.now(), actor: "test" });
  const browser = new Browser(t.app);
  const setup = await completeSetupPage(t, browser, token, { password, totp: options.totp === true });
  const signedIn = await signIn(t, browser, {
    email: options.email,
    password,
    ...(setup.totpSecret === undefined ? {} : { totpSecret: setup.totpSecret }),
  });
  if (signedIn.statusCode !== 303 || browser.session === undefined)
    throw new Error(`sign-in failed: ${signedIn.statusCode}\n${signedIn.body}`);
  return {
    userId,
    cookie: browser.cookieHeader(),
    browser,
    email: options.email,
    password,
    ...(setup.totpSecret === undefined ? {} : { totpSecret: setup.totpSecret }),
    ...(setup.recoveryCodes.length === 0 ? {} : { recoveryCodes: setup.recoveryCodes }),
  };
}

/** The staff JSON API as `who` (their session cookie), with a JSON body when one is given. */
export function staffJson(
  t: TestApp,
  who: CreatedStaff,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  url: string,
  body?: unknown,
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method,
    url,
    headers: {
      cookie: who.browser.cookieHeader(),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
}

/** The member's user id, as events and rows name them. */
export async function userIdOf(t: TestApp, who: CreatedStaff): Promise<string> {
  const row = await t.store.db
    .selectFrom("users")
    .select("id")
    .where("email", "=", who.email)
    .executeTakeFirstOrThrow();
  return row.id;
}
