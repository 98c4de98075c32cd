import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { searchCwe } from "../../domain/cwe/index.js";
import { ApiError } from "../../intake/report-schema.js";
import { casesWithReporterNews } from "../../store/case-reads.js";
import { sendAttachment, teamAttachment } from "../attachment-download.js";
import { loadCase } from "../case-loader.js";
import type { WebContext } from "../context.js";
import { canWorkCase, caseViewerOf, inboxReach } from "../permissions.js";
import { caseJson, caseReadingOf } from "../presenters/case.js";
import { inboxRowJson } from "../presenters/inbox-row.js";
import { requireStaff } from "../staff-session.js";
import { InboxQuery, inboxPageOf } from "./inbox-query.js";
import { advisoryApiRoutes } from "./staff-api/advisories.js";
import { affectedApiRoutes } from "./staff-api/affected.js";
import { caseWriteRoutes } from "./staff-api/case-writes.js";
import { confidentialityApiRoutes } from "./staff-api/confidentiality.js";
import { disclosurePlanApiRoutes } from "./staff-api/disclosure-plan.js";
import { incidentApiRoutes } from "./staff-api/incidents.js";
import { config, errors, security, tags } from "./staff-api/openapi.js";
import { problemApiRoutes } from "./staff-api/problems.js";
import { rewardApiRoutes } from "./staff-api/rewards.js";
import {
  AttachmentParams,
  CaseDetail,
  CaseIdParams,
  CaseList,
  CweQuery,
  CweResults,
} from "./staff-api-schema.js";

/**
 * The staff JSON API: the workspace's reads and actions for programs' own tools. Callers send an
 * API token (`Authorization: Bearer embargo_…`, scoped to one program and role) or come with a
 * signed-in browser session. Answers: 401 without credentials, 404 for a case outside the
 * caller's programs (never 403: that would confirm it exists), 403 when the role only allows
 * reading, 409 for a transition the lifecycle refuses (with the allowed moves).
 *
 * Writes made with a browser session must be `application/json` (src/web/routes/staff-api/openapi.ts);
 * the writes themselves are in src/web/routes/staff-api/case-writes.ts. What a case and an inbox
 * row look like is src/web/presenters/'s, shared with the staff pages.
 */
export async function staffApiRoutes(scope: FastifyInstance, ctx: WebContext) {
  // Who is asking comes before what they sent: an anonymous caller gets 401, never a 400 that
  // describes the staff API's validation.
  scope.addHook("preValidation", async (request) => {
    requireStaff(request);
  });
  const app = scope.withTypeProvider<ZodTypeProvider>();

  app.get(
    "/api/v1/cases",
    {
      config,
      schema: {
        summary: "The inbox: cases of the caller's programs, what is due first",
        tags,
        security,
        querystring: InboxQuery,
        response: { 200: CaseList, ...errors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      // Programs limited to assigned cases are listed too, with only those cases.
      const { programs: viewable, assignedOnly } = inboxReach(
        staff,
        ctx.programs.all().map((p) => p.policy.program.slug),
      );
      const now = ctx.clock();
      const page = await inboxPageOf(ctx, request.query, staff, viewable, now, assignedOnly);
      const news = await casesWithReporterNews(
        ctx.store,
        staff.userId,
        page.rows.map((row) => row.id),
      );
      return reply.header("cache-control", "no-store").send({
        cases: page.rows.map((row) => inboxRowJson(ctx.programs, row, now, news.has(row.id))),
        next: page.next ?? null,
      });
    },
  );

  app.get(
    "/api/v1/cases/:id",
    {
      config,
      schema: {
        summary: "A case with its report, contact, timeline (internal notes included), clocks and triage",
        tags,
        security,
        params: CaseIdParams,
        response: { 200: CaseDetail, ...errors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { program, found } = await loadCase(ctx, staff, request.params.id, "view");
      const reading = await caseReadingOf(ctx, program, found, ctx.clock(), caseViewerOf(staff));
      return reply
        .header("cache-control", "no-store")
        .send(caseJson(reading, canWorkCase(staff, found.program)));
    },
  );

  app.get(
    "/api/v1/cases/:id/attachments/:aid",
    {
      config,
      schema: {
        summary: "Download an attachment (application/octet-stream, always as a download)",
        tags,
        security,
        params: AttachmentParams,
      },
    },
    async (request, reply) => {
      const { id, aid } = request.params;
      return sendAttachment(reply, await teamAttachment(ctx, requireStaff(request), id, aid));
    },
  );

  caseWriteRoutes(scope, ctx);
  confidentialityApiRoutes(scope, ctx);
  disclosurePlanApiRoutes(scope, ctx);
  affectedApiRoutes(scope, ctx);
  problemApiRoutes(scope, ctx);
  advisoryApiRoutes(scope, ctx);
  incidentApiRoutes(scope, ctx);
  rewardApiRoutes(scope, ctx);

  app.get(
    "/api/v1/cwe",
    {
      config,
      schema: {
        summary: "Search the CWE catalogue by id or words",
        tags,
        security,
        querystring: CweQuery,
        response: { 200: CweResults, 401: ApiError },
      },
    },
    async (request, reply) => {
      requireStaff(request);
      return reply.send(
        searchCwe(request.query.q, 25).map(({ id, name, kind, usage, top25 }) => ({
          id,
          name,
          kind,
          usage,
          top25,
        })),
      );
    },
  );
}
