import type { BrowserContext } from "playwright-core";
import { type Embargo, submitReportByApi } from "./browser.js";

/**
 * Issue 13's data for the browser tests (test/browser/disclosure-pages.test.ts), made through the
 * doors people use against a running `embargo serve`: the intake API, and the staff JSON API with
 * signed-in members' browser sessions (`context.request` shares the context's cookies). Like
 * test/support/advisories.ts, but for a server in another process instead of `t.app.inject`.
 */

/** A name that is HTML: every page must show it as text. */
export const HOSTILE_NAME = "<img src=x onerror=alert(1)>";
export const ADVISORY_TITLE = "Room messages reach former members after a reconnect";
export const REWARDED_TITLE = "Messages leak between rooms";
const CVSS31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:N";
const CVSS40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N";

type Method = "GET" | "POST" | "PATCH" | "PUT";
type Api = (method: Method, path: string, body?: unknown) => Promise<Record<string, unknown>>;

/** Staff JSON API calls with a context's signed-in session; each fails with the answer unless 2xx. */
export function staffApi(embargo: Embargo, context: BrowserContext): Api {
  return async (method, path, body) => {
    const response = await context.request.fetch(`${embargo.url}${path}`, {
      method,
      ...(body === undefined ? {} : { data: body, headers: { "content-type": "application/json" } }),
    });
    const text = await response.text();
    if (!response.ok()) throw new Error(`${method} ${path} answered ${response.status()}: ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
}

/**
 * Kafe's hall of fame: two reporters credited once their issues are fixed and disclosed (Kafe
 * credits only after a change), one by name with a link and a CVE id, one whose handle is HTML.
 * `lead` may work Kafe's cases. The hall of fame's URL.
 */
export async function creditedKafeReporters(embargo: Embargo, lead: Api): Promise<string> {
  const fields = { "location-impact": "The admin page.", steps: "Open it." };
  const [ada, hostile] = await Promise.all([
    submitReportByApi(embargo, "kafe", {
      title: "RCE in the deploy recipe",
      fields,
      credit: { mode: "name", name: "Ada Lovelace", link: "https://ada.example" },
    }),
    submitReportByApi(embargo, "kafe", {
      title: "XSS in the changelog",
      fields,
      credit: { mode: "handle", name: HOSTILE_NAME },
    }),
  ]);
  await lead("PUT", `/api/v1/cases/${ada.id}/identifiers`, { cveId: "CVE-2026-41234", aliases: [] });
  for (const report of [ada, hostile])
    for (const to of ["triaged", "in-progress", "fixed", "disclosed"])
      await lead("POST", `/api/v1/cases/${report.id}/transitions`, { to });
  return `${embargo.url}/p/kafe/hall-of-fame`;
}

/**
 * A Rocket.Chat bounty of 1,500.50 USD, proposed by `proposer` and approved by `approver` (two
 * members: the proposer may not approve). The reporter's private page and the case page.
 */
export async function approvedBounty(
  embargo: Embargo,
  people: { proposer: Api; approver: Api },
): Promise<{ reporter: string; staffCase: string }> {
  const report = await submitReportByApi(embargo, "rocketchat", {
    title: REWARDED_TITLE,
    fields: { description: "Moving a thread leaks its messages." },
    credit: { mode: "handle", name: "grace", link: "https://grace.example" },
    contact: { email: "grace@example.org" },
  });
  await people.proposer("POST", `/api/v1/cases/${report.id}/reward`, {
    kind: "bounty",
    amount: "1500.50",
    currency: "USD",
  });
  await people.approver("POST", `/api/v1/cases/${report.id}/reward/approve`, { proposal: 1 });
  return { reporter: report.reporterUrl, staffCase: `${embargo.url}/cases/${report.id}` };
}

const cloud = {
  id: "rocketchat-cloud",
  ranges: [{ versions: "live", status: "fixed", fixedIn: "2026-12-09" }],
};
const release = { versions: ">=7.0.0 <7.0.4", status: "affected", fixedIn: "7.0.4" };

/**
 * A standalone Rocket.Chat advisory (no case, so no disclosure gate) with CVE id, CWE, both CVSS
 * scores, products, a reference and credits (one HTML), published as revision 1 and corrected as
 * revision 2 (another affected line); each written by one member and approved by the other. Its
 * public page and its staff page.
 */
export async function advisoryPublishedTwice(
  embargo: Embargo,
  people: { author: Api; reviewer: Api },
): Promise<{ page: string; staffPage: string }> {
  const { author, reviewer } = people;
  const id = String((await author("POST", "/api/v1/programs/rocketchat/advisories", {})).id);
  await author("PATCH", `/api/v1/advisories/${id}`, {
    version: 1,
    title: ADVISORY_TITLE,
    summary: "A member who left a room kept receiving its messages until they signed in again.",
    description:
      "Update to **7.0.4**. See [the release notes](https://github.com/RocketChat/Rocket.Chat/releases/tag/7.0.4).",
    cveId: "CVE-2026-40002",
    cwe: "CWE-284",
    cvss31: CVSS31,
    cvss40: CVSS40,
    products: [{ id: "rocketchat-product", ranges: [release] }, cloud],
    references: [
      { url: "https://github.com/RocketChat/Rocket.Chat/releases/tag/7.0.4", kind: "release-notes" },
    ],
    credits: [
      { name: "Ada Lovelace", type: "finder", url: "https://ada.example/" },
      { name: HOSTILE_NAME, type: "remediation reviewer" },
    ],
  });
  await reviewer("POST", `/api/v1/advisories/${id}/approval`, { version: 2 });
  const first = await author("POST", `/api/v1/advisories/${id}/publication`, { version: 2 });
  await reviewer("PATCH", `/api/v1/advisories/${id}`, {
    version: 2,
    products: [
      {
        id: "rocketchat-product",
        ranges: [release, { versions: ">=6.13.0 <6.13.3", status: "affected", fixedIn: "6.13.3" }],
      },
      cloud,
    ],
    revisionSummary: "The 6.13 line is affected too; 6.13.3 fixes it.",
  });
  await author("POST", `/api/v1/advisories/${id}/approval`, { version: 3 });
  const second = await author("POST", `/api/v1/advisories/${id}/publication`, { version: 3 });
  if (first.revision !== 1 || second.revision !== 2)
    throw new Error(`published revisions ${String(first.revision)} and ${String(second.revision)}`);
  return { page: String(second.url), staffPage: `${embargo.url}/advisories/rocketchat/${id}` };
}
