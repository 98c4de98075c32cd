import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Staff } from "../../../auth/staff.js";
import { StaffCommandError } from "../../../store/staff-errors.js";
import { type TeamActor, teamActor } from "../../../store/staff-validation.js";
import { formUploadBodyLimit } from "../../body-limits.js";
import { caseCommandHttpError } from "../../case-errors.js";
import { type CaseTarget, caseTarget } from "../../case-loader.js";
import type { WebContext } from "../../context.js";
import { notFound } from "../../errors.js";
import { type FormBody, readFormBody, requireFormContentType } from "../../form-body.js";
import { requireStaff } from "../../staff-session.js";
import { TRIAGE_FIELDS } from "../../triage-form.js";
import type { CASE_NOTICES } from "../../views/case-page.js";
import { renderCasePage } from "./case-view.js";

export const CaseParams = z.object({ id: z.string().max(64) });

/** The notice a case page shows after an action (`?notice=`). */
export type CaseNotice = keyof typeof CASE_NOTICES;

/** A form the person can fix: the page again, with `message` beside `field` (400). */
export class FormRefusal {
  constructor(
    readonly field: string,
    readonly message: string,
  ) {}
}

/** What a case form's command gets: who sends it, for which case, and what the form holds. */
export interface CaseFormInput extends CaseTarget {
  staff: Staff;
  actor: TeamActor;
  form: FormBody;
}

export interface CaseFormSpec {
  /** What the form sends: nothing the command reads, fields, or fields and files (the upload body limit). */
  body: "none" | "fields" | "files";
  /** The form field that shows a refusal of the command's `text` (the reply or the note box). */
  textField?: string;
  /** Checks the form and runs the command: the notice for the case page, or a refusal. */
  run: (input: CaseFormInput) => Promise<CaseNotice | FormRefusal>;
}

/** Store field names → the form fields that show their errors. */
const FORM_FIELDS: Readonly<Record<string, string>> = {
  priority: TRIAGE_FIELDS.priority,
  dueAt: TRIAGE_FIELDS.dueDate,
  severity: TRIAGE_FIELDS.severity,
  assetId: TRIAGE_FIELDS.asset,
  tags: TRIAGE_FIELDS.tags,
  cwe: TRIAGE_FIELDS.cwe,
  cvss31: "cvss-vector",
  cvss40: "cvss-vector",
  to: "to",
  outcome: "outcome",
  duplicateOf: "duplicate-of",
  assignee: "assignee",
  phase: "incident-phase",
  action: "incident-phase",
  releasedAt: "released-at",
  since: "privacy-since",
  notifiedAt: "authority-notified-at",
};

/**
 * A case action posted from the case page (a responder's or an administrator's): the member is
 * signed in (the scope's onRequest), may work the case (404 or 403 otherwise), sent the form with
 * its CSRF token; `run` checks the form and runs the command. The answer is 303 back to the case
 * with a notice, or the page again with the error beside its field: the form's own refusals
 * with 400, the store's with the status the API would answer. Anything else goes to the app's
 * error handler.
 */
export function staffCaseForm(scope: FastifyInstance, ctx: WebContext, action: string, spec: CaseFormSpec) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.post(
    `/cases/:id/${action}`,
    {
      schema: { params: CaseParams, hide: true },
      onRequest: requireFormContentType,
      preHandler: scope.csrfProtection,
      ...(spec.body === "files" ? { bodyLimit: formUploadBodyLimit(ctx.config.limits) } : {}),
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const target = await caseTarget(ctx, staff, request.params.id, "work");
      const form =
        spec.body === "none"
          ? { fields: {}, lists: {}, files: [] }
          : await readFormBody(request, spec.body === "files" ? ctx.config.limits.attachmentsTotalBytes : 0);
      let outcome: CaseNotice | FormRefusal;
      try {
        outcome = await spec.run({ ...target, staff, actor: teamActor(staff.userId), form });
      } catch (error) {
        const refused = storeRefusal(error, spec.textField);
        if (refused === undefined) throw error;
        return renderCasePage(ctx, request, reply, refused.status, target.id, {
          errors: refused.errors,
          draft: form,
        });
      }
      if (outcome instanceof FormRefusal)
        return renderCasePage(ctx, request, reply, 400, target.id, {
          errors: new Map([[outcome.field, outcome.message]]),
          draft: form,
        });
      return backToCase(reply, target.id, outcome);
    },
  );
}

const FormUrlParams = CaseParams.extend({ action: z.string().max(64) });

/**
 * A refused form answers with the case page at the form's URL (`/cases/{id}/transition`), so the
 * person keeps what they typed (a reply, a note) without the server parking it anywhere. That
 * URL then sits in the address bar: opened again (a copied link, the address bar, a bookmark) it
 * is a GET, which goes back to the case (303), for whoever may read it; 404 otherwise, and for a
 * path that is not one of the case's forms.
 */
export function staffCaseFormUrls(scope: FastifyInstance, ctx: WebContext) {
  scope
    .withTypeProvider<ZodTypeProvider>()
    .get("/cases/:id/:action", { schema: { params: FormUrlParams, hide: true } }, async (request, reply) => {
      const { id, action } = request.params;
      if (!scope.hasRoute({ method: "POST", url: `/cases/:id/${action}` })) throw notFound("Page");
      const target = await caseTarget(ctx, requireStaff(request), id, "view");
      return reply
        .status(303)
        .header("cache-control", "no-store")
        .header("location", `/cases/${target.id}`)
        .send();
    });
}

const backToCase = (reply: FastifyReply, id: string, notice: CaseNotice) =>
  reply
    .status(303)
    .header("cache-control", "no-store")
    .header("location", `/cases/${id}?notice=${notice}`)
    .send();

/**
 * A refusal of the store the person can fix, as the error beside its field and the status the
 * API would answer; undefined for anything else (an unknown case included: that is a 404 page).
 */
function storeRefusal(
  error: unknown,
  textField: string | undefined,
): { status: number; errors: Map<string, string> } | undefined {
  const mapped = error instanceof StaffCommandError ? caseCommandHttpError(error) : undefined;
  if (mapped === undefined || mapped.statusCode === 404) return undefined;
  const errors = new Map<string, string>();
  const first = mapped.fields?.[0];
  if (mapped.id === "transition_not_allowed") errors.set("transition", mapped.message);
  else if (mapped.id === "phase_not_allowed") errors.set("incident-phase", mapped.message);
  else if (first !== undefined)
    errors.set(
      first.field === "text" && textField !== undefined
        ? textField
        : (FORM_FIELDS[first.field] ?? first.field),
      first.message,
    );
  else errors.set("transition", mapped.message);
  return { status: mapped.statusCode, errors };
}
