import type { LightMyRequestResponse } from "fastify";
import { type CreatedStaff, signIn } from "./staff.js";
import { multipart, type TestApp, tokenFrom, type UploadFile } from "./web.js";

/** Shared by the workspace tests (test/workspace/*.test.ts). */

/** A template answer for each program's required fields. */
const REQUIRED_FIELDS: Record<string, Record<string, string>> = {
  kafe: { "location-impact": "The admin page.", steps: "Open it." },
  kitsu: { description: "The bio field renders HTML." },
  kulupu: { name: "Ada", description: "A bug.", components: "node", reproduction: "Run it." },
  privacytools: { description: "The bio field renders HTML." },
  rocketchat: { description: "Messages leak between rooms." },
};

export interface FiledReport {
  id: string;
  /** The case's reference, as the intake answered it: `KITSU-1`. */
  reference: string;
  token: string;
  acknowledgeBy: string | null;
}

/** Files a report through the public JSON intake API, as a stranger would. */
export async function fileReport(
  t: TestApp,
  program: string,
  report: {
    title?: string;
    asset?: string;
    fields?: Record<string, string>;
    contact?: { email?: string; openpgpKey?: string };
  } = {},
): Promise<FiledReport> {
  const response = await t.app.inject({
    method: "POST",
    url: `/api/v1/programs/${program}/reports`,
    headers: { "content-type": "application/json" },
    payload: JSON.stringify({
      title: report.title ?? "Stored XSS in the profile page",
      fields: report.fields ?? REQUIRED_FIELDS[program] ?? {},
      ...(report.asset === undefined ? {} : { asset: report.asset }),
      contact: report.contact ?? { email: "ada@example.org" },
    }),
  });
  if (response.statusCode !== 201) throw new Error(`intake: ${response.statusCode} ${response.body}`);
  const body = response.json() as {
    id: string;
    reference: string;
    reporterUrl: string;
    acknowledgeBy: string | null;
  };
  return {
    id: body.id,
    reference: body.reference,
    token: tokenFrom(body.reporterUrl),
    acknowledgeBy: body.acknowledgeBy,
  };
}

/** Posts a case page's form as the browser would: the page first (for its CSRF token), then the form. */
export async function postCaseForm(
  staff: CreatedStaff,
  caseId: string,
  action: string,
  fields: Record<string, string>,
): Promise<LightMyRequestResponse> {
  await staff.browser.get(`/cases/${caseId}`);
  return staff.browser.post(`/cases/${caseId}/${action}`, fields);
}

/** Posts a form with repeated fields (checkboxes), URL-encoded. */
export async function postCaseFormEntries(
  staff: CreatedStaff,
  caseId: string,
  action: string,
  entries: [string, string][],
): Promise<LightMyRequestResponse> {
  await staff.browser.get(`/cases/${caseId}`);
  const body = new URLSearchParams([["_csrf", staff.browser.csrf ?? ""], ...entries]);
  const response = await staff.browser.app.inject({
    method: "POST",
    url: `/cases/${caseId}/${action}`,
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: staff.browser.cookieHeader() },
    payload: body.toString(),
  });
  staff.browser.remember(response);
  return response;
}

/** Posts a multipart form (with files) from the case page. */
export async function postCaseMultipart(
  staff: CreatedStaff,
  caseId: string,
  action: string,
  fields: Record<string, string>,
  files: UploadFile[] = [],
): Promise<LightMyRequestResponse> {
  await staff.browser.get(`/cases/${caseId}`);
  const { payload, headers } = await multipart({ _csrf: staff.browser.csrf ?? "", ...fields }, files);
  const response = await staff.browser.app.inject({
    method: "POST",
    url: `/cases/${caseId}/${action}`,
    headers: { ...headers, cookie: staff.browser.cookieHeader() },
    payload,
  });
  staff.browser.remember(response);
  return response;
}

/** An API token made by an administrator on /account/tokens. */
export async function createApiToken(admin: CreatedStaff, program: string, role: string): Promise<string> {
  await admin.browser.get("/account/tokens");
  const response = await admin.browser.post("/account/tokens", { name: `${program} ${role}`, program, role });
  const token = /id="new-token">([^<]+)</.exec(response.body)?.[1];
  if (token === undefined) throw new Error(`no token: ${response.statusCode}`);
  return token;
}

/** The visible text of a page: tags dropped, entities of quotes and ampersands decoded. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}

export const HOUR_MS = 3_600_000;

/** Moves the test app's clock on by `hours`. */
export function advance(t: TestApp, hours: number): void {
  t.clock.set(new Date(t.clock.now().getTime() + hours * HOUR_MS));
}

/**
 * Moves the clock to `at` (or on by `hours`) and signs the members of staff in again: sessions
 * end after half an hour without a request.
 */
export async function later(t: TestApp, when: { hours: number } | { at: Date }, ...staff: CreatedStaff[]) {
  if ("at" in when) t.clock.set(when.at);
  else advance(t, when.hours);
  for (const member of staff) {
    const response = await signIn(t, member.browser, { email: member.email, password: member.password });
    if (response.statusCode !== 303) throw new Error(`sign-in again: ${response.statusCode}`);
  }
}

/** Rocket.Chat's resolution checklist (`incident.register.resolutionRequires`), by item key. */
export const ROCKETCHAT_RESOLUTION_KEYS = [
  "implementation",
  "testing",
  "reaching-out-to-other-parties-necessary-e-g-the-authorities",
];

/**
 * What Rocket.Chat's incident register asks of a case before it moves on: a due date to leave
 * triage, and the resolution checklist checked to become fixed (test/workspace/incident-register.test.ts
 * proves the refusals; other tests just keep the rules).
 */
export async function keepRocketChatRegister(staff: CreatedStaff, caseId: string, dueDate = "2030-01-31") {
  const dated = await postCaseForm(staff, caseId, "triage", {
    priority: "",
    "due-date": dueDate,
    severity: "",
    cwe: "",
    asset: "",
  });
  if (dated.statusCode !== 303) throw new Error(`due date: ${dated.statusCode}`);
  for (const key of ROCKETCHAT_RESOLUTION_KEYS) {
    const checked = await postCaseForm(staff, caseId, "checklist", { list: "resolution", key, done: "yes" });
    if (checked.statusCode !== 303) throw new Error(`checklist ${key}: ${checked.statusCode}`);
  }
}
