import {
  CREDIT_CHANGED_EVENT,
  CREDIT_GIVEN_EVENT,
  type CreditChangeRequest,
  creditStatus,
  decideCreditChange,
} from "../domain/credit/choice.js";
import type { CreditChoice } from "../domain/credit/rules.js";
import type { Policy } from "../policy/schema.js";
import { CaseNotFoundError } from "../store/cases.js";
import { caseCreditFacts } from "../store/credits.js";
import { sha256Hex } from "../store/ids.js";
import { InvalidCaseCommandError, StaffCommandError } from "../store/staff-errors.js";
import { domainEventType } from "../store/staff-events.js";
import { checkActor, type TeamActor } from "../store/staff-validation.js";
import { type CaseDeps, runCaseCommand } from "./case-change.js";

/**
 * The reporter changes how they are credited, from their page, until the credit is published
 * (src/domain/credit/choice.ts); the team marks a credit place as done (HackerOne, an external
 * list: places Embargo cannot write to). Both are case events through runCaseCommand.
 */

/** The credit is published (or the policy promises none): the reporter's choice is fixed. Nothing was written. */
export class CreditChangeRefused extends StaffCommandError {
  constructor(message: string) {
    super("embargo.case.creditChangeRefused", message);
    this.name = "CreditChangeRefused";
  }
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
export const CREDIT_NOTE_MAX = 2000;

/**
 * Records the reporter's new choice on the case their link opens. Throws CaseNotFoundError,
 * CreditChangeRefused (published, or no credit in the policy), InvalidCaseCommandError (field
 * `mode`, `name` or `link`). Unchanged: nothing is written.
 */
export async function changeReporterCredit(
  deps: CaseDeps,
  policy: Policy,
  reporterToken: string,
  request: CreditChangeRequest,
  at: Date,
): Promise<{ changed: boolean; credit: CreditChoice }> {
  if (!TOKEN.test(reporterToken)) throw new CaseNotFoundError("(reporter link)");
  if (policy.recognition.credit === undefined)
    throw new CreditChangeRefused("This program's policy promises no public credit.");
  return runCaseCommand(deps, { tokenHash: sha256Hex(reporterToken) }, at, async (row, trx) => {
    const status = creditStatus(policy, await caseCreditFacts(trx, deps.keyring, policy, row, at));
    const decision = decideCreditChange(status.choice, status.publication, request);
    if (!decision.ok) {
      if (decision.field === "form") throw new CreditChangeRefused(decision.message);
      throw new InvalidCaseCommandError(decision.field, decision.message);
    }
    return {
      result: { changed: decision.changed, credit: decision.choice },
      events: decision.changed
        ? [
            {
              type: domainEventType(CREDIT_CHANGED_EVENT),
              actor: "reporter",
              at,
              payload: { credit: { ...decision.choice } },
            },
          ]
        : [],
    };
  });
}

/** The places a team member marks done by hand: Embargo cannot write there itself. */
export const MANUAL_PLACE_KINDS: readonly string[] = ["hackerone", "external-list"];

/**
 * A team member records that the reporter was credited in `placeName` (a `hackerone` or
 * `external-list` place of the policy), with an optional note. Throws InvalidCaseCommandError
 * (field `place` or `note`).
 */
export async function markCreditGiven(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  request: { place: string; note: string },
  at: Date,
): Promise<void> {
  checkActor(actor);
  const place = (policy.recognition.credit?.places ?? []).find(
    (candidate) => candidate.name === request.place && MANUAL_PLACE_KINDS.includes(candidate.kind),
  );
  if (place === undefined)
    throw new InvalidCaseCommandError("place", "choose one of the policy's places the team credits by hand");
  const note = request.note.trim();
  if (note.length > CREDIT_NOTE_MAX)
    throw new InvalidCaseCommandError("note", `a note can have at most ${CREDIT_NOTE_MAX} characters`);
  await runCaseCommand(deps, { id: caseId }, at, () => ({
    result: undefined,
    events: [{ type: domainEventType(CREDIT_GIVEN_EVENT), actor, at, payload: { place: place.name, note } }],
  }));
}
