import {
  AGREEMENT_EVENTS,
  AGREEMENT_RECORDED_EVENT,
  type AgreementStatus,
  agreementRequired,
  agreementStatus,
  checkAgreementNote,
  recordRefusal,
} from "../domain/incident/agreement.js";
import type { Policy } from "../policy/schema.js";
import { caseEventsOfTypes } from "../store/case-event-read.js";
import { InvalidCaseCommandError, StaffCommandError } from "../store/staff-errors.js";
import { domainEventType } from "../store/staff-events.js";
import { checkActor, type TeamActor } from "../store/staff-validation.js";
import { type CaseDeps, type CaseRow, runCaseCommand, type Trx } from "./case-change.js";

/**
 * The affected party's agreement that the case is resolved (`incident.register.reporterAgreement`;
 * rules in src/domain/incident/agreement.ts): a team member records that it was given another
 * way (a customer on the phone, the affected user of an incident the team opened itself), with a
 * note saying how. Internal: the reporter does not see the note. It opens the gate that holds
 * closing as resolved and disclosing, and ends the wait (no reminder follows).
 */

/** The team may not record the agreement now (the policy asks none, the case is not fixed, it was given). */
export class AgreementRecordRefused extends StaffCommandError {
  constructor(message: string) {
    super("embargo.case.agreementNotAwaited", message);
    this.name = "AgreementRecordRefused";
  }
}

/** The agreement's status on the locked case, read in the command's transaction. */
async function statusOf(deps: CaseDeps, trx: Trx, caseId: string): Promise<AgreementStatus> {
  return agreementStatus(await caseEventsOfTypes(trx, deps.keyring, caseId, AGREEMENT_EVENTS));
}

/**
 * Records that the agreement was given another way. Throws InvalidCaseCommandError (field
 * `note`) for an empty or oversized note, AgreementRecordRefused when it is not awaited.
 */
export async function recordAgreement(
  deps: CaseDeps,
  policy: Policy,
  caseId: string,
  actor: TeamActor,
  note: string,
  at: Date,
): Promise<{ seq: number }> {
  checkActor(actor);
  const checked = checkAgreementNote(note);
  if (!checked.ok) throw new InvalidCaseCommandError("note", checked.message);
  return runCaseCommand(deps, { id: caseId }, at, async (row, trx) => {
    const refusal = recordRefusal(policy, row.state, await statusOf(deps, trx, row.id));
    if (refusal !== null) throw new AgreementRecordRefused(refusal);
    return {
      result: { seq: row.event_count + 1 },
      events: [
        { type: domainEventType(AGREEMENT_RECORDED_EVENT), actor, at, payload: { note: checked.note } },
      ],
      set: { agreement_due_at: null },
    };
  });
}

/**
 * The agreement's part of the register's facts (src/domain/incident/register.ts) for the locked
 * case: read only when the policy asks for it and the case is where the gate holds (fixed or
 * disclosed: the only states closing as resolved and disclosing leave from).
 */
export async function agreementFactsOf(
  deps: CaseDeps,
  policy: Policy,
  row: CaseRow,
  trx: Trx,
): Promise<{ agreement?: AgreementStatus }> {
  if (!agreementRequired(policy) || (row.state !== "fixed" && row.state !== "disclosed")) return {};
  return { agreement: await statusOf(deps, trx, row.id) };
}
