import type { SwaggerTransform } from "@fastify/swagger";
import { jsonSchemaTransform } from "fastify-type-provider-zod";
import { programReportJsonSchema } from "../../intake/program-report-schema.js";
import type { LoadedPolicy } from "../../policy/loader.js";

/** The name of a program's report body among the OpenAPI document's schemas. */
export const programBodyName = (slug: string) => `ReportSubmission-${slug}`;

/** The part of the OpenAPI document this transform writes to. */
interface Writable {
  paths?: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown> };
}

const json = (ref: string, description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } },
});

/**
 * The intake route's swagger transform: besides the route itself (the body every program
 * accepts), one path per program, `POST /api/v1/programs/<slug>/reports`, whose request body is
 * that program's own (its template's fields, required ones required, file fields as attachments
 * naming them), as a schema `ReportSubmission-<slug>`. OpenAPI matches a concrete path before a
 * templated one, as the server's router does, and both reach the same route.
 */
export function withProgramBodies(programs: () => readonly LoadedPolicy[]): SwaggerTransform {
  return (args) => {
    const transformed = jsonSchemaTransform(args);
    if (!("openapiObject" in args)) return transformed;
    const document = args.openapiObject as Writable;
    document.paths ??= {};
    document.components ??= {};
    document.components.schemas ??= {};
    const { paths } = document;
    const { schemas } = document.components;
    for (const { policy } of programs()) {
      const { slug, name } = policy.program;
      const { $schema: _, ...body } = programReportJsonSchema(policy);
      schemas[programBodyName(slug)] = body;
      paths[`/api/v1/programs/${slug}/reports`] = {
        post: {
          summary: `Submit a vulnerability report to ${name}`,
          description: `The body ${name}'s report template asks for. GET /api/v1/programs/${slug} describes the template.`,
          tags: ["reports"],
          requestBody: { required: true, ...json(programBodyName(slug), `A report to ${name}.`) },
          responses: {
            201: json("ReportCreated", "The report was taken in."),
            400: json("Error", "The report does not fit the template: `fields` names each problem."),
            413: json("Error", "A file or the whole request is too large."),
            415: json("Error", "Not application/json."),
            429: json("IntakeLimitError", "Too many reports: try again after Retry-After seconds."),
          },
        },
      };
    }
    return transformed;
  };
}
