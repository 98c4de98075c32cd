import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { WebContext } from "../context.js";
import { notFound } from "../errors.js";
import { canViewCase } from "../permissions.js";
import { requireStaff } from "../staff-session.js";
import { PolicyTeamPage } from "../views/policy-team-page.js";
import { sendPage } from "./staff/send-page.js";

const Params = z.object({ program: z.string().max(64) });

/**
 * GET /admin/policies/{program}: the whole policy as the team keeps it, escalation and all (the
 * public page at /p/{program} shows only what the reporter is promised). Any member who may read
 * the program's cases may read it; to anyone else the program does not exist (404), as a case.
 */
export async function policyTeamViewRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.get("/admin/policies/:program", { schema: { params: Params, hide: true } }, async (request, reply) => {
    const staff = requireStaff(request);
    const loaded = ctx.programs.get(request.params.program);
    if (loaded === undefined || !canViewCase(staff, loaded.policy.program.slug)) throw notFound("Program");
    return sendPage(
      reply,
      200,
      PolicyTeamPage({
        csrfToken: reply.generateCsrf(),
        email: staff.email,
        program: loaded,
        reportFormUrl: `${ctx.config.publicUrl}/p/${loaded.policy.program.slug}/report`,
      }),
    );
  });
}
