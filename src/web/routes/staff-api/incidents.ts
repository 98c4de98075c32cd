import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { MAX_BACKGROUND_LINKS } from "../../../commands/background-links.js";
import { openIncident } from "../../../commands/open-incident.js";
import { ApiError } from "../../../intake/report-schema.js";
import { teamActor } from "../../../store/staff-validation.js";
import type { WebContext } from "../../context.js";
import { HttpError } from "../../errors.js";
import { requireStaff } from "../../staff-session.js";
import { INCIDENT_BODY_LIMIT, incidentProgram } from "../staff/new-incident.js";
import { errors, security, tags, writes } from "./openapi.js";

const ProgramParams = z.object({ program: z.string().max(64).meta({ description: "The program's slug." }) });

// Types and rough bounds here; the rules (lengths, the policy's tags, links and assets) are the
// command's, so the page and the API refuse alike and name the same fields.
const NewIncident = z
  .strictObject({
    title: z.string().meta({ description: "At most 200 characters." }),
    description: z.string().meta({ description: "At most 100,000 characters; shown as the case's report." }),
    sourceTag: z
      .string()
      .default("")
      .meta({ description: "One of `incident.register.sourceTags`; required when the policy lists any." }),
    backgroundLinks: z
      .array(z.string())
      .max(MAX_BACKGROUND_LINKS * 5)
      .default([])
      .meta({
        description: `http(s) URLs, at most ${MAX_BACKGROUND_LINKS}, each at most 2,000 characters; only when \`incident.register.backgroundLinks\` is true.`,
      }),
    asset: z.string().default("").meta({ description: "The id of one of the program's in-scope assets." }),
  })
  .meta({ id: "NewIncident" });

const IncidentOpened = z
  .object({
    id: z.string().meta({ description: "The new case's id." }),
    url: z.string().meta({ description: "The case page." }),
  })
  .meta({ id: "IncidentOpened" });

/**
 * Opening an incident through the staff API (a responder's or an administrator's token or
 * session): the same command as the "New incident" page. 201 with the case; 400 naming each
 * field the policy refuses; 403 for a viewer; 404 for a program that keeps no incident register
 * (or is not the caller's).
 */
export function incidentApiRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.post(
    "/api/v1/programs/:program/incidents",
    {
      ...writes,
      bodyLimit: INCIDENT_BODY_LIMIT,
      schema: {
        summary:
          "Open an incident that did not come from a report (programs with an incident register); there is no reporter",
        tags,
        security,
        params: ProgramParams,
        body: NewIncident,
        response: { 201: IncidentOpened, ...errors, 413: ApiError, 415: ApiError },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = incidentProgram(ctx, staff, request.params.program);
      const outcome = await openIncident(ctx, program, teamActor(staff.userId), request.body, "api");
      if (!outcome.ok)
        throw new HttpError(
          400,
          "invalid_incident",
          `Invalid ${outcome.errors.map((error) => error.field).join(", ")}.`,
          outcome.errors,
        );
      return reply
        .status(201)
        .header("cache-control", "no-store")
        .send({
          id: outcome.caseId,
          url: `${ctx.config.publicUrl}/cases/${outcome.caseId}`,
        });
    },
  );
}
