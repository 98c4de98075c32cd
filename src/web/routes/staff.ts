import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { CWE_CATALOGUE_SOURCE, searchCwe } from "../../domain/cwe/index.js";
import { sendAttachment, teamAttachment } from "../attachment-download.js";
import type { WebContext } from "../context.js";
import { requireStaff } from "../staff-session.js";
import { CASE_NOTICES } from "../views/case-page.js";
import { CwePage } from "../views/cwe-page.js";
import { advisoryRoutes } from "./staff/advisories.js";
import { CaseParams } from "./staff/case-form.js";
import { caseFormRoutes } from "./staff/case-forms.js";
import { renderCasePage } from "./staff/case-view.js";
import { inboxRoutes } from "./staff/inbox.js";
import { keyboardHelpRoutes } from "./staff/keyboard-help.js";
import { newIncidentRoutes } from "./staff/new-incident.js";
import { problemRoutes } from "./staff/problems.js";
import { sendPage } from "./staff/send-page.js";

const AttachmentParams = CaseParams.extend({ aid: z.string().max(64) });
const CaseQuery = z.object({ notice: z.string().max(20).optional() });
const CweQuery = z.object({ q: z.string().max(200).optional() });

/**
 * The team's workspace in the browser: the inbox, the case page and its actions, attachments and
 * a CWE lookup. Server-rendered and working without JavaScript (scripts only add keyboard
 * shortcuts and live scores); every form posts with a CSRF token and answers 303 back to the case
 * with a notice, or the page again with the error beside its field.
 * Who may do what is decided in src/web/permissions.ts, checked in src/web/case-loader.ts.
 */
export async function staffRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();

  inboxRoutes(scope, ctx);
  keyboardHelpRoutes(scope);
  newIncidentRoutes(scope, ctx);

  app.get(
    "/cases/:id",
    { schema: { params: CaseParams, querystring: CaseQuery, hide: true } },
    async (request, reply) => {
      const notice = request.query.notice === undefined ? undefined : CASE_NOTICES[request.query.notice];
      return renderCasePage(
        ctx,
        request,
        reply,
        200,
        request.params.id,
        notice === undefined ? {} : { notice },
      );
    },
  );

  app.get(
    "/cases/:id/attachments/:aid",
    { schema: { params: AttachmentParams, hide: true } },
    async (request, reply) => {
      const { id, aid } = request.params;
      return sendAttachment(reply, await teamAttachment(ctx, requireStaff(request), id, aid));
    },
  );

  caseFormRoutes(scope, ctx);
  problemRoutes(scope, ctx);
  advisoryRoutes(scope, ctx);

  // CWE lookup (for people without JavaScript)
  app.get("/cwe", { schema: { querystring: CweQuery, hide: true } }, async (request, reply) => {
    const staff = requireStaff(request);
    const query = (request.query.q ?? "").trim();
    return sendPage(
      reply,
      200,
      CwePage({
        csrfToken: reply.generateCsrf(),
        email: staff.email,
        query,
        results: query === "" ? [] : searchCwe(query, 25),
        source: CWE_CATALOGUE_SOURCE,
      }),
    );
  });
}
