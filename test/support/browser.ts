import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AxeResults, ImpactValue, Result } from "axe-core";
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Locator,
  type Page,
} from "playwright-core";
import { totpCodeAt } from "../../src/auth/totp.js";
import { runEmbargo } from "./cli.js";
import { freePort, type ServerProcess, startServerProcess } from "./server-process.js";
import { TEST_PASSWORD } from "./staff.js";

/**
 * Real-browser tests: Debian's Chromium driven by playwright-core (which never downloads a
 * browser), against `embargo serve` running as a child process on a temporary SQLite database.
 * CI installs Chromium with apt (.ci/run). Outside CI a missing Chromium skips these tests with
 * a warning, as a missing PostgreSQL does for the store tests.
 */
export const CHROMIUM_PATH = process.env.EMBARGO_TEST_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function chromiumPresent(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const message = `Chromium is not at ${CHROMIUM_PATH} (apt-get install chromium, or set EMBARGO_TEST_CHROMIUM)`;
  if (process.env.CI === "true") throw new Error(`${message}; CI runs the browser tests`);
  console.warn(`${message}: the browser tests are skipped`);
  return false;
}

/** False when the browser tests cannot run here (outside CI only): `describe.skipIf(!HAS_CHROMIUM)`. */
export const HAS_CHROMIUM = chromiumPresent();

/**
 * One Chromium per test file. Playwright refuses `--user-data-dir` in `args` (that is what
 * `launchPersistentContext` is for); without it, `launch` gives Chromium a fresh temporary profile
 * (mkdtemp under the OS temp folder) of its own and deletes it on `close()`, which is what we want.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/**
 * A fresh context (its own cookies and storage: another person, or the same one elsewhere).
 * Every wait gives up after 10 s, well inside the test's own timeout, so a failure names the step.
 */
export async function newContext(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  return context;
}

export interface Embargo {
  /** The server's own address, also its EMBARGO_PUBLIC_URL, so every link it prints works here. */
  url: string;
  /** The settings the server runs with; the CLI gets the same to reach the same database. */
  env: NodeJS.ProcessEnv;
  server: ServerProcess;
  stop(): Promise<void>;
}

/**
 * `embargo serve` as a child process on a fresh SQLite database in a temporary folder. The port is
 * chosen here (not by startServerProcess) because the public URL has to name it.
 */
export async function startEmbargo(extraEnv: NodeJS.ProcessEnv = {}): Promise<Embargo> {
  const dir = await mkdtemp(path.join(tmpdir(), "embargo-browser-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    EMBARGO_DATABASE_URL: `sqlite:${path.join(dir, "embargo.db")}`,
    EMBARGO_DATA_DIR: dir,
    EMBARGO_SECRET_KEY: randomBytes(32).toString("base64"),
    EMBARGO_POLICIES: "examples/policies",
    EMBARGO_HOST: "127.0.0.1",
    EMBARGO_PORT: String(port),
    EMBARGO_PUBLIC_URL: url,
    ...extraEnv,
  };
  const server = await startServerProcess(env);
  return {
    url,
    env,
    server,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface BrowserStaff {
  email: string;
  password: string;
  totpSecret: string;
}

/** The code an authenticator app shows `steps` time steps from now (the server runs on real time). */
export function totpNow(secret: string, steps = 0): Promise<string> {
  return totpCodeAt(secret, new Date(Date.now() + steps * 30_000));
}

/**
 * A member of staff made as an operator would: `embargo user add` prints the setup link; the
 * person opens it in the browser, types a password twice and enrols TOTP by typing the secret
 * shown on the page (as text, beside the QR code) into an authenticator, here otplib.
 */
export async function addStaffInBrowser(
  embargo: Embargo,
  page: Page,
  options: { email: string; role: "viewer" | "responder" | "admin"; program?: string },
): Promise<BrowserStaff> {
  const added = await runEmbargo(
    [
      "user",
      "add",
      "--email",
      options.email,
      "--role",
      options.role,
      ...(options.program === undefined ? [] : ["--program", options.program]),
    ],
    { env: embargo.env },
  );
  if (added.code !== 0) throw new Error(`embargo user add failed:\n${added.stdout}${added.stderr}`);
  const link = new RegExp(`${escapeRegExp(embargo.url)}/setup/[A-Za-z0-9_-]{43}`).exec(added.stdout)?.[0];
  if (link === undefined) throw new Error(`no setup link in:\n${added.stdout}`);

  await page.goto(link);
  const totpSecret = (await textOf(page.locator("#totp-secret"))).replace(/\s+/g, "");
  const password = `${TEST_PASSWORD} ${options.email}`;
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByLabel("New password, again").fill(password);
  await page.getByLabel(/^Code shown by the app/).fill(await totpNow(totpSecret));
  await page.getByRole("button", { name: "Save" }).click();
  await expectHeading(page, "Your account is ready");
  return { email: options.email, password, totpSecret };
}

/**
 * Signs in at /login, then /login/totp with the next time step's code (setup used the current
 * one, and a code is accepted once). Ends on the inbox.
 */
export async function signInInBrowser(page: Page, embargo: Embargo, staff: BrowserStaff): Promise<void> {
  await page.goto(`${embargo.url}/login`);
  await page.getByLabel("Email").fill(staff.email);
  await page.getByLabel("Password", { exact: true }).fill(staff.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expectHeading(page, "Enter your code");
  await page.getByLabel(/^Code from your authenticator app/).fill(await totpNow(staff.totpSecret, 1));
  await page.getByRole("button", { name: "Continue" }).click();
  await expectHeading(page, "Inbox");
  if (new URL(page.url()).pathname !== "/inbox") throw new Error(`signed in, but on ${page.url()}`);
}

/** An element's text (its DOM text, hidden parts too), with runs of white space as one space. */
export async function textOf(locator: Locator, timeout?: number): Promise<string> {
  const text = await locator.textContent(timeout === undefined ? {} : { timeout });
  return (text ?? "").replace(/\s+/g, " ").trim();
}

/**
 * Waits for the page's h1 to read `text` (after a form posts, the next page loads); otherwise
 * fails with what the page says instead, which is usually the reason.
 */
export async function expectHeading(page: Page, text: string, timeout = 10_000): Promise<void> {
  try {
    await page.getByRole("heading", { level: 1, name: text, exact: true }).waitFor({ timeout });
  } catch {
    const main = await textOf(page.locator("main"), 1000).catch(() => "(no main element)");
    throw new Error(`expected the heading "${text}" on ${page.url()}; the page says:\n${main}`);
  }
}

/** Fills in Kafe's report form (/p/kafe/report) as a person would, by the fields' labels. */
export async function fillKafeReport(page: Page, title: string): Promise<void> {
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByLabel("Affected asset").selectOption({ label: "Kafe source code" });
  await page
    .getByLabel("Location and potential impact (required)")
    .fill("The search page echoes the q parameter unescaped: script runs in the visitor's session.");
  await page
    .getByLabel("Steps to reproduce (required)")
    .fill("1. Open /search?q=<script>alert(1)</script>\n2. See the alert.");
}

/** Reports to Kafe through the web form and returns the private case link from the receipt. */
export async function reportToKafeInBrowser(page: Page, embargo: Embargo, title: string): Promise<string> {
  await page.goto(`${embargo.url}/p/kafe/report`);
  await fillKafeReport(page, title);
  await page.getByRole("button", { name: "Send report" }).click();
  await expectHeading(page, "Your report was received");
  const link = await page.locator(".capability a").getAttribute("href");
  if (link === null) throw new Error("no private link on the receipt");
  return link;
}

/** A report through the JSON intake API, for tests about what comes after; its reporter link. */
export async function submitReportByApi(
  embargo: Embargo,
  program: string,
  report: Record<string, unknown>,
): Promise<{ id: string; reporterUrl: string }> {
  const response = await fetch(`${embargo.url}/api/v1/programs/${program}/reports`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(report),
  });
  const body: unknown = await response.json();
  if (response.status !== 201 || typeof body !== "object" || body === null)
    throw new Error(`intake answered ${response.status}: ${JSON.stringify(body)}`);
  const { id, reporterUrl } = body as { id?: unknown; reporterUrl?: unknown };
  if (typeof id !== "string" || typeof reporterUrl !== "string")
    throw new Error(`unexpected intake answer: ${JSON.stringify(body)}`);
  return { id, reporterUrl };
}

// -------------------------------------------------------------------------------------------
// Layout and accessibility

/** How far the page scrolls sideways: the document's width, to compare with the viewport's. */
export function scrollWidth(page: Page): Promise<number> {
  return page.evaluate<number>("document.documentElement.scrollWidth");
}

const AXE_SCRIPT = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const BLOCKING: readonly ImpactValue[] = ["serious", "critical"];

/**
 * Runs axe-core (WCAG 2.x A and AA rules, plus best practices) on the page as it is. The page's
 * CSP (`script-src 'self'`) blocks injected scripts, so the page must come from a context made
 * with `bypassCSP: true`: use one only for these runs, never for the tests of the real pages.
 */
export async function runAxe(page: Page, rules: AxeRules = "all"): Promise<AxeResults> {
  await page.addScriptTag({ path: AXE_SCRIPT });
  const options = {
    resultTypes: ["violations"],
    runOnly: rules === "colour" ? { type: "rule", values: COLOUR_RULES } : { type: "tag", values: AXE_TAGS },
    ...(rules === "layout"
      ? { rules: Object.fromEntries(COLOUR_RULES.map((rule) => [rule, { enabled: false }])) }
      : {}),
  };
  return page.evaluate<AxeResults>(`axe.run(document, ${JSON.stringify(options)})`);
}

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

/**
 * Which of those rules: all; only the ones whose outcome depends on colours alone ("colour"); or
 * all but those ("layout"). Colour contrast is most of axe-core's time on a page.
 */
export type AxeRules = "all" | "colour" | "layout";
const COLOUR_RULES = ["color-contrast", "link-in-text-block"];

/** The violations that fail a test: impact serious or critical. */
export function blockingViolations(results: AxeResults): Result[] {
  return results.violations.filter((v) => v.impact != null && BLOCKING.includes(v.impact));
}

/** Violations as text a person can act on: rule, impact, help link and each offending element. */
export function describeViolations(violations: readonly Result[]): string {
  return violations
    .map((v) =>
      [
        `${v.id} (${v.impact ?? "no impact"}): ${v.help} — ${v.helpUrl}`,
        ...v.nodes.map(
          (node) =>
            `  ${node.target.join(" ")}\n    ${node.html}\n    ${(node.failureSummary ?? "").replaceAll("\n", "\n    ")}`,
        ),
      ].join("\n"),
    )
    .join("\n");
}

// -------------------------------------------------------------------------------------------
// Artifacts

export const ARTIFACTS_DIR = path.resolve("test-artifacts");

/** A full-page screenshot in test-artifacts/ (CI keeps the folder); returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await mkdir(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Closes contexts without letting one failure hide another's. */
export async function closeAll(...contexts: (BrowserContext | undefined)[]): Promise<void> {
  await Promise.allSettled(contexts.map((context) => context?.close()));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The two screens the browser tests look at: a phone and a laptop. */
export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 800 };

/** Opens a fold (<details>) by clicking its summary, as a person would; works without JavaScript. */
export async function unfold(scope: Page | Locator, summary: string): Promise<void> {
  await scope
    .locator("summary")
    .filter({ hasText: new RegExp(`^${summary}$`) })
    .click();
}

/**
 * Signs in with single sign-on: the sign-in page's "Sign in with {provider}" button, then the
 * test provider's own login form (test/support/oidc-provider.ts: any password for a known
 * login), back to Embargo. Ends on the inbox.
 */
export async function signInWithSsoInBrowser(
  page: Page,
  embargo: Embargo,
  options: { provider: string; login: string },
): Promise<void> {
  await page.goto(`${embargo.url}/login`);
  await page.getByRole("link", { name: `Sign in with ${options.provider}` }).click();
  await page.locator('input[name="login"]').fill(options.login);
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await expectHeading(page, "Inbox");
  if (new URL(page.url()).pathname !== "/inbox") throw new Error(`signed in, but on ${page.url()}`);
}
