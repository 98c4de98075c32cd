import { z } from "zod";

/**
 * A vulnerability report as a stranger sends it. The web form and the JSON API validate with
 * this one schema (the form's fields are gathered into the same shape first), and the OpenAPI
 * document is generated from it. Program-specific rules (required template fields, choices,
 * scope) are checked afterwards against the program's policy.
 */
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, { message: `at most ${max} characters` })
    .optional();

export const CreditSchema = z
  .strictObject({
    mode: z.enum(["name", "handle", "anonymous"]).default("anonymous"),
    name: optionalText(200),
    link: z
      .url({ protocol: /^https?$/, message: "an http(s) link" })
      .max(2000)
      .optional(),
  })
  .meta({ description: "How the reporter wants to be credited." });

/** The most files one report takes (the form's multipart limit in src/web/app.ts is the same). */
export const MAX_REPORT_FILES = 10;

/** A template field's id, as `fields` keys and an attachment's `field` name it. */
export const FIELD_ID = /^[a-z0-9-]{1,64}$/;

/** The longest answer to one field of a report, and the longest message a reporter sends (also by mail). */
export const ANSWER_MAX_CHARS = 100_000;

export const ContactSchema = z.strictObject({
  email: z.email({ message: "an email address" }).max(320).optional(),
  openpgpKey: z
    .string()
    .max(100_000)
    .optional()
    .meta({ description: "The reporter's armored OpenPGP public key, to encrypt mail to them." }),
});

export const ReportCore = z.strictObject({
  title: z
    .string()
    .trim()
    .min(1, { message: "a short title is required" })
    .max(200, { message: "at most 200 characters" }),
  asset: z.string().max(64).optional().meta({ description: "The id of an in-scope asset of the program." }),
  fields: z
    .record(
      z.string().regex(FIELD_ID),
      z.string().max(ANSWER_MAX_CHARS, { message: "at most 100,000 characters" }),
    )
    .default({})
    .meta({
      description:
        "Answers to the program's report template, by field id. A file field is answered by an attachment that names it (`field`), never here. When the template has credit fields (purpose credit-name, credit-link), their answers are the credit choice and `credit` is not needed.",
    }),
  credit: CreditSchema.default({ mode: "anonymous" }),
  contact: ContactSchema.default({}),
});

export const ApiAttachmentSchema = z.strictObject({
  filename: z.string().min(1).max(255),
  contentType: z.string().max(255).default("application/octet-stream"),
  dataBase64: z.base64({ message: "base64 data" }),
});

/** An attachment of a report: a file of its own, or the answer to one of the template's file fields. */
export const ReportAttachmentSchema = ApiAttachmentSchema.extend({
  field: z.string().regex(FIELD_ID, { message: "a field id of the program's template" }).optional().meta({
    description:
      "The id of the template field (kind `file`) this file answers, e.g. Kafe's `poc`; one file per field. Without it the file is a plain attachment. GET /api/v1/programs/{program} lists the fields.",
  }),
});

export const ApiReportSubmission = ReportCore.extend({
  attachments: z.array(ReportAttachmentSchema).max(MAX_REPORT_FILES).default([]),
  pow: z
    .string()
    .max(4096)
    .optional()
    .meta({ description: "A solved proof-of-work from GET /api/v1/pow/challenge." }),
}).meta({ id: "ReportSubmission" });

export const ReportCreated = z
  .object({
    id: z.string(),
    number: z.number().int().meta({ description: "The case's number in its program: 1, 2, …" }),
    reference: z.string().meta({
      description:
        "The case's reference for people: the program's slug upper-cased and the number, KITSU-12. Quote it when writing about the report; the receipt and every mail about it carry it.",
    }),
    reporterUrl: z.url(),
    acknowledgeBy: z
      .string()
      .nullable()
      .meta({ description: "ISO 8601; null when the program promises no time." }),
  })
  .meta({ id: "ReportCreated" });

export const ApiError = z
  .object({
    error: z.string(),
    message: z.string(),
    fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "Error" });

/**
 * Why a report was refused with 429, and when to try again (also in the Retry-After header).
 * Distinct ids, so a client can tell its own excess from a program that everyone is writing to.
 */
export const IntakeLimitError = ApiError.extend({
  error: z.string().meta({
    description:
      "`rate_limited`: too many reports from this address. `program_busy`: the program is receiving an unusual number of reports from everyone (a sender without a solved proof-of-work may still get through with one). Any route may also answer 429 for the per-minute request limit.",
  }),
  retryAfterSeconds: z
    .number()
    .int()
    .positive()
    .optional()
    .meta({ description: "Seconds to wait; the same as Retry-After." }),
}).meta({ id: "IntakeLimitError" });

export type ReportCoreValue = z.output<typeof ReportCore>;
export interface FieldError {
  field: string;
  message: string;
}

export function fieldErrorsOf(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.map(String).join(".") || "body",
    message:
      issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : issue.message,
  }));
}
