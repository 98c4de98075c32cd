import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { submitReportCommand } from "../../commands/intake-report.js";
import { reportFromForm } from "../../intake/form-report.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import { intakeRefusalText } from "../abuse/intake-limiter.js";
import { formUploadBodyLimit } from "../body-limits.js";
import type { WebContext } from "../context.js";
import { notFound } from "../errors.js";
import { readFormBody, requireFormContentType } from "../form-body.js";
import { verifyPowSolution } from "../pow/challenge.js";
import { renderPage } from "../views/layout.js";
import { ReportFormPage } from "../views/report-form.js";

const Params = z.object({ program: z.string().max(64) });

/** The report form: works with JavaScript off; the proof-of-work only raises the rate limit. */
export async function reportFormRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const program = (slug: string) => ctx.programs.get(slug) ?? throwNotFound();

  const showForm = (
    reply: FastifyReply,
    status: number,
    loaded: LoadedPolicy,
    values: Record<string, string>,
    errors: Map<string, string>,
  ) =>
    reply
      .status(status)
      .header("cache-control", "no-store")
      .type("text/html; charset=utf-8")
      .send(
        renderPage(
          ReportFormPage({
            program: loaded,
            values,
            errors,
            csrfToken: reply.generateCsrf(),
            limits: ctx.config.limits,
          }),
        ),
      );

  app.get("/p/:program/report", { schema: { params: Params, hide: true } }, async (request, reply) =>
    showForm(reply, 200, program(request.params.program), {}, new Map()),
  );

  app.post(
    "/p/:program/report",
    {
      schema: { params: Params, hide: true },
      bodyLimit: formUploadBodyLimit(ctx.config.limits),
      onRequest: requireFormContentType,
      preHandler: scope.csrfProtection,
    },
    async (request, reply) => {
      const loaded = program(request.params.program);
      const slug = loaded.policy.program.slug;
      const form = await readFormBody(request, ctx.config.limits.attachmentsTotalBytes);
      const { _csrf: _, pow, ...values } = form.fields;
      const powSolved = (await verifyPowSolution(pow, ctx.pow, ctx.replay)) === "valid";

      const againWithFiles = (errors: Map<string, string>) => {
        if (form.files.length > 0) {
          errors.set("attachments", "Browsers cannot keep attached files: please attach them again.");
        }
        return errors;
      };

      // Taken before the report is written, in one locked step: concurrent requests and other
      // instances cannot get past the limit (src/web/abuse/intake-limiter.ts).
      const allowed = await ctx.limiter.take({ ip: request.ip, powSolved }, slug);
      if (!allowed.ok) {
        reply.header("retry-after", String(allowed.retryAfterSeconds));
        const message = `${intakeRefusalText(allowed, powSolved)} What you typed is kept below.`;
        return showForm(reply, 429, loaded, values, againWithFiles(new Map([["form", message]])));
      }

      const outcome = await submitReportCommand(ctx, loaded, reportFromForm(values), form.files, "web");
      if (outcome.ok) {
        return reply.status(303).header("location", `/r/${outcome.reporterToken}/receipt`).send();
      }
      // Not taken in, so not counted: a typo costs the sender nothing.
      await allowed.giveBack(request.log);
      const errors = new Map(outcome.errors.map((error) => [error.field, error.message]));
      return showForm(reply, 400, loaded, values, againWithFiles(errors));
    },
  );
}

function throwNotFound(): never {
  throw notFound("Program");
}
