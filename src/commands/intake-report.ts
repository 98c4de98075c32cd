import type { Keyring } from "../crypto/keyring.js";
import { caseReference } from "../domain/cases/case-number.js";
import { defaultAssigneeEmail } from "../domain/incident/register.js";
import { checkReport } from "../intake/check-report.js";
import { acknowledgeBy } from "../intake/programs.js";
import type { FieldError } from "../intake/report-schema.js";
import type { LoadedPolicy } from "../policy/loader.js";
import type { NewAttachment } from "../store/cases.js";
import type { Store } from "../store/database.js";
import { submitReport } from "./submit-report.js";

export interface IntakeDeps {
  store: Store;
  keyring: Keyring;
  clock: () => Date;
}

export type SubmitOutcome =
  | {
      ok: true;
      caseId: string;
      reporterToken: string;
      /** The case's number in its program, and its reference (`KITSU-12`). */
      number: number;
      reference: string;
      receivedAt: Date;
      acknowledgeBy: Date | null;
    }
  | { ok: false; errors: FieldError[] };

/**
 * Takes a report into a program: checks it (schema and policy), then writes the case, its
 * first event and its attachments, encrypted, in one transaction. Only after that commit does
 * the caller tell the sender "received".
 */
export async function submitReportCommand(
  deps: IntakeDeps,
  program: LoadedPolicy,
  submission: Record<string, unknown>,
  attachments: NewAttachment[],
  source: "web" | "api" | "email",
): Promise<SubmitOutcome> {
  const checked = await checkReport(submission, program.policy);
  if (!checked.ok) return checked;
  const report = checked.report;
  const receivedAt = deps.clock();
  const due = acknowledgeBy(program, receivedAt);
  const { caseId, reporterToken, number } = await submitReport(deps, {
    program: program.policy.program.slug,
    source,
    assetId: report.asset === undefined || report.asset === "" ? null : report.asset,
    title: report.title,
    fields: Object.fromEntries(Object.entries(report.fields).filter(([, answer]) => answer.trim() !== "")),
    credit: report.credit,
    contact: report.contact,
    attachments,
    receivedAt,
    acknowledgeBy: due,
    defaultAssignee: defaultAssigneeEmail(program.policy),
  });
  return {
    ok: true,
    caseId,
    reporterToken,
    number,
    reference: caseReference(program.policy.program.slug, number),
    receivedAt,
    acknowledgeBy: due,
  };
}
