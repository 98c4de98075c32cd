import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Result } from "axe-core";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import {
  type AxeRules,
  blockingViolations,
  closeAll,
  DESKTOP,
  describeViolations,
  newContext,
  PHONE,
  runAxe,
  saveScreenshot,
  scrollWidth,
} from "./browser.js";

/**
 * Every page a test names, seen the four ways issue 15 asks for: 375 and 1280 px wide, light and
 * dark. Each is kept as a full-page screenshot in test-artifacts/pages/ (CI keeps the folder), and
 * checked for sideways scrolling and for serious or critical axe-core violations (see
 * `axeRulesFor` for which rules in which view).
 */
export const SCREENS = [
  ["375", PHONE],
  ["1280", DESKTOP],
] as const;
export const COLOR_SCHEMES = ["light", "dark"] as const;

/**
 * The axe-core rules each view runs. The dark scheme changes colours only and the widths change
 * only the layout (`assertStylesheetKeepsViews` holds the stylesheet to that), so colour rules
 * run once per scheme, at 375 px, and the others once per width, in the light scheme: every rule
 * meets every difference between the views, and colour contrast, most of axe-core's time, runs
 * on half the views. The fourth view (1280 px, dark) is still measured and kept as a screenshot.
 */
function axeRulesFor(
  size: (typeof SCREENS)[number][0],
  scheme: (typeof COLOR_SCHEMES)[number],
): AxeRules | null {
  if (scheme === "light") return size === "375" ? "all" : "layout";
  return size === "375" ? "colour" : null;
}

const STYLESHEET = fileURLToPath(new URL("../../assets/embargo.css", import.meta.url));

/**
 * What `axeRulesFor` relies on: the dark-scheme block sets colours only, and no width query
 * hides or shows anything. Fails the audit (naming the rule) when the stylesheet stops keeping it.
 */
export async function assertStylesheetKeepsViews(): Promise<void> {
  const css = (await readFile(STYLESHEET, "utf8")).replaceAll(/\/\*[\s\S]*?\*\//g, "");
  for (const block of css.matchAll(/@media[^{]*\{((?:[^{}]*\{[^{}]*\})*)[^{}]*\}/g)) {
    const [query, body] = [block[0].slice(0, block[0].indexOf("{")), block[1] ?? ""];
    const declarations = [...body.matchAll(/\{([^{}]*)\}/g)].flatMap((rule) =>
      (rule[1] ?? "")
        .split(";")
        .map((declaration) => declaration.replaceAll(/\s+/g, " ").trim())
        .filter((declaration) => declaration !== ""),
    );
    const allowed = query.includes("prefers-color-scheme")
      ? (declaration: string) => /^(--[\w-]+|background|color) ?:/.test(declaration)
      : (declaration: string) => !/^(display ?: ?none|visibility|content)\b/.test(declaration);
    const broken = declarations.filter((declaration) => !allowed(declaration));
    if (broken.length > 0)
      throw new Error(
        `${query.trim()} sets ${broken.join(", ")}: the page audit's axeRulesFor no longer covers it`,
      );
  }
}

export interface PageAuditOptions {
  /** Name → absolute URL (or a function that brings a page there itself, e.g. through a form). */
  pages: Readonly<Record<string, string | ((page: Page) => Promise<void>)>>;
  /** Who looks: a signed-in member's cookies, or none for a stranger. */
  storageState?: BrowserContextOptions["storageState"];
  /** Run after the screenshot and before the checks, e.g. to open every fold. */
  beforeChecks?: (page: Page, name: string) => Promise<void>;
  /** Only these names at 1280 px (default: every page at both widths). */
  wideOnly?: readonly string[];
}

export interface PageAudit {
  /** "name (1280 px, dark):" and the violations, one entry per page that has any. */
  blocking: string[];
  /** Moderate and minor violations: printed, not failing. */
  minor: Result[];
  /** "name (375 px, light): 412 px wide", one entry per page wider than its screen. */
  overflow: string[];
  /** The files written, relative to test-artifacts/. */
  screenshots: string[];
}

/**
 * Runs the audit. axe-core is injected with a script tag, which the pages' CSP (script-src 'self')
 * blocks, so these contexts bypass the CSP: use them only here, never for tests of the real pages.
 */
export async function auditPages(browser: Browser, options: PageAuditOptions): Promise<PageAudit> {
  await assertStylesheetKeepsViews();
  const audit: PageAudit = { blocking: [], minor: [], overflow: [], screenshots: [] };
  for (const colorScheme of COLOR_SCHEMES) {
    const context = await newContext(browser, {
      bypassCSP: true,
      colorScheme,
      viewport: PHONE,
      ...(options.storageState === undefined ? {} : { storageState: options.storageState }),
    });
    try {
      const page = await context.newPage();
      for (const [size, viewport] of SCREENS) {
        await page.setViewportSize(viewport);
        for (const [name, target] of Object.entries(options.pages)) {
          if (size === "1280" && options.wideOnly !== undefined && !options.wideOnly.includes(name)) continue;
          const where = `${name} (${size} px, ${colorScheme})`;
          if (typeof target === "string") await page.goto(target);
          else await target(page);
          const file = `pages/${name}-${size}-${colorScheme}`;
          await saveScreenshot(page, file);
          audit.screenshots.push(`${file}.png`);
          await options.beforeChecks?.(page, name);
          const width = await scrollWidth(page);
          if (width > viewport.width) audit.overflow.push(`${where}: ${width} px wide`);
          const rules = axeRulesFor(size, colorScheme);
          if (rules === null) continue;
          const results = await runAxe(page, rules);
          const blocking = blockingViolations(results);
          if (blocking.length > 0) audit.blocking.push(`${where}:\n${describeViolations(blocking)}`);
          audit.minor.push(...results.violations.filter((v) => !blocking.includes(v)));
        }
      }
    } finally {
      await closeAll(context);
    }
  }
  if (audit.minor.length > 0)
    console.info(`axe-core, moderate and minor (not failing):\n${describeViolations(audit.minor)}`);
  return audit;
}
