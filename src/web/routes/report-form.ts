import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { submitReportCommand } from "../../commands/intake-report.js";
import type { OfferedFile } from "../../intake/file-answers.js";
import { reportFromForm } from "../../intake/form-report.js";
import { prepareReport } from "../../intake/prepare-report.js";
import type { FieldError } from "../../intake/report-schema.js";
import { programPublicKey } from "../../mail/key-directory.js";
import { programAddresses } from "../../mail/program-addresses.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import { sanitizeFilename } from "../../store/sanitize.js";
import { intakeRefusalText } from "../abuse/intake-limiter.js";
import { formUploadBodyLimit } from "../body-limits.js";
import type { WebContext } from "../context.js";
import { notFound } from "../errors.js";
import { readFormBody, requireFormContentType } from "../form-body.js";
import { verifyPowSolution } from "../pow/challenge.js";
import { renderPage } from "../views/layout.js";
import { type MailEncryption, ReportFormPage } from "../views/report-form.js";
import { filesWithInputs } from "./report-form-parts.js";

const Params = z.object({ program: z.string().max(64) });

/** The report form: works with JavaScript off; the proof-of-work only raises the rate limit. */
export async function reportFormRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const program = (slug: string) => ctx.programs.get(slug) ?? throwNotFound();

  /** For a program that requires encrypted reports: where to mail one and the key to encrypt it to. */
  const mailEncryptionOf = async (loaded: LoadedPolicy): Promise<MailEncryption | undefined> => {
    const encryption = loaded.policy.encryption;
    if (encryption.reports !== "required") return undefined;
    const ownKey = await programPublicKey(ctx.store, loaded);
    const keyUrl =
      ownKey !== undefined ? `/p/${loaded.policy.program.slug}/openpgp.asc` : encryption.openpgpKey?.url;
    return {
      addresses: programAddresses(loaded.policy),
      ...(keyUrl === undefined ? {} : { keyUrl }),
      ...(encryption.guidance === undefined ? {} : { guidance: encryption.guidance }),
    };
  };

  const showForm = async (
    reply: FastifyReply,
    status: number,
    loaded: LoadedPolicy,
    values: Record<string, string>,
    errors: Map<string, string>,
  ) => {
    const mailEncryption = await mailEncryptionOf(loaded);
    return reply
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
            encryptedInTransit: ctx.config.publicUrl.startsWith("https:"),
            ...(mailEncryption === undefined ? {} : { mailEncryption }),
          }),
        ),
      );
  };

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
      const files = filesWithInputs(form.files);
      const showAgain = (status: number, errors: Map<string, string>) =>
        showForm(reply, status, loaded, values, againWithFiles(errors, files));

      // Files that do not fit the template are refused before the intake limit is counted.
      const prepared = await prepareReport(
        loaded.policy,
        reportFromForm(values),
        files,
        answersSentTwice(form.lists),
      );
      if (!prepared.ok) return showAgain(400, errorMap(prepared.errors));

      // Taken before the report is written, in one locked step: concurrent requests and other
      // instances cannot get past the limit (src/web/abuse/intake-limiter.ts).
      const allowed = await ctx.limiter.take({ ip: request.ip, powSolved }, slug);
      if (!allowed.ok) {
        reply.header("retry-after", String(allowed.retryAfterSeconds));
        const message = `${intakeRefusalText(allowed, powSolved)} What you typed is kept below.`;
        return showAgain(429, new Map([["form", message]]));
      }

      const outcome = await submitReportCommand(
        ctx,
        loaded,
        prepared.submission,
        prepared.attachments,
        "web",
      );
      if (outcome.ok) {
        return reply.status(303).header("location", `/r/${outcome.reporterToken}/receipt`).send();
      }
      // Not taken in, so not counted: a typo costs the sender nothing.
      await allowed.giveBack(request.log);
      return showAgain(400, errorMap(outcome.errors));
    },
  );
}

const errorMap = (errors: readonly FieldError[]) =>
  new Map(errors.map((error) => [error.field, error.message]));

/**
 * A browser never sends a template answer twice; a crafted form that does is refused rather than
 * have one of its answers silently win.
 */
function answersSentTwice(lists: Record<string, string[]>): FieldError[] {
  return Object.entries(lists)
    .filter(([name, values]) => name.startsWith("fields.") && values.length > 1)
    .map(([name]) => ({ field: name, message: "This answer was sent more than once: send it once." }));
}

/** Files cannot be put back into a form: say which to attach again, beside their inputs. */
function againWithFiles(errors: Map<string, string>, files: readonly OfferedFile[]): Map<string, string> {
  for (const { file, field } of files) {
    if (field === undefined || errors.has(`fields.${field}`)) continue;
    errors.set(
      `fields.${field}`,
      `Browsers cannot keep attached files: please attach ${sanitizeFilename(file.filename)} again.`,
    );
  }
  if (files.some((file) => file.field === undefined)) {
    errors.set("attachments", "Browsers cannot keep attached files: please attach them again.");
  }
  return errors;
}

function throwNotFound(): never {
  throw notFound("Program");
}
