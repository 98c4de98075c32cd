import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { submitReportCommand } from "../../commands/intake-report.js";
import { largestUploadBytes } from "../../config.js";
import { prepareReport } from "../../intake/prepare-report.js";
import {
  ApiError,
  ApiReportSubmission,
  type FieldError,
  IntakeLimitError,
  ReportCreated,
} from "../../intake/report-schema.js";
import { intakeRefusalText } from "../abuse/intake-limiter.js";
import type { WebContext } from "../context.js";
import { HttpError, notFound } from "../errors.js";
import { readJsonAttachments } from "../json-attachments.js";
import { verifyPowSolution } from "../pow/challenge.js";
import { affectedRoutes } from "./affected.js";
import { programApiRoutes } from "./program-api.js";
import { withProgramBodies } from "./program-openapi.js";

const Params = z.object({ program: z.string().max(64).meta({ description: "The program's slug." }) });

/**
 * The JSON intake API: the same report schema and rules as the web form. A file answering a
 * template file field (Kafe's proof of concept) is an attachment that names the field.
 */
export async function apiRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const bodyLimit = largestUploadBytes(ctx.config.limits.attachmentsTotalBytes);
  // What a program's report must hold (registered here, beside the intake it describes).
  await programApiRoutes(scope, ctx);
  // "Is my version affected?": what has been published about a product's versions (issue 12).
  await affectedRoutes(scope, ctx);

  app.post(
    "/api/v1/programs/:program/reports",
    {
      bodyLimit,
      onRequest: requireJson,
      config: { swaggerTransform: withProgramBodies(() => ctx.programs.all()) },
      schema: {
        summary: "Submit a vulnerability report",
        description:
          "The body every program accepts. Each program's own body (its template's fields, which are required, which take a file) is documented at POST /api/v1/programs/<slug>/reports below, and served as a JSON Schema by GET /api/v1/programs/{program}.",
        tags: ["reports"],
        params: Params,
        body: ApiReportSubmission,
        response: {
          201: ReportCreated,
          400: ApiError,
          404: ApiError,
          413: ApiError,
          415: ApiError,
          429: IntakeLimitError,
        },
      },
    },
    async (request, reply) => {
      const loaded = ctx.programs.get(request.params.program);
      if (loaded === undefined) throw notFound("Program");
      const slug = loaded.policy.program.slug;
      const { attachments, pow, ...report } = request.body;
      const powSolved = (await verifyPowSolution(pow, ctx.pow, ctx.replay)) === "valid";

      const files = readJsonAttachments(attachments, ctx.config.limits).map((file, index) => {
        const field = attachments[index]?.field;
        return field === undefined ? { file } : { file, field };
      });
      // Files that do not fit the template are refused before the intake limit is counted.
      const prepared = await prepareReport(loaded.policy, report, files);
      if (!prepared.ok) throw invalidReport(prepared.errors);

      // Taken before the report is written, in one locked step: concurrent requests and other
      // instances cannot get past the limit (src/web/abuse/intake-limiter.ts).
      const allowed = await ctx.limiter.take({ ip: request.ip, powSolved }, slug);
      if (!allowed.ok) {
        reply.header("retry-after", String(allowed.retryAfterSeconds));
        throw new HttpError(
          429,
          allowed.limit === "address" ? "rate_limited" : "program_busy",
          intakeRefusalText(allowed, powSolved),
          undefined,
          { retryAfterSeconds: allowed.retryAfterSeconds },
        );
      }
      const outcome = await submitReportCommand(
        ctx,
        loaded,
        prepared.submission,
        prepared.attachments,
        "api",
      );
      if (!outcome.ok) {
        // Not taken in, so not counted: a mistake costs the sender nothing.
        await allowed.giveBack(request.log);
        throw invalidReport(outcome.errors);
      }
      return reply.status(201).send({
        id: outcome.caseId,
        number: outcome.number,
        reference: outcome.reference,
        reporterUrl: `${ctx.config.publicUrl}/r/${outcome.reporterToken}`,
        acknowledgeBy: outcome.acknowledgeBy?.toISOString() ?? null,
      });
    },
  );
}

const invalidReport = (errors: FieldError[]) =>
  new HttpError(400, "invalid_report", `Invalid ${errors.map((e) => e.field).join(", ")}.`, errors);

async function requireJson(request: FastifyRequest) {
  if (!/^application\/json\b/i.test(request.headers["content-type"] ?? "")) {
    throw new HttpError(415, "unsupported_media_type", "Send the report as application/json.");
  }
}
