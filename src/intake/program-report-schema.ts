import { z } from "zod";
import type { Policy } from "../policy/schema.js";
import { creditFields, templateAsksCredit } from "./credit-choice.js";
import { fileFields } from "./file-answers.js";
import {
  ANSWER_MAX_CHARS,
  ApiAttachmentSchema,
  ApiReportSubmission,
  ContactSchema,
  CreditSchema,
  MAX_REPORT_FILES,
} from "./report-schema.js";
import { EMAIL_ANSWER } from "./validate.js";

type TemplateField = Policy["reportTemplate"]["fields"][number];
type JsonSchema = Record<string, unknown>;

/**
 * The body of `POST /api/v1/programs/{program}/reports` for one program, written out from its
 * policy: the template's fields by id (required ones required, choices as an enum, links and
 * addresses with their format), file fields as attachments that name them, the in-scope assets.
 * It documents what the intake accepts (GET /api/v1/programs/{program}, the OpenAPI document);
 * the route itself checks with the one report schema and the policy's rules, and the tests hold
 * both to the same answers. It may be stricter than the intake (an empty optional answer, a choice
 * with spaces around it), never looser.
 */
export function programReportSchema(policy: Policy) {
  const files = fileFields(policy);
  const textFields = policy.reportTemplate.fields.filter((field) => field.kind !== "file");
  const answers = z.strictObject(
    Object.fromEntries(textFields.map((field) => [field.id, answerSchema(field, policy)])),
  );
  const assets = policy.scope.inScope.map((asset) => asset.id);
  return z.strictObject({
    title: ApiReportSubmission.shape.title.meta({
      description: policy.reportTemplate.subjectGuidance ?? "A short, descriptive summary.",
    }),
    ...(assets.length === 0
      ? {}
      : {
          asset: z
            .enum(assets as [string, ...string[]])
            .optional()
            .meta({ description: "The in-scope asset affected, if you know it." }),
        }),
    fields: textFields.some((field) => field.required)
      ? answers.meta({ description: "Answers to the program's report template, by field id." })
      : answers.optional().meta({ description: "Answers to the program's report template, by field id." }),
    // A template that asks for credit is the one place to give it (credit-choice.ts).
    ...(templateAsksCredit(policy) ? {} : { credit: CreditSchema.optional() }),
    contact: ContactSchema.optional(),
    attachments: attachmentsSchema(files),
    pow: ApiReportSubmission.shape.pow,
  });
}

/** The program's report body as a JSON Schema (draft 2020-12). */
export function programReportJsonSchema(policy: Policy): JsonSchema {
  return z.toJSONSchema(programReportSchema(policy), { target: "draft-2020-12", io: "input" }) as JsonSchema;
}

function answerSchema(field: TemplateField, policy: Policy) {
  const { name: creditName, link: creditLink } = creditFields(policy);
  const max = field === creditName ? 200 : field === creditLink ? 2000 : ANSWER_MAX_CHARS;
  const purpose =
    field === creditName
      ? field.required
        ? "How you are credited."
        : "How you are credited; leave it out to stay anonymous."
      : field === creditLink
        ? "A link shown with your credit."
        : undefined;
  const description = [field.help, purpose].filter((text) => text !== undefined).join(" ") || undefined;
  const meta = { title: field.label, ...(description === undefined ? {} : { description }) };
  const text = z.string().max(max, { message: `at most ${max} characters` });
  const answer =
    field.kind === "choice"
      ? z.enum((field.choices ?? []) as [string, ...string[]])
      : field.kind === "url"
        ? text.regex(/^https?:\/\/\S/, { message: "an http(s) link" }).meta({ format: "uri" })
        : field.kind === "email"
          ? text.regex(EMAIL_ANSWER, { message: "an email address" }).meta({ format: "email" })
          : field.required
            ? text.regex(/\S/, { message: `${field.label} is required` })
            : text;
  return field.required ? answer.meta(meta) : answer.optional().meta(meta);
}

/**
 * Files: each may name the file field it answers (`field`); a required file field needs one.
 * JSON Schema says that with `contains`; zod with a refinement.
 */
function attachmentsSchema(files: TemplateField[]) {
  const ids = files.map((field) => field.id);
  const attachment =
    ids.length === 0
      ? ApiAttachmentSchema
      : ApiAttachmentSchema.extend({
          field: z
            .enum(ids as [string, ...string[]])
            .optional()
            .meta({ description: "The file field this file answers; without it, a plain attachment." }),
        });
  const required = files.filter((field) => field.required);
  const list = z.array(attachment).max(MAX_REPORT_FILES);
  if (required.length === 0)
    return list.optional().meta({
      description:
        ids.length === 0
          ? "Files, base64-encoded."
          : `Files, base64-encoded. A file answering a file field (${ids.join(", ")}) names it in \`field\`.`,
    });
  const contains = (field: TemplateField): JsonSchema => ({
    contains: { type: "object", required: ["field"], properties: { field: { const: field.id } } },
  });
  return list
    .refine(
      (list) => required.every((field) => list.some((file) => "field" in file && file.field === field.id)),
      { message: `a file for each of: ${required.map((field) => field.id).join(", ")}` },
    )
    .meta({
      description: `Files, base64-encoded; one must answer each required file field (${required.map((field) => field.id).join(", ")}) by naming it in \`field\`.`,
      ...(required.length === 1 ? contains(required[0]!) : { allOf: required.map(contains) }),
    });
}
