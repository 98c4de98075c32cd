import { readKey } from "openpgp";
import type { Policy } from "../policy/schema.js";
import type { FieldError, ReportCoreValue } from "./report-schema.js";

/** What the template's `email` answers must look like (linear: see validate.property.test.ts). */
export const EMAIL_ANSWER = /^[^\s@]+@[^\s@][^\s@.]*\.[^\s@]+$/;

/**
 * Checks a report against its program's policy: the template's required fields, choices and
 * kinds, the asset, and the reporter's OpenPGP key. Returns every problem, each naming its field.
 * File fields are answered by attachments (file-answers.ts) and the credit choice is checked
 * with the template's credit fields (credit-choice.ts).
 */
export async function policyFieldErrors(report: ReportCoreValue, policy: Policy): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const template = new Map(policy.reportTemplate.fields.map((field) => [field.id, field]));
  for (const id of Object.keys(report.fields)) {
    if (!template.has(id))
      errors.push({ field: `fields.${id}`, message: "this program's form has no such field" });
  }
  for (const field of template.values()) {
    if (field.kind === "file") continue;
    const answer = report.fields[field.id]?.trim() ?? "";
    const name = `fields.${field.id}`;
    if (answer === "") {
      if (field.required) errors.push({ field: name, message: `${field.label} is required` });
      continue;
    }
    if (field.kind === "choice" && !(field.choices ?? []).includes(answer)) {
      errors.push({ field: name, message: `choose one of: ${(field.choices ?? []).join(", ")}` });
    } else if (field.kind === "url" && !isWebUrl(answer)) {
      errors.push({ field: name, message: "an http(s) link" });
    } else if (field.kind === "email" && !EMAIL_ANSWER.test(answer)) {
      errors.push({ field: name, message: "an email address" });
    }
  }
  if (report.asset !== undefined && report.asset !== "") {
    const known = policy.scope.inScope.some((asset) => asset.id === report.asset);
    if (!known) errors.push({ field: "asset", message: "not one of this program's in-scope assets" });
  }
  const key = report.contact.openpgpKey?.trim();
  if (key !== undefined && key !== "") {
    try {
      const parsed = await readKey({ armoredKey: key });
      if (parsed.isPrivate()) {
        errors.push({
          field: "contact.openpgpKey",
          message: "this is a private key: send only your public key",
        });
      }
    } catch {
      errors.push({ field: "contact.openpgpKey", message: "not an armored OpenPGP public key" });
    }
  }
  return errors;
}

export function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}
