import {
  decideIntent,
  PUBLICATION_INTENT_EVENT,
  type WarningRule,
  warningRule,
} from "../domain/disclosure/reporter-warning.js";
import type { Policy } from "../policy/schema.js";
import { CaseNotFoundError } from "../store/cases.js";
import type { Store } from "../store/database.js";
import { sha256Hex } from "../store/ids.js";
import { InvalidCaseCommandError, StaffCommandError } from "../store/staff-errors.js";
import { domainEventType } from "../store/staff-events.js";
import { type CaseDeps, runCaseCommand } from "./case-change.js";

/**
 * The reporter's warning before they publish (`disclosure.reporterWarning`, Kulupu; rules in
 * src/domain/disclosure/reporter-warning.ts), through their case link: "I intend to publish on
 * DATE", with a message; changed by saying it again, or withdrawn. Each statement is a
 * `reporter.publication_intent` event (its message encrypted like every payload) and keeps
 * `cases.reporter_publishes_at`, which joins `next_due_at`; the timer worker alerts the team at
 * once and tells them once when the date comes (src/jobs/reporter-clocks.ts).
 */

/** The program takes no warning, the case is closed, or there is nothing to withdraw; nothing was written. */
export class PublicationIntentRefused extends StaffCommandError {
  constructor(message: string) {
    super("embargo.case.publicationIntentRefused", message);
    this.name = "PublicationIntentRefused";
  }
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

function ruleOf(policy: Policy): WarningRule {
  const rule = warningRule(policy);
  if (rule === null) throw new PublicationIntentRefused("This program does not take a publication warning.");
  return rule;
}

export type IntentRequest =
  | { action: "declare"; publishOn: string; message: string }
  | { action: "withdraw" };

/**
 * Records the reporter's statement (or its withdrawal) on the case the link opens. Throws
 * CaseNotFoundError for an unknown link, PublicationIntentRefused (see above),
 * InvalidCaseCommandError (field `publish-on` or `message`) for what the domain refuses.
 */
export async function statePublicationIntent(
  deps: CaseDeps,
  policy: Policy,
  reporterToken: string,
  request: IntentRequest,
  at: Date,
): Promise<{ caseId: string; publishesAt: Date | null }> {
  if (!TOKEN.test(reporterToken)) throw new CaseNotFoundError("(reporter link)");
  const rule = ruleOf(policy);
  const decision =
    request.action === "declare"
      ? decideIntent(rule, { publishOn: request.publishOn, message: request.message }, at)
      : null;
  if (decision !== null && !decision.ok) throw new InvalidCaseCommandError(decision.field, decision.message);
  return runCaseCommand(deps, { tokenHash: sha256Hex(reporterToken) }, at, (row) => {
    if (row.state === "closed") throw new PublicationIntentRefused("This case is closed.");
    if (decision === null && (row.reporter_publishes_at ?? null) === null)
      throw new PublicationIntentRefused(
        "You have not told the team of a date: there is nothing to withdraw.",
      );
    const payload =
      decision === null
        ? { publishOn: null, message: "" }
        : { publishOn: decision.publishOn, message: decision.message };
    const publishesAt = decision === null ? null : decision.publishesAt;
    return {
      result: { caseId: row.id, publishesAt },
      events: [{ type: domainEventType(PUBLICATION_INTENT_EVENT), actor: "reporter", at, payload }],
      set: { reporter_publishes_at: publishesAt?.toISOString() ?? null },
    };
  });
}

/** The date the reporter said they intend to publish on (the start of that day, UTC); null when none stands. */
export async function publicationDateOf(store: Store, caseId: string): Promise<Date | null> {
  const row = await store.db
    .selectFrom("cases")
    .select("reporter_publishes_at")
    .where("id", "=", caseId)
    .executeTakeFirst();
  const value = row?.reporter_publishes_at ?? null;
  return value === null ? null : new Date(value);
}
