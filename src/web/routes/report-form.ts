import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { reportFromForm } from "../../intake/form-report.js";
import { submitReportCommand } from "../../intake/submit.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import type { WebContext } from "../app.js";
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
      onRequest: requireFormContentType,
      preHandler: scope.csrfProtection,
    },
    async (request, reply) => {
      const loaded = program(request.params.program);
      const slug = loaded.policy.program.slug;
      const form = await readFormBody(request, ctx.config.limits.attachmentsTotalBytes);
      const { _csrf: _, pow, ...values } = form.fields;
      const powSolved = (await verifyPowSolution(pow, ctx.pow, ctx.replay)) === "valid";

      const allowed = ctx.limiter.check(request.ip, slug, powSolved);
      if (!allowed.ok) {
        const minutes = Math.ceil(allowed.retryAfterSeconds / 60);
        reply.header("retry-after", String(allowed.retryAfterSeconds));
        const message = `Too many reports from your address. Please try again in ${minutes} minute(s); what you typed is kept below.`;
        return showForm(reply, 429, loaded, values, new Map([["form", message]]));
      }

      const outcome = await submitReportCommand(ctx, loaded, reportFromForm(values), form.files, "web");
      if (outcome.ok) {
        ctx.limiter.record(request.ip, slug, powSolved);
        return reply.status(303).header("location", `/r/${outcome.reporterToken}/receipt`).send();
      }
      const errors = new Map(outcome.errors.map((error) => [error.field, error.message]));
      if (form.files.length > 0) {
        errors.set("attachments", "Browsers cannot keep attached files: please attach them again.");
      }
      return showForm(reply, 400, loaded, values, errors);
    },
  );
}

function throwNotFound(): never {
  throw notFound("Program");
}
