import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { createApiToken, getApiToken, listApiTokens, revokeApiToken } from "../../../auth/api-tokens.js";
import { isRole, ROLES } from "../../../auth/staff.js";
import { ApiError } from "../../../intake/report-schema.js";
import type { WebContext } from "../../context.js";
import { HttpError, notFound } from "../../errors.js";
import { canAdmin } from "../../permissions.js";
import { requireSessionStaff, requireStaff } from "../../staff-session.js";
import { ApiTokensPage } from "../../views/api-tokens-page.js";
import { adminPrograms, fieldsOf, formRoute, html, redirect } from "./shared.js";

const IdParams = z.object({ id: z.string().max(64) });
const Me = z.object({
  email: z.string(),
  twoFactor: z.boolean(),
  roles: z.array(z.object({ program: z.string(), role: z.enum(ROLES) })),
  via: z.enum(["session", "api-token"]),
});

/**
 * API tokens: who a token (or session) acts as, and the page where administrators create and
 * revoke tokens for the programs they administer.
 */
export async function tokenRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const forms = formRoute(scope);

  // Who am I (the staff API's first endpoint: lets a client check its token)
  app.get(
    "/api/v1/me",
    {
      schema: {
        summary: "The member of staff the request acts as (session or bearer API token)",
        response: { 200: Me, 401: ApiError },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      return reply.header("cache-control", "no-store").send({
        email: staff.email,
        twoFactor: staff.twoFactor,
        roles: [...staff.roles].map(([program, role]) => ({ program, role })),
        via: staff.apiTokenId === undefined ? "session" : "api-token",
      });
    },
  );

  const tokensPage = async (
    reply: FastifyReply,
    request: FastifyRequest,
    status: number,
    extra: {
      created?: { name: string; token: string };
      values?: Record<string, string>;
      errors?: Map<string, string>;
    },
  ) => {
    const staff = requireSessionStaff(request);
    const programs = adminPrograms(ctx, staff);
    if (programs.length === 0)
      throw new HttpError(403, "forbidden", "Only administrators of a program manage its API tokens.");
    const tokens = await listApiTokens(ctx.store, { programs: programs.map((p) => p.slug) });
    return html(
      reply,
      status,
      ApiTokensPage({
        csrfToken: reply.generateCsrf(),
        tokens,
        programs,
        created: extra.created,
        values: extra.values ?? {},
        errors: extra.errors ?? new Map(),
      }),
    );
  };

  app.get("/account/tokens", { schema: { hide: true } }, async (request, reply) =>
    tokensPage(reply, request, 200, {}),
  );

  app.post("/account/tokens", { schema: { hide: true }, ...forms }, async (request, reply) => {
    const staff = requireSessionStaff(request);
    const field = await fieldsOf(request);
    const values = { name: field("name").trim(), program: field("program"), role: field("role") };
    const errors = new Map<string, string>();
    if (values.name === "" || values.name.length > 100)
      errors.set("name", "Give the token a name (at most 100 characters).");
    if (!adminPrograms(ctx, staff).some((p) => p.slug === values.program))
      errors.set("program", "Choose a program you administer.");
    if (!isRole(values.role)) errors.set("role", "Choose a role.");
    if (errors.size > 0 || !isRole(values.role)) return tokensPage(reply, request, 400, { values, errors });
    const { token } = await createApiToken(ctx.store, {
      name: values.name,
      program: values.program,
      role: values.role,
      createdBy: staff.userId,
      now: ctx.clock(),
    });
    return tokensPage(reply, request, 200, { created: { name: values.name, token } });
  });

  app.post(
    "/account/tokens/:id/revoke",
    { schema: { params: IdParams, hide: true }, ...forms },
    async (request, reply) => {
      const staff = requireSessionStaff(request);
      const token = await getApiToken(ctx.store, request.params.id);
      if (token === undefined || !canAdmin(staff, token.program)) throw notFound("Token");
      await revokeApiToken(ctx.store, { id: token.id, actorUserId: staff.userId, now: ctx.clock() });
      return redirect(reply, "/account/tokens");
    },
  );
}
