import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Staff } from "../../../auth/staff.js";
import { type IncidentField, type IncidentRequest, openIncident } from "../../../commands/open-incident.js";
import type { LoadedPolicy } from "../../../policy/loader.js";
import { teamActor } from "../../../store/staff-validation.js";
import type { WebContext } from "../../context.js";
import { HttpError, notFound } from "../../errors.js";
import { readFormBody, requireFormContentType } from "../../form-body.js";
import { canViewCase, canWorkCase } from "../../permissions.js";
import { requireStaff } from "../../staff-session.js";
import { INCIDENT_FIELDS, IncidentProgramsPage, NewIncidentPage } from "../../views/new-incident-page.js";
import { sendPage } from "./send-page.js";

const ProgramParams = z.object({ program: z.string().max(64) });

/**
 * A new incident's text: a description of up to 100,000 characters, URL-encoded at up to 9 bytes
 * each, and twenty links of 2,000 characters. More is refused (413) before it is parsed.
 */
export const INCIDENT_BODY_LIMIT = 2 * 1024 * 1024;

/**
 * The program a member opens an incident in: 404 when there is no such program, when it keeps
 * no incident register, or when the member may not read its cases (never saying which); 403 when
 * they may read its cases but not work them. Shared by the page and the staff API.
 */
export function incidentProgram(ctx: Pick<WebContext, "programs">, staff: Staff, slug: string): LoadedPolicy {
  const program = ctx.programs.get(slug);
  if (program === undefined || program.policy.incident.register === undefined || !canViewCase(staff, slug))
    throw notFound("Program");
  if (!canWorkCase(staff, slug))
    throw new HttpError(
      403,
      "forbidden",
      "Your role on this program lets you read its cases, not open incidents.",
    );
  return program;
}

/** The programs with an incident register whose cases the member may work. */
export function incidentProgramsOf(ctx: Pick<WebContext, "programs">, staff: Staff): LoadedPolicy[] {
  return ctx.programs
    .all()
    .filter((p) => p.policy.incident.register !== undefined && canWorkCase(staff, p.policy.program.slug));
}

/** The command's fields → the form's. */
const FORM_FIELD: Readonly<Record<IncidentField, string>> = INCIDENT_FIELDS;

/**
 * The "New incident" pages (responders and administrators of a program with an incident
 * register): choose the program, fill in the form, and the incident opens as a case; the answer
 * is 303 to the new case, or the form again with each error beside its field (400).
 */
export function newIncidentRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();

  const formPage = (
    reply: FastifyReply,
    staff: Staff,
    program: LoadedPolicy,
    status: number,
    values: Record<string, string> = {},
    errors: Map<string, string> = new Map(),
  ) => {
    const policy = program.policy;
    return sendPage(
      reply,
      status,
      NewIncidentPage({
        csrfToken: reply.generateCsrf(),
        email: staff.email,
        program: { slug: policy.program.slug, name: policy.program.name },
        sourceTags: policy.incident.register?.sourceTags ?? [],
        backgroundLinks: policy.incident.register?.backgroundLinks === true,
        assets: policy.scope.inScope.map((asset) => ({ id: asset.id, name: asset.name })),
        values,
        errors,
      }),
    );
  };

  app.get("/incidents/new", { schema: { hide: true } }, async (request, reply) => {
    const staff = requireStaff(request);
    const programs = incidentProgramsOf(ctx, staff).map((p) => ({
      slug: p.policy.program.slug,
      name: p.policy.program.name,
    }));
    return sendPage(
      reply,
      200,
      IncidentProgramsPage({ csrfToken: reply.generateCsrf(), email: staff.email, programs }),
    );
  });

  app.get(
    "/programs/:program/incidents/new",
    { schema: { params: ProgramParams, hide: true } },
    async (request, reply) => {
      const staff = requireStaff(request);
      return formPage(reply, staff, incidentProgram(ctx, staff, request.params.program), 200);
    },
  );

  app.post(
    "/programs/:program/incidents",
    {
      schema: { params: ProgramParams, hide: true },
      bodyLimit: INCIDENT_BODY_LIMIT,
      onRequest: requireFormContentType,
      preHandler: scope.csrfProtection,
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = incidentProgram(ctx, staff, request.params.program);
      const { fields } = await readFormBody(request, 0);
      const F = INCIDENT_FIELDS;
      const incident: IncidentRequest = {
        title: fields[F.title] ?? "",
        description: fields[F.description] ?? "",
        sourceTag: fields[F.sourceTag] ?? "",
        backgroundLinks: (fields[F.backgroundLinks] ?? "").split(/\r?\n/),
        asset: fields[F.asset] ?? "",
      };
      const outcome = await openIncident(ctx, program, teamActor(staff.userId), incident, "web");
      if (!outcome.ok) {
        const errors = new Map(outcome.errors.map((error) => [FORM_FIELD[error.field], error.message]));
        return formPage(reply, staff, program, 400, fields, errors);
      }
      return reply
        .status(303)
        .header("cache-control", "no-store")
        .header("location", `/cases/${outcome.caseId}?notice=incident-opened`)
        .send();
    },
  );
}
