import { describe, expect, it } from "vitest";
import { acmePolicy } from "../../test/support/acme-policy.js";
import { caseLabel } from "../domain/cases/case-number.js";
import type { EscalationStep } from "../domain/clocks/escalation.js";
import type { EventNotice } from "../domain/notifications/event-notices.js";
import type { Recipient } from "../domain/notifications/recipients.js";
import type { Policy } from "../policy/schema.js";
import {
  type ContentContext,
  escalationNotification,
  eventNotification,
  isConfidential,
} from "./notification-content.js";

/**
 * `confidential` on the team's email and on a webhook decides whether a notification carries the
 * report's title and the words of messages: with it, both; without it, neither (only what happened
 * and a link).
 */
const TITLE = "Stored XSS in the profile page";
const REPLY = "We fixed it in 6.9.1; the patch escapes the bio.";

/** `confidential` left out: the policy does not say (the schema's default). */
function policy(confidential: { email?: boolean; webhook?: boolean }): Policy {
  return acmePolicy({
    serviceLevels: {
      clocks: [{ id: "acknowledge", kind: "acknowledge", within: { hours: 48 }, stopsWhen: "team-replied" }],
    },
    escalation: [{ clock: "acknowledge", breach: { notify: ["alice"] } }],
    notifications: {
      ...(confidential.email === undefined ? {} : { email: { confidential: confidential.email } }),
      webhooks: [
        {
          id: "hook",
          format: "generic",
          url: "https://hooks.example/embargo",
          ...(confidential.webhook === undefined ? {} : { confidential: confidential.webhook }),
        },
      ],
    },
  });
}

const CASE_ID = "abcdefgh12345678";

/** ACME-7 by default; `number: null` for a case stored without a number. */
const context = (p: Policy, number: number | null = 7): ContentContext => ({
  policy: p,
  caseId: CASE_ID,
  reference: caseLabel({ id: CASE_ID, program: p.program.slug, number }),
  title: TITLE,
  publicUrl: "https://security.example.org",
  at: new Date("2026-11-27T10:00:00Z"),
});

const EMAIL: Recipient = { kind: "contact", id: "alice", email: "alice@acme.example" };
const WEBHOOK: Recipient = { kind: "webhook", id: "hook" };

const notice = (recipient: Recipient): EventNotice => ({
  recipient,
  audience: "team",
  event: "team.reply",
  lines: [{ text: "Bo replied to the reporter.", content: REPLY }],
});

const breach: EscalationStep = {
  clockId: "acknowledge",
  kind: "breach",
  n: 0,
  dueAt: new Date("2026-11-27T10:00:00Z"),
  deadline: new Date("2026-11-27T10:00:00Z"),
  notify: ["alice"],
  message: null,
  idempotencyKey: "abcdefgh12345678:acknowledge:breach:0",
};

const carried = (text: string) => ({ title: text.includes(TITLE), reply: text.includes(REPLY) });

describe.each([
  ["the team's email", EMAIL, { email: true, webhook: false }, { email: false, webhook: true }],
  ["a webhook", WEBHOOK, { email: false, webhook: true }, { email: true, webhook: false }],
] as const)("%s", (_name, recipient, on, off) => {
  it("marked confidential, carries the report's title and the message's words", () => {
    const p = policy(on);
    expect(isConfidential(p, recipient)).toBe(true);
    const event = eventNotification(context(p), notice(recipient), { from: 2, to: 2 });
    expect(carried(event.text)).toEqual({ title: true, reply: true });
    expect(event.text).toContain(`Case ACME-7: ${TITLE}`);
    expect(escalationNotification(context(p), breach, recipient).text).toContain(`Report: ${TITLE}`);
  });

  it("not marked confidential (even when the other channel is), carries neither", () => {
    const p = policy(off);
    expect(isConfidential(p, recipient)).toBe(false);
    const event = eventNotification(context(p), notice(recipient), { from: 2, to: 2 });
    expect(carried(event.text)).toEqual({ title: false, reply: false });
    expect(carried(event.subject)).toEqual({ title: false, reply: false });
    expect(event.text).toContain("Bo replied to the reporter.");
    expect(event.text).toContain("Open the case: https://security.example.org/cases/abcdefgh12345678");
    const escalation = escalationNotification(context(p), breach, recipient);
    expect(carried(`${escalation.subject}\n${escalation.text}`)).toEqual({ title: false, reply: false });
  });
});

it("both off by default: a policy that does not say sends no content anywhere", () => {
  const p = policy({});
  expect(isConfidential(p, EMAIL)).toBe(false);
  expect(isConfidential(p, WEBHOOK)).toBe(false);
  expect(isConfidential(p, { kind: "reporter", email: "ada@example.org" })).toBe(false);
});

describe("the case's reference in subjects and texts", () => {
  const p = policy({});
  const newReport: EventNotice = { ...notice(EMAIL), event: "case.received" };
  const toReporter: EventNotice = {
    recipient: { kind: "reporter", email: "ada@example.org" },
    audience: "reporter",
    event: "team.reply",
    lines: [{ text: "The team replied.", content: REPLY }],
  };

  it("names a numbered case by its number: (ACME-7) for the team, ACME-7 first for the reporter", () => {
    const escalation = escalationNotification(context(p), breach, EMAIL);
    expect(escalation.subject).toBe("[Acme] Acknowledge the report: overdue (breach) (ACME-7)");
    expect(escalation.text).toContain('"Acknowledge the report" for case ACME-7 is overdue');
    expect(eventNotification(context(p), newReport, { from: 1, to: 1 }).subject).toBe(
      "[Acme] New report (ACME-7)",
    );
    const changed = eventNotification(context(p), notice(EMAIL), { from: 2, to: 2 });
    expect(changed.subject).toBe("[Acme] Case ACME-7 changed");
    expect(changed.text.startsWith("Case ACME-7\n")).toBe(true);
    expect(eventNotification(context(p), toReporter, { from: 2, to: 2 }).subject).toBe(
      "[Acme] ACME-7: news on your report",
    );
  });

  it("falls back to the id's first 8 characters for a case without a number", () => {
    const escalation = escalationNotification(context(p, null), breach, EMAIL);
    expect(escalation.subject).toBe("[Acme] Acknowledge the report: overdue (breach) (abcdefgh)");
    expect(escalation.text).toContain('"Acknowledge the report" for case abcdefgh is overdue');
    expect(eventNotification(context(p, null), newReport, { from: 1, to: 1 }).subject).toBe(
      "[Acme] New report (abcdefgh)",
    );
    expect(eventNotification(context(p, null), toReporter, { from: 2, to: 2 }).subject).toBe(
      "[Acme] abcdefgh: news on your report",
    );
  });
});
