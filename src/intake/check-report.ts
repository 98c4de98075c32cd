import type { Policy } from "../policy/schema.js";
import { creditChoice } from "./credit-choice.js";
import { type FieldError, fieldErrorsOf, ReportCore, type ReportCoreValue } from "./report-schema.js";
import { policyFieldErrors } from "./validate.js";

/**
 * Validates a report (the schema, then the program's rules) and returns every problem at once:
 * when the schema rejects some fields, the policy's rules still run on the rest, so a person
 * fixing the form sees all its errors in one go. The report returned holds the credit choice in
 * `credit`, also when the template's credit fields gave it (credit-choice.ts).
 */
export async function checkReport(
  raw: Record<string, unknown>,
  policy: Policy,
): Promise<{ ok: true; report: ReportCoreValue } | { ok: false; errors: FieldError[] }> {
  const parsed = ReportCore.safeParse(raw);
  if (parsed.success) {
    const { report, errors } = await programErrors(parsed.data, policy);
    return errors.length === 0 ? { ok: true, report } : { ok: false, errors };
  }
  const errors = fieldErrorsOf(parsed.error);
  // Drop what the schema rejected and check the remainder against the policy.
  const rest = structuredClone(raw);
  for (const issue of parsed.error.issues) unset(rest, issue.path);
  const remainder = ReportCore.safeParse({
    ...rest,
    title: typeof rest.title === "string" && rest.title.trim() ? rest.title : "-",
  });
  if (remainder.success) {
    for (const error of (await programErrors(remainder.data, policy)).errors) {
      if (!errors.some((known) => known.field === error.field)) errors.push(error);
    }
  }
  return { ok: false, errors };
}

/** The policy's rules and the credit choice; one error per field, the first found. */
async function programErrors(
  parsed: ReportCoreValue,
  policy: Policy,
): Promise<{ report: ReportCoreValue; errors: FieldError[] }> {
  const credited = creditChoice(parsed, policy);
  const errors: FieldError[] = [];
  for (const error of [...(await policyFieldErrors(parsed, policy)), ...credited.errors]) {
    if (!errors.some((known) => known.field === error.field)) errors.push(error);
  }
  return { report: withExactChoices(credited.report, policy), errors };
}

/**
 * The check allows spaces around a choice (an API client's "High\n"); the case keeps the choice
 * as the policy spells it, so an answer stored is always one of the choices, never a variant.
 */
function withExactChoices(report: ReportCoreValue, policy: Policy): ReportCoreValue {
  const fields = { ...report.fields };
  for (const field of policy.reportTemplate.fields) {
    const answer = fields[field.id];
    if (field.kind === "choice" && answer !== undefined) fields[field.id] = answer.trim();
  }
  return { ...report, fields };
}

function unset(target: Record<string, unknown>, path: PropertyKey[]): void {
  let node: unknown = target;
  for (const [index, key] of path.entries()) {
    if (node === null || typeof node !== "object") return;
    const record = node as Record<PropertyKey, unknown>;
    if (index === path.length - 1) delete record[key];
    else node = record[key];
  }
}
