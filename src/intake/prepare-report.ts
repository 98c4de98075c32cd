import type { Policy } from "../policy/schema.js";
import type { NewAttachment } from "../store/attachments.js";
import { checkReport } from "./check-report.js";
import { bindFileAnswers, type OfferedFile } from "./file-answers.js";
import type { FieldError } from "./report-schema.js";

export type PreparedReport =
  | { ok: true; submission: Record<string, unknown>; attachments: NewAttachment[] }
  | { ok: false; errors: FieldError[] };

/**
 * A report from the web form or the JSON API with its files bound to the template's file fields
 * (file-answers.ts), ready for submitReportCommand, which checks the rest. When the files do not
 * fit the template, or the caller already found a problem (`refused`), the rest of the report is
 * checked here too, so the sender hears of every problem at once.
 */
export async function prepareReport(
  policy: Policy,
  submission: Record<string, unknown>,
  files: readonly OfferedFile[],
  refused: readonly FieldError[] = [],
): Promise<PreparedReport> {
  const bound = bindFileAnswers(policy, submission.fields, files);
  const prepared = { ...submission, fields: bound.fields };
  if (refused.length === 0 && bound.errors.length === 0)
    return { ok: true, submission: prepared, attachments: bound.attachments };
  const checked = await checkReport(prepared, policy);
  const errors: FieldError[] = [];
  for (const error of [...refused, ...bound.errors, ...(checked.ok ? [] : checked.errors)]) {
    if (!errors.some((known) => known.field === error.field)) errors.push(error);
  }
  return { ok: false, errors };
}
