import { z } from "zod";
import type { Policy } from "../policy/schema.js";
import { FIELD_KINDS } from "../policy/schema.js";
import { programReportJsonSchema } from "./program-report-schema.js";
import { MAX_REPORT_FILES } from "./report-schema.js";

type Purpose = NonNullable<Policy["reportTemplate"]["fields"][number]["purpose"]>;
/** The policy's field purposes (src/policy/schema.ts names them only inside its field schema). */
const PURPOSES = ["credit-name", "credit-link", "proof-of-concept"] as const satisfies readonly Purpose[];

export const ProgramTemplateField = z.object({
  id: z.string(),
  label: z.string(),
  help: z.string().optional(),
  kind: z.enum(FIELD_KINDS).meta({
    description:
      "`file` is answered by an attachment naming the field (`field`), every other kind in `fields`.",
  }),
  required: z.boolean(),
  choices: z.array(z.string()).optional().meta({ description: "The answers allowed, for kind `choice`." }),
  purpose: z.enum(PURPOSES).optional().meta({
    description:
      "credit-name, credit-link: the answer is how the reporter is credited (no `credit` object needed). proof-of-concept: the proof of concept.",
  }),
});

/** What a client needs to send a report to one program without trial and error. */
export const ProgramDescription = z
  .object({
    slug: z.string(),
    name: z.string(),
    reportUrl: z.string().meta({ description: "Where to POST the report (JSON)." }),
    formUrl: z.string().meta({ description: "The same report as a web form." }),
    template: z.object({
      intro: z.string().optional(),
      subjectGuidance: z.string().optional(),
      fields: z.array(ProgramTemplateField),
    }),
    assets: z
      .array(z.object({ id: z.string(), name: z.string(), kind: z.string() }))
      .meta({ description: "In-scope assets; a report may name one as `asset`." }),
    attachments: z.object({
      maxFiles: z.number().int(),
      maxFileBytes: z.number().int(),
      maxTotalBytes: z.number().int(),
    }),
    reportSchema: z
      .record(z.string(), z.unknown())
      .meta({ description: "A JSON Schema (draft 2020-12) of this program's report body." }),
  })
  .meta({ id: "Program" });

export type ProgramDescriptionValue = z.input<typeof ProgramDescription>;

/** The program's public description, from its policy (nothing here is secret: the policy page shows it). */
export function describeProgram(
  policy: Policy,
  options: { publicUrl: string; limits: { attachmentBytes: number; attachmentsTotalBytes: number } },
): ProgramDescriptionValue {
  const slug = policy.program.slug;
  const template = policy.reportTemplate;
  return {
    slug,
    name: policy.program.name,
    reportUrl: `${options.publicUrl}/api/v1/programs/${slug}/reports`,
    formUrl: `${options.publicUrl}/p/${slug}/report`,
    template: {
      ...(template.intro === undefined ? {} : { intro: template.intro }),
      ...(template.subjectGuidance === undefined ? {} : { subjectGuidance: template.subjectGuidance }),
      fields: template.fields.map((field) => ({
        id: field.id,
        label: field.label,
        ...(field.help === undefined ? {} : { help: field.help }),
        kind: field.kind,
        required: field.required,
        ...(field.choices === undefined ? {} : { choices: field.choices }),
        ...(field.purpose === undefined ? {} : { purpose: field.purpose }),
      })),
    },
    assets: policy.scope.inScope.map((asset) => ({ id: asset.id, name: asset.name, kind: asset.kind })),
    attachments: {
      maxFiles: MAX_REPORT_FILES,
      maxFileBytes: options.limits.attachmentBytes,
      maxTotalBytes: options.limits.attachmentsTotalBytes,
    },
    reportSchema: programReportJsonSchema(policy),
  };
}
