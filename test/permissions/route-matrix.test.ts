import { randomBytes } from "node:crypto";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { databases } from "../support/databases.js";
import { Browser, createStaff } from "../support/staff.js";
import { startTestApp, type TestApp } from "../support/web.js";

/**
 * Who may reach what: every route of the app, requested as each kind of visitor, against a
 * table of expected outcomes. A route the table does not list fails the test, so a new route
 * cannot ship without a decision about who may use it.
 *
 * Outcomes: "ok" — the request got past authorisation (2xx, a redirect elsewhere than the
 * sign-in page, or a 4xx about the request itself such as 400/409); "login" — 401 or a
 * redirect to /login; "forbidden" — 403; "hidden" — 404 (what you may not see, you cannot
 * tell exists). Every form request carries a valid CSRF token, so 403 means the role.
 */
type Outcome = "ok" | "login" | "forbidden" | "hidden";
/**
 * `assigned` and `unassigned` are responders limited to assigned cases on Kafe (an outside
 * contractor, `embargo user role --assigned-only`): the case is assigned to the first, not the second.
 * The case is confidential: the administrator marked it and named the viewer, the responder and
 * both contractors; `notNamed` (a Kafe responder) and `adminNotNamed` (an administrator of every
 * program) are not named, so the case does not exist for them.
 */
const ROLES = [
  "anonymous",
  "reporter",
  "viewer",
  "otherProgram",
  "responder",
  "admin",
  "assigned",
  "unassigned",
  "notNamed",
  "adminNotNamed",
] as const;
type Visitor = (typeof ROLES)[number];
type Expected = Record<Visitor, Outcome>;

const all = (outcome: Outcome): Expected =>
  Object.fromEntries(ROLES.map((role) => [role, outcome])) as Expected;
const PUBLIC = all("ok");
/** Capability links: only the holder of the reporter's token gets in. */
const REPORTER_LINK: Expected = { ...all("hidden"), reporter: "ok" };
/** Any signed-in staff member, whatever their programs. */
const SIGNED_IN: Expected = { ...all("ok"), anonymous: "login", reporter: "login" };
/** The case: a member limited to assigned cases sees it only when it is theirs (else 404, as another program's). */
const READ_CASE: Expected = {
  ...SIGNED_IN,
  otherProgram: "hidden",
  unassigned: "hidden",
  notNamed: "hidden",
  adminNotNamed: "hidden",
};
const WORK_CASE: Expected = { ...READ_CASE, viewer: "forbidden" };
/** The whole program (its policy, advisories, exports): not for a member limited to assigned cases. */
const READ_PROGRAM: Expected = { ...READ_CASE, assigned: "hidden", notNamed: "ok", adminNotNamed: "ok" };
const WORK_PROGRAM: Expected = { ...READ_PROGRAM, viewer: "forbidden" };
const ADMIN_ONLY: Expected = {
  ...SIGNED_IN,
  viewer: "forbidden",
  otherProgram: "forbidden",
  responder: "forbidden",
  assigned: "forbidden",
  unassigned: "forbidden",
  notNamed: "forbidden",
};

interface Entry {
  expected: Expected;
  /** Form fields (pages) or a JSON body (API). */
  body?: Record<string, unknown>;
}

const TABLE: Record<string, Entry> = {
  "GET /assets/*": { expected: PUBLIC },
  // @simplewebauthn/browser, served from node_modules for the passkey script.
  "GET /assets/vendor/simplewebauthn-browser.js": { expected: PUBLIC },
  "GET /": { expected: PUBLIC },
  "GET /p/:program": { expected: PUBLIC },
  "GET /.well-known/security.txt": { expected: PUBLIC },
  "GET /p/:program/security.txt": { expected: PUBLIC },
  // Kafe promises credit: its hall of fame is public (test/workspace/credit.test.ts).
  "GET /p/:program/hall-of-fame": { expected: PUBLIC },
  // Kafe's policy has no program key: nobody gets one, everybody gets the same answer.
  "GET /p/:program/openpgp.asc": { expected: all("hidden") },
  // Public announcements: Kafe's policy publishes none, so everybody gets 404 (a program that
  // publishes them: test/workspace/public-announcements.test.ts).
  "GET /p/:program/announcements": { expected: all("hidden") },
  "GET /p/:program/announcements.atom": { expected: all("hidden") },
  "GET /p/:program/announcements/:slug": { expected: all("hidden") },
  // Published advisories (issue 13): Kafe has none yet, so an empty index and feed; the
  // document's address here names no advisory (answers: test/web/advisory-pages.test.ts).
  "GET /p/:program/advisories": { expected: PUBLIC },
  "GET /p/:program/advisories.atom": { expected: PUBLIC },
  "GET /p/:program/advisories/:document": { expected: all("hidden") },
  // The CSAF provider (test/formats/csaf-provider.test.ts): Kafe's feed and listings are empty;
  // the document's address here names no year and no file.
  "GET /.well-known/csaf/provider-metadata.json": { expected: PUBLIC },
  "GET /.well-known/csaf/:program/white/csaf-feed-tlp-white.json": { expected: PUBLIC },
  "GET /.well-known/csaf/:program/white/index.txt": { expected: PUBLIC },
  "GET /.well-known/csaf/:program/white/changes.csv": { expected: PUBLIC },
  "GET /.well-known/csaf/:program/white/:year/:file": { expected: all("hidden") },
  // Web Key Directory: no program has a key in this database, so no address has one.
  "GET /.well-known/openpgpkey/hu/:hash": { expected: all("hidden") },
  "GET /.well-known/openpgpkey/policy": { expected: PUBLIC },
  "GET /p/:program/report": { expected: PUBLIC },
  "POST /p/:program/report": { expected: PUBLIC, body: { title: "" } },
  "GET /api/v1/programs/:program": { expected: PUBLIC },
  // Without product and version: 400 for everyone (answers: test/web/affected-api.test.ts).
  "GET /api/v1/programs/:program/affected": { expected: PUBLIC },
  "POST /api/v1/programs/:program/reports": { expected: PUBLIC, body: { title: "" } },
  "GET /api/v1/pow/challenge": { expected: PUBLIC },
  "GET /api/v1/openapi.json": { expected: PUBLIC },
  "GET /healthz": { expected: PUBLIC },
  "GET /r/:token": { expected: REPORTER_LINK },
  "GET /r/:token/receipt": { expected: REPORTER_LINK },
  "POST /r/:token/messages": { expected: REPORTER_LINK, body: { message: "more details" } },
  "POST /r/:token/agreement": { expected: REPORTER_LINK, body: { agree: "yes", comment: "" } },
  // Kafe's policy takes no publication warning (409 for the reporter).
  "POST /r/:token/publication-intent": {
    expected: REPORTER_LINK,
    body: { action: "declare", "publish-on": "2030-01-01", message: "I will publish." },
  },
  // Kafe's policy offers no reward: nothing to decline (409 for the reporter).
  "POST /r/:token/reward/decline": { expected: REPORTER_LINK, body: { message: "" } },
  // Kafe's policy invites no feedback (409 for the reporter).
  "POST /r/:token/feedback": { expected: REPORTER_LINK, body: { feedback: "Well handled." } },
  "GET /r/:token/attachments/:id": { expected: REPORTER_LINK },
  "POST /r/:token/credit": { expected: REPORTER_LINK, body: { mode: "anonymous", name: "", link: "" } },
  "GET /login": { expected: PUBLIC },
  // Wrong credentials: refused with 401, the same for everyone.
  "POST /login": {
    expected: all("login"),
    body: { email: "nobody@example.org", password: "wrong password!" },
  },
  // Without the first step's pending session there is nothing to confirm: back to /login.
  "GET /login/totp": { expected: all("login") },
  "POST /login/totp": { expected: all("login"), body: { code: "000000" } },
  // Passkey sign-in takes JSON from the page's script: a form is refused (415) whoever sends it.
  // Its refusals (challenge, credential, counter, CSRF) are in test/auth/passkeys.test.ts.
  "POST /login/passkey/options": { expected: PUBLIC },
  "POST /login/passkey": { expected: PUBLIC },
  "POST /login/totp/passkey/options": { expected: PUBLIC },
  "POST /login/totp/passkey": { expected: PUBLIC },
  // Single sign-on (routes that exist only with a provider configured; see SSO below): anyone may
  // begin it. Probed where the provider is never contacted: a provider id that is not configured
  // (404 for all), and a callback this browser did not start (400 for all).
  "GET /login/oidc/:provider": { expected: all("hidden") },
  "GET /login/oidc/:provider/callback": { expected: PUBLIC },
  // Signed out (or never in): back to the sign-in page.
  "POST /logout": { expected: all("login") },
  // Setup links are capabilities too; nobody in this table holds one.
  "GET /setup/:token": { expected: all("hidden") },
  "GET /setup/:token/totp.svg": { expected: all("hidden") },
  "POST /setup/:token": { expected: all("hidden"), body: { password: "x" } },
  "GET /account": { expected: SIGNED_IN },
  "GET /account/totp": { expected: SIGNED_IN },
  "GET /account/totp.svg": { expected: SIGNED_IN },
  "POST /account/totp": { expected: SIGNED_IN, body: { code: "000000" } },
  "POST /account/recovery-codes": { expected: SIGNED_IN, body: {} },
  "GET /account/passkeys": { expected: SIGNED_IN },
  // JSON only (415 to a form), once signed in.
  "POST /account/passkeys/options": { expected: SIGNED_IN },
  "POST /account/passkeys": { expected: SIGNED_IN },
  // New recovery codes confirmed with a passkey: JSON only, once signed in (refusals in test/auth/passkeys.test.ts).
  "POST /account/recovery-codes/passkey/options": { expected: SIGNED_IN },
  "POST /account/recovery-codes/passkey": { expected: SIGNED_IN },
  // Nobody's passkey has this id: "not found", as another member's would be.
  "POST /account/passkeys/:id/rename": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: { name: "Laptop" },
  },
  "POST /account/passkeys/:id/remove": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: {},
  },
  "GET /api/v1/me": { expected: SIGNED_IN },
  "GET /account/tokens": { expected: ADMIN_ONLY },
  "POST /account/tokens": { expected: ADMIN_ONLY, body: { name: "ci", program: "kafe", role: "viewer" } },
  // The token does not exist: no staff member learns more than "not found".
  "POST /account/tokens/:id/revoke": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: {},
  },
  "GET /inbox": { expected: SIGNED_IN },
  // The programs with an incident register one may work (none here: a page that says so).
  "GET /incidents/new": { expected: SIGNED_IN },
  // Kafe keeps no incident register: no incident opens in it, whoever asks (the roles on a
  // program with one: test/workspace/staff-incidents.test.ts).
  "GET /programs/:program/incidents/new": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
  },
  "POST /programs/:program/incidents": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: { title: "Alert", description: "It fired." },
  },
  "POST /api/v1/programs/:program/incidents": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: { title: "Alert", description: "It fired." },
  },
  // Metrics cover the programs one may see (none is "ok", with nothing in it).
  "GET /dashboard": { expected: SIGNED_IN },
  "GET /metrics": { expected: SIGNED_IN },
  "GET /admin/deliveries": { expected: ADMIN_ONLY },
  // A reload affects every program: administrators of every program only (src/programs/reload.ts).
  "GET /admin/policies": { expected: ADMIN_ONLY },
  // The program's whole policy, for those who read its cases (test/web/policy-audiences.test.ts).
  "GET /admin/policies/:program": { expected: READ_PROGRAM },
  "POST /admin/policies/reload": { expected: ADMIN_ONLY, body: {} },
  "GET /mail/queue": { expected: SIGNED_IN },
  // No such message (the id is a case's): not found, whoever asks.
  "GET /mail/queue/:id/raw": { expected: { ...all("hidden"), anonymous: "login", reporter: "login" } },
  "POST /mail/queue/:id/dismiss": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: {},
  },
  "POST /mail/queue/:id/retry": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: {},
  },
  // No such delivery (the id is a case's): not found, whoever asks.
  "POST /admin/deliveries/:id/retry": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: {},
  },
  "GET /admin/members": { expected: ADMIN_ONLY },
  // No such member (the id is a case's): not found, whoever asks.
  "POST /admin/members/:id/disable": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: {},
  },
  "POST /admin/members/:id/enable": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: {},
  },
  "POST /admin/members/:id/revoke-tokens": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: {},
  },
  "POST /admin/members/:id/remove": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: { confirm: "yes" },
  },
  "POST /admin/members/:id/memberships/remove": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: { program: "kafe" },
  },
  "GET /cwe": { expected: SIGNED_IN },
  // The keyboard shortcuts (issue 15): a page of keys, nothing of any program.
  "GET /help/keys": { expected: SIGNED_IN },
  "GET /api/v1/cwe": { expected: SIGNED_IN },
  "GET /api/v1/cases": { expected: SIGNED_IN },
  "GET /cases/:id": { expected: READ_CASE },
  "GET /cases/:id/attachments/:aid": { expected: READ_CASE },
  // A case form's URL opened again (after a refusal left it in the address bar): back to the case.
  "GET /cases/:id/:action": { expected: READ_CASE },
  "GET /api/v1/cases/:id": { expected: READ_CASE },
  "GET /api/v1/cases/:id/attachments/:aid": { expected: READ_CASE },
  "POST /cases/:id/acknowledge": { expected: WORK_CASE, body: {} },
  "POST /cases/:id/reply": { expected: WORK_CASE, body: { message: "Thanks, looking." } },
  "POST /cases/:id/note": { expected: WORK_CASE, body: { note: "internal" } },
  // Assigned to the contractor again and again, so the case stays theirs for the routes after it.
  "POST /cases/:id/assign": { expected: WORK_CASE, body: { assignee: ":contractor" } },
  "POST /cases/:id/follow": { expected: WORK_CASE, body: {} },
  "POST /cases/:id/unfollow": { expected: WORK_CASE, body: {} },
  "POST /cases/:id/triage": { expected: WORK_CASE, body: { priority: "low" } },
  "POST /cases/:id/transition": { expected: WORK_CASE, body: { to: "nowhere" } },
  "POST /cases/:id/incident-phase": { expected: WORK_CASE, body: { phase: "assessment", action: "start" } },
  "POST /cases/:id/fix-release": { expected: WORK_CASE, body: { "released-at": "" } },
  // Kafe's policy asks for no agreement (409 for those who may work the case).
  "POST /cases/:id/agreement": { expected: WORK_CASE, body: { "agreement-note": "By phone." } },
  // Kafe's policy has no checklists and no phase questions (400 for those who may work the case).
  "POST /cases/:id/checklist": { expected: WORK_CASE, body: { list: "resolution", key: "x", done: "yes" } },
  "POST /cases/:id/answer": {
    expected: WORK_CASE,
    body: { phase: "assessment", question: "0", answer: "yes" },
  },
  // Kafe's policy sets no authority deadline (400), and its case is no privacy incident (409).
  "POST /cases/:id/privacy-incident": { expected: WORK_CASE, body: { "privacy-since": "" } },
  "POST /cases/:id/authority-notified": { expected: WORK_CASE, body: { "authority-notified-at": "" } },
  // Kafe keeps no background links (400 for those who may work the case).
  "POST /cases/:id/background-links": {
    expected: WORK_CASE,
    body: { action: "add", url: "https://e.example/" },
  },
  // Kafe's policy has no incident phases (no postmortem) and tells no affected users (400).
  "POST /cases/:id/root-cause": { expected: WORK_CASE, body: { "root-cause": "Unescaped output." } },
  "POST /cases/:id/action-items": {
    expected: WORK_CASE,
    body: {
      "action-title": "Escape",
      "action-kind": "code",
      "action-owner": "x",
      "action-due": "2030-01-31",
    },
  },
  "POST /cases/:id/action-item-change": {
    expected: WORK_CASE,
    body: { "action-item": "1", "change-owner": "x", "change-due": "2030-01-31" },
  },
  "POST /cases/:id/action-item-done": { expected: WORK_CASE, body: { "action-item": "1", "done-note": "" } },
  "POST /cases/:id/user-data-affected": { expected: WORK_CASE, body: { "user-data-since": "" } },
  "POST /cases/:id/users-notified": {
    expected: WORK_CASE,
    body: { channel: "email", "users-notified-note": "Sent." },
  },
  // Nor has a Kafe case an announcement: 404 once the case's own checks pass (403 for a viewer).
  "POST /cases/:id/announcement-draft": {
    expected: { ...WORK_CASE, responder: "hidden", admin: "hidden", assigned: "hidden" },
    body: { "announcement-title": "Fixed", "announcement-slug": "", "announcement-body": "Fixed." },
  },
  "POST /cases/:id/announcement-approve": {
    expected: { ...WORK_CASE, responder: "hidden", admin: "hidden", assigned: "hidden" },
    body: { revision: "1" },
  },
  "POST /cases/:id/announcement-publish": {
    expected: { ...WORK_CASE, responder: "hidden", admin: "hidden", assigned: "hidden" },
    body: { revision: "1" },
  },
  "POST /api/v1/cases/:id/acknowledge": { expected: WORK_CASE, body: {} },
  "POST /api/v1/cases/:id/replies": { expected: WORK_CASE, body: { text: "Thanks." } },
  "POST /api/v1/cases/:id/notes": { expected: WORK_CASE, body: { text: "internal" } },
  "POST /api/v1/cases/:id/assignee": { expected: WORK_CASE, body: { userId: ":contractor" } },
  // Confidentiality (test/web/confidential-cases.test.ts): a name that is no member's is refused
  // (400) once the case's own checks pass, so the list the matrix set stays as it is.
  "POST /cases/:id/confidential": {
    expected: WORK_CASE,
    body: { confidential: "yes", members: "aaaaaaaaaaaaaaaa" },
  },
  "POST /api/v1/cases/:id/confidentiality": {
    expected: WORK_CASE,
    body: { confidential: true, members: ["aaaaaaaaaaaaaaaa"] },
  },
  "PATCH /api/v1/cases/:id/triage": { expected: WORK_CASE, body: { priority: "medium" } },
  "POST /api/v1/cases/:id/incident-phases": { expected: WORK_CASE, body: { phase: "nope", action: "start" } },
  "POST /api/v1/cases/:id/transitions": { expected: WORK_CASE, body: { to: "triaged" } },
  "POST /api/v1/cases/:id/fix-release": { expected: WORK_CASE, body: {} },
  "POST /api/v1/cases/:id/agreement": { expected: WORK_CASE, body: { note: "By phone." } },
  "POST /api/v1/cases/:id/checklist": {
    expected: WORK_CASE,
    body: { list: "resolution", key: "x", done: true },
  },
  "POST /api/v1/cases/:id/answers": {
    expected: WORK_CASE,
    body: { phase: "assessment", question: 0, answer: "yes" },
  },
  "POST /api/v1/cases/:id/privacy-incident": { expected: WORK_CASE, body: {} },
  "POST /api/v1/cases/:id/authority-notification": { expected: WORK_CASE, body: {} },
  // The disclosure plan (test/jobs/disclosure-plan.test.ts): Kafe's policy has no phase "x" and the
  // task position is left unfilled (400 for those who may work the case).
  "GET /api/v1/cases/:id/disclosure-plan": { expected: READ_CASE },
  "POST /api/v1/cases/:id/disclosure-plan/tasks/:phase/:n": { expected: WORK_CASE, body: { done: true } },
  "POST /api/v1/cases/:id/disclosure-plan/move": {
    expected: WORK_CASE,
    body: { what: "phase:x", to: "2030-01-01T00:00:00Z", reason: "r" },
  },
  "POST /cases/:id/disclosure-task": { expected: WORK_CASE, body: { phase: "x", task: "0", owner: "" } },
  "POST /cases/:id/disclosure-move": {
    expected: WORK_CASE,
    body: { what: "phase:x", to: "2030-01-01T00:00", reason: "r" },
  },
  // The affected-release matrix and identifiers (test/workspace/affected-releases.test.ts): Kafe's
  // policy has no asset "x" and no phase "x" (400 for those who may work the case).
  "POST /cases/:id/affected": { expected: WORK_CASE, body: { asset: "x", version: "1", status: "affected" } },
  "POST /cases/:id/releases": { expected: WORK_CASE, body: { asset: "x", version: "1" } },
  "POST /cases/:id/identifiers": { expected: WORK_CASE, body: { "cve-id": "CVE-2026-1234", aliases: "" } },
  "POST /cases/:id/related-cases": { expected: WORK_CASE, body: { phase: "x" } },
  // Kafe has no place marked by hand, and no place "x" (400 for those who may work the case).
  "POST /cases/:id/credit-given": { expected: WORK_CASE, body: { place: "x", note: "" } },
  "GET /api/v1/cases/:id/affected": { expected: READ_CASE },
  "PUT /api/v1/cases/:id/affected": {
    expected: WORK_CASE,
    body: { asset: "x", version: "1", status: "affected" },
  },
  "POST /api/v1/cases/:id/releases": { expected: WORK_CASE, body: { asset: "x", version: "1" } },
  "PUT /api/v1/cases/:id/identifiers": { expected: WORK_CASE, body: { cveId: "CVE-2026-1234" } },
  // Rewards (test/workspace/rewards.test.ts): Kafe's policy offers none, so a proposal is refused
  // (409) and there is nothing to approve, pay or withdraw (409) for those who may work the case.
  "GET /api/v1/cases/:id/reward": { expected: READ_CASE },
  "POST /api/v1/cases/:id/reward": {
    expected: WORK_CASE,
    body: { kind: "bounty", amount: "500", currency: "USD" },
  },
  "POST /api/v1/cases/:id/reward/approve": { expected: WORK_CASE, body: {} },
  "POST /api/v1/cases/:id/reward/paid": { expected: WORK_CASE, body: { paidOn: "2026-01-01" } },
  "POST /api/v1/cases/:id/reward/withdraw": { expected: WORK_CASE, body: {} },
  "GET /api/v1/programs/:program/rewards.csv": { expected: WORK_PROGRAM },
  "POST /cases/:id/reward-propose": {
    expected: WORK_CASE,
    body: { "reward-kind": "bounty", "reward-amount": "500", "reward-currency": "USD" },
  },
  "POST /cases/:id/reward-approve": { expected: WORK_CASE, body: { "reward-proposal": "1" } },
  "POST /cases/:id/reward-paid": {
    expected: WORK_CASE,
    body: { "reward-proposal": "1", "reward-paid-on": "2026-01-01" },
  },
  "POST /cases/:id/reward-withdraw": { expected: WORK_CASE, body: { "reward-proposal": "1" } },
  // Advisories (test/workspace/advisories.test.ts): the program's list and creation follow the case
  // rule; the id here is a case's, so no advisory is found (a viewer may not write even that).
  "GET /advisories/:program": { expected: READ_PROGRAM },
  "POST /advisories/:program": { expected: WORK_PROGRAM, body: {} },
  "GET /advisories/:program/:id": { expected: { ...all("hidden"), anonymous: "login", reporter: "login" } },
  "POST /advisories/:program/:id": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login", viewer: "forbidden" },
    body: { version: "1", title: "Fixed" },
  },
  "POST /advisories/:program/:id/approve": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login", viewer: "forbidden" },
    body: { version: "1" },
  },
  "POST /advisories/:program/:id/publish": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login", viewer: "forbidden" },
    body: { version: "1" },
  },
  "GET /api/v1/programs/:program/advisories": { expected: READ_PROGRAM },
  "POST /api/v1/programs/:program/advisories": { expected: WORK_PROGRAM, body: {} },
  "GET /api/v1/advisories/:id": { expected: { ...all("hidden"), anonymous: "login", reporter: "login" } },
  "PATCH /api/v1/advisories/:id": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: { title: "Fixed" },
  },
  "POST /api/v1/advisories/:id/approval": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: { version: 1 },
  },
  "POST /api/v1/advisories/:id/publication": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: { version: 1 },
  },
  // Problem management: Kafe's policy has none, so its problems are not found by anyone signed in,
  // and its case's problem forms answer 404 once the case's own checks pass (403 for a viewer).
  // test/workspace/problem-management.test.ts covers a program that has it.
  "GET /problems/:program": { expected: { ...all("hidden"), anonymous: "login", reporter: "login" } },
  "GET /problems/:program/:number": { expected: { ...all("hidden"), anonymous: "login", reporter: "login" } },
  "POST /problems/:program/:number": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: { state: "resolved", "root-cause": "x" },
  },
  "POST /cases/:id/problem-open": {
    expected: { ...WORK_CASE, responder: "hidden", admin: "hidden", assigned: "hidden" },
    body: { "problem-title": "Recurs", "problem-root-cause": "" },
  },
  "POST /cases/:id/problem-link": {
    expected: { ...WORK_CASE, responder: "hidden", admin: "hidden", assigned: "hidden" },
    body: { problem: "1" },
  },
  "POST /cases/:id/problem-unlink": {
    expected: { ...WORK_CASE, responder: "hidden", admin: "hidden", assigned: "hidden" },
    body: { problem: "1" },
  },
  "GET /api/v1/problems/:program": { expected: { ...all("hidden"), anonymous: "login", reporter: "login" } },
  "GET /api/v1/problems/:program/:number": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
  },
  "POST /api/v1/problems/:program": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: { caseId: "x", title: "Recurs" },
  },
  "PATCH /api/v1/problems/:program/:number": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: { state: "resolved" },
  },
  "POST /api/v1/problems/:program/:number/cases": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: { caseId: "x" },
  },
  "DELETE /api/v1/problems/:program/:number/cases/:id": {
    expected: { ...all("hidden"), anonymous: "login", reporter: "login" },
    body: {},
  },
};

/**
 * A provider configured only so that its routes exist: its issuer (the discard port on loopback)
 * is never contacted, because the table probes only refusals that come before any contact.
 */
const SSO = loadConfig(
  {
    EMBARGO_PUBLIC_URL: "https://security.example.org",
    EMBARGO_OIDC_PROVIDERS: "corp",
    EMBARGO_OIDC_CORP_ISSUER: "http://127.0.0.1:9",
    EMBARGO_OIDC_CORP_CLIENT_ID: "embargo",
    EMBARGO_OIDC_CORP_CLIENT_SECRET: "never-sent",
    EMBARGO_OIDC_CORP_NAME: "Corp SSO",
  },
  "/nonexistent/embargo.yaml",
);

function outcomeOf(response: LightMyRequestResponse, url: string): Outcome | "error" {
  const status = response.statusCode;
  // Repeated wrong passwords from one address are throttled: still a refused sign-in.
  if (status === 429 && url === "/login") return "login";
  if (status >= 500) return "error";
  if (status === 401) return "login";
  if (status === 303 && String(response.headers.location ?? "").startsWith("/login")) return "login";
  if (status === 403) return "forbidden";
  if (status === 404) return "hidden";
  return "ok";
}

describe.each(databases)("route permissions on $name", (database) => {
  let t: TestApp;
  let visitors: Record<Visitor, Browser>;
  const params: Record<string, string> = { program: "kafe" };

  beforeAll(async () => {
    t = await startTestApp(database.open, { oidcProviders: SSO.oidcProviders });
    const member = (email: string, role: "viewer" | "responder" | "admin", program?: string) =>
      createStaff(t, { email, role, ...(program === undefined ? {} : { program }) });
    const staff = async (email: string, role: "viewer" | "responder" | "admin", program?: string) =>
      (await member(email, role, program)).browser;
    const contractor = async (email: string) =>
      createStaff(t, { email, role: "responder", program: "kafe", assignedOnly: true });
    const [assigned, unassigned] = [
      await contractor("assigned@example.org"),
      await contractor("other-contractor@example.org"),
    ];
    const [viewer, responder] = [
      await member("viewer@example.org", "viewer", "kafe"),
      await member("responder@example.org", "responder", "kafe"),
    ];
    visitors = {
      anonymous: new Browser(t.app),
      reporter: new Browser(t.app),
      viewer: viewer.browser,
      otherProgram: await staff("other@example.org", "responder", "kitsu"),
      responder: responder.browser,
      admin: await staff("admin@example.org", "admin"),
      assigned: assigned.browser,
      unassigned: unassigned.browser,
      notNamed: await staff("not-named@example.org", "responder", "kafe"),
      adminNotNamed: await staff("admin-not-named@example.org", "admin"),
    };
    const named = [viewer, responder, assigned, unassigned].map((m) => m.userId);
    params.contractor = assigned.userId;
    const withFile = await t.app.inject({
      method: "POST",
      url: "/api/v1/programs/kafe/reports",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({
        title: "A report with a proof of concept",
        fields: { "location-impact": "x", steps: "y" },
        attachments: [{ filename: "poc.txt", dataBase64: Buffer.from("poc").toString("base64") }],
      }),
    });
    const second = withFile.json() as { id: string; reporterUrl: string };
    const secondToken = /\/r\/([^/]+)$/.exec(second.reporterUrl)![1]!;
    const page = await visitors.reporter.get(`/r/${secondToken}`);
    const attachment = /\/attachments\/([a-z0-9]+)"/.exec(page.body)?.[1];
    if (attachment === undefined) throw new Error("no attachment link on the reporter page");
    params.id = second.id;
    params.token = secondToken;
    params.aid = attachment;
    // The case is the first contractor's (by an administrator, through the API).
    const given = await send(visitors.admin, "POST", `/api/v1/cases/${second.id}/assignee`, {
      userId: assigned.userId,
    });
    if (given.statusCode !== 200) throw new Error(`assigning the case: ${given.statusCode} ${given.body}`);
    const marked = await send(visitors.admin, "POST", `/api/v1/cases/${second.id}/confidentiality`, {
      confidential: true,
      members: named,
    });
    if (marked.json().changed !== true)
      throw new Error(`marking the case: ${marked.statusCode} ${marked.body}`);
  });
  afterAll(async () => {
    await t.close();
  });

  it("lists every registered route in the table, and nothing else", () => {
    const registered = t.app.registeredRoutes.map((route) => `${route.method} ${route.url}`).sort();
    expect(registered).toEqual(Object.keys(TABLE).sort());
  });

  it("gives each kind of visitor exactly the expected outcome on every route", async () => {
    const mismatches: string[] = [];
    // Routes that end or replace a session go last, so they do not sign the visitors out early.
    const endsSession = (route: string) => /^POST \/(login|logout)/.test(route);
    const ordered = Object.entries(TABLE).sort(([a], [b]) => Number(endsSession(a)) - Number(endsSession(b)));
    for (const [route, entry] of ordered) {
      const [method = "GET", pattern = "/"] = route.split(" ");
      for (const role of ROLES) {
        const url = concreteUrl(pattern, role);
        const response = await send(visitors[role], method, url, entry.body);
        const actual = outcomeOf(response, url);
        if (actual !== entry.expected[role]) {
          mismatches.push(
            `${route} as ${role}: expected ${entry.expected[role]}, got ${actual} (${response.statusCode})`,
          );
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  function concreteUrl(pattern: string, role: Visitor): string {
    // Only the reporter holds the capability token; everyone else tries a well-formed guess.
    const token = role === "reporter" ? params.token! : randomBytes(32).toString("base64url");
    return pattern
      .replace("*", "embargo.css")
      .replace(":program", params.program!)
      .replace(":token", token)
      .replace(":aid", params.aid!)
      .replace(":action", "transition")
      .replace(/^\/login\/oidc\/:provider$/, "/login/oidc/unconfigured")
      .replace(":provider", "corp")
      .replace(/^\/account\/tokens\/:id/, "/account/tokens/missing-token")
      .replace(/\/attachments\/:id$/, `/attachments/${params.aid!}`)
      .replace(":id", params.id!);
  }

  async function send(browser: Browser, method: string, url: string, raw?: Record<string, unknown>) {
    const body =
      raw === undefined
        ? undefined
        : Object.fromEntries(
            Object.entries(raw).map(([k, v]) => [k, v === ":contractor" ? params.contractor : v]),
          );
    if (method === "GET") {
      // Fetch pages fresh so each form post below uses a current CSRF token.
      return browser.get(url);
    }
    if (url.startsWith("/api/")) {
      return t.app.inject({
        method: method as "POST" | "PATCH",
        url,
        headers: { "content-type": "application/json", cookie: browser.cookieHeader() },
        payload: JSON.stringify(body ?? {}),
      });
    }
    if (browser.csrf === undefined) await browser.get("/p/kafe/report");
    return browser.post(url, Object.fromEntries(Object.entries(body ?? {}).map(([k, v]) => [k, String(v)])));
  }
});
