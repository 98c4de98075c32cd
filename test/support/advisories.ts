import type { CreatedStaff } from "./staff.js";
import type { TestApp } from "./web.js";

/**
 * Advisories through the staff JSON API, as test/workspace/advisories.test.ts drives them: a
 * standalone advisory (no case, so no disclosure gate) written by one member, approved by a
 * second, published. For tests whose subject is what a published advisory becomes (formats,
 * pages, the CSAF provider), not the publishing rules themselves.
 */

/** What a standalone draft says; products name the program's in-scope assets. */
export interface AdvisoryFields {
  title: string;
  /** Publishing needs one. */
  summary: string;
  products?: { id: string; ranges: { versions: string; status: string; fixedIn?: string }[] }[];
  severity?: string;
  cveId?: string;
  cwe?: string;
  references?: { url: string; kind?: string }[];
  cvss31?: string;
}

async function api(who: CreatedStaff, t: TestApp, method: "POST" | "PATCH", url: string, body: unknown) {
  const response = await t.app.inject({
    method,
    url,
    headers: { cookie: who.browser.cookieHeader(), "content-type": "application/json" },
    payload: JSON.stringify(body),
  });
  if (response.statusCode >= 300)
    throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json() as Record<string, unknown>;
}

/** A standalone advisory's draft, saved once (draft version 2); its id. Nothing public yet. */
export async function draftAdvisory(
  t: TestApp,
  program: string,
  author: CreatedStaff,
  fields: AdvisoryFields,
): Promise<string> {
  const created = await api(author, t, "POST", `/api/v1/programs/${program}/advisories`, {});
  const id = String(created.id);
  await api(author, t, "PATCH", `/api/v1/advisories/${id}`, { version: 1, ...fields });
  return id;
}

/** Drafts, has `approver` approve and `author` publish a standalone advisory (revision 1). */
export async function publishAdvisory(
  t: TestApp,
  program: string,
  people: { author: CreatedStaff; approver: CreatedStaff },
  fields: AdvisoryFields,
): Promise<{ id: string; trackingId: string }> {
  const id = await draftAdvisory(t, program, people.author, fields);
  const published = await approveAndPublish(t, id, people, 2);
  return { id, trackingId: String(published.trackingId) };
}

/**
 * A correction of a published advisory: `author` edits the draft at `version` (what the last
 * publication left), `approver` approves, `author` publishes the next revision.
 */
export async function correctAdvisory(
  t: TestApp,
  id: string,
  people: { author: CreatedStaff; approver: CreatedStaff },
  version: number,
  fields: Partial<AdvisoryFields> & { revisionSummary: string },
): Promise<void> {
  await api(people.author, t, "PATCH", `/api/v1/advisories/${id}`, { version, ...fields });
  await approveAndPublish(t, id, people, version + 1);
}

async function approveAndPublish(
  t: TestApp,
  id: string,
  people: { author: CreatedStaff; approver: CreatedStaff },
  version: number,
) {
  await api(people.approver, t, "POST", `/api/v1/advisories/${id}/approval`, { version });
  return api(people.author, t, "POST", `/api/v1/advisories/${id}/publication`, { version });
}
