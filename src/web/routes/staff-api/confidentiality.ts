import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { setConfidentiality } from "../../../commands/confidentiality.js";
import { MAX_CASE_MEMBERS } from "../../../domain/cases/confidentiality.js";
import { teamActor } from "../../../store/staff-validation.js";
import { caseTarget } from "../../case-loader.js";
import type { WebContext } from "../../context.js";
import { requireStaff } from "../../staff-session.js";
import { CaseIdParams, Changed } from "../staff-api-schema.js";
import { errors, security, tags, writes } from "./openapi.js";

/**
 * `POST /api/v1/cases/{id}/confidentiality`: mark a case confidential and name the members who may
 * see it (the caller is always named), or lift it. Like the case page's fold: only someone who can
 * see and work the case (once confidential, a named member) gets past the 404.
 */
export const ConfidentialityBody = z
  .strictObject({
    confidential: z.boolean(),
    members: z
      .array(z.string().regex(/^[a-z2-7]{16}$/))
      .max(MAX_CASE_MEMBERS)
      .default([])
      .meta({ description: "User ids of the members who may see the case; the caller is added." }),
  })
  .meta({ id: "ConfidentialityBody" });

export function confidentialityApiRoutes(scope: FastifyInstance, ctx: WebContext): void {
  scope.withTypeProvider<ZodTypeProvider>().post(
    "/api/v1/cases/:id/confidentiality",
    {
      ...writes,
      schema: {
        summary: "Mark the case confidential (only the named members see it) or lift it",
        tags,
        security,
        params: CaseIdParams,
        body: ConfidentialityBody,
        response: { 200: Changed, ...errors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { id } = await caseTarget(ctx, staff, request.params.id, "work");
      const { changed } = await setConfidentiality(
        ctx,
        id,
        teamActor(staff.userId),
        request.body,
        ctx.clock(),
      );
      return reply.send({ changed });
    },
  );
}
