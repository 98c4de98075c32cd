import type { Policy } from "../policy/schema.js";
import type { FieldError, ReportCoreValue } from "./report-schema.js";
import { isWebUrl } from "./validate.js";

type TemplateField = Policy["reportTemplate"]["fields"][number];

/** What the stored credit takes (CreditSchema's limits), so a template answer fits there too. */
const NAME_MAX = 200;
const LINK_MAX = 2000;

/**
 * The template fields that are the reporter's credit choice: the first text field with purpose
 * `credit-name`, and the first with `credit-link`. (A file field cannot name anyone.)
 */
export function creditFields(policy: Policy): { name?: TemplateField; link?: TemplateField } {
  const textFields = policy.reportTemplate.fields.filter((field) => field.kind !== "file");
  const name = textFields.find((field) => field.purpose === "credit-name");
  const link = textFields.find((field) => field.purpose === "credit-link");
  return { ...(name === undefined ? {} : { name }), ...(link === undefined ? {} : { link }) };
}

/** True when the template itself asks how to credit the reporter: then nothing else asks it. */
export function templateAsksCredit(policy: Policy): boolean {
  const { name, link } = creditFields(policy);
  return name !== undefined || link !== undefined;
}

/**
 * The report with its credit choice in one place, `credit`, where the case page and the credits
 * read it, whichever way the reporter gave it:
 *
 * - a program whose template has credit fields: their answers are the choice (credited by the
 *   name given, mode `name` unless the sender said `handle`; no name means anonymous). The
 *   answers move out of `fields`, so the choice is not stored twice. When none of them is
 *   answered, a `credit` object sent the older way still counts, as before.
 * - any other program: the `credit` object, as sent.
 *
 * Errors name the field the person typed into.
 */
export function creditChoice(
  report: ReportCoreValue,
  policy: Policy,
): { report: ReportCoreValue; errors: FieldError[] } {
  const { name: nameField, link: linkField } = creditFields(policy);
  const answer = (field: TemplateField | undefined) => {
    const text = field === undefined ? "" : (report.fields[field.id]?.trim() ?? "");
    return text === "" ? undefined : text;
  };
  const templateName = answer(nameField);
  const templateLink = answer(linkField);
  if (templateName === undefined && templateLink === undefined) {
    const fields = withoutFields(report.fields, [nameField, linkField]);
    return { report: { ...report, fields }, errors: creditObjectErrors(report.credit) };
  }

  const errors: FieldError[] = [];
  if (nameField !== undefined && templateName !== undefined && templateName.length > NAME_MAX)
    errors.push({ field: `fields.${nameField.id}`, message: `at most ${NAME_MAX} characters` });
  if (
    linkField !== undefined &&
    templateLink !== undefined &&
    (templateLink.length > LINK_MAX || !isWebUrl(templateLink))
  )
    errors.push({ field: `fields.${linkField.id}`, message: "an http(s) link" });

  const given = report.credit.name?.trim() === "" ? undefined : report.credit.name;
  const name = templateName ?? given;
  const link = templateLink ?? report.credit.link;
  if (name === undefined && link !== undefined && nameField !== undefined) {
    errors.push({
      field: `fields.${nameField.id}`,
      message: `${nameField.label}: a name or handle to credit with the link, or leave the link empty`,
    });
  }
  const mode = name === undefined ? "anonymous" : report.credit.mode === "handle" ? "handle" : "name";
  const credit: ReportCoreValue["credit"] = {
    mode,
    ...(name === undefined ? {} : { name }),
    ...(link === undefined ? {} : { link }),
  };
  return {
    report: { ...report, fields: withoutFields(report.fields, [nameField, linkField]), credit },
    errors,
  };
}

function creditObjectErrors(credit: ReportCoreValue["credit"]): FieldError[] {
  return credit.mode !== "anonymous" && (credit.name ?? "") === ""
    ? [{ field: "credit.name", message: "a name or handle to credit, or choose anonymous" }]
    : [];
}

function withoutFields(
  fields: Record<string, string>,
  drop: (TemplateField | undefined)[],
): Record<string, string> {
  const ids = new Set(drop.flatMap((field) => (field === undefined ? [] : [field.id])));
  return Object.fromEntries(Object.entries(fields).filter(([id]) => !ids.has(id)));
}
