import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { programsSso, ssoSetupProblems } from "../../auth/sso-rules.js";
import { ALL_PROGRAMS } from "../../auth/staff.js";
import { unencryptableContacts, warnOfUnencryptableContacts } from "../../notify/team-mail-keys.js";
import { type ReloadOutcome, reloadPrograms } from "../../programs/reload.js";
import type { Services } from "../../services.js";
import type { Store } from "../../store/database.js";
import type { WebContext } from "../context.js";
import { HttpError } from "../errors.js";
import { canAdmin } from "../permissions.js";
import { requireStaff } from "../staff-session.js";
import { PoliciesPage, type PoliciesPageProps } from "../views/policies-page.js";
import { sendPage } from "./staff/send-page.js";

const PoliciesQuery = z.object({ notice: z.enum(["reloaded"]).optional() });

/**
 * Reloading the program policies from the browser or a script: GET /admin/policies shows what is
 * served and a button; POST /admin/policies/reload reloads (src/programs/reload.ts). A reload
 * touches every program, so only an administrator of every program (`*`) may ask for one. The
 * form carries the CSRF token like every staff form; a script signed in with a session sends it
 * as `x-csrf-token` and `Accept: application/json`, and gets JSON back: 200 with what changed,
 * 422 with the reason and the loader's problems (the old policies still served).
 */
export async function policyReloadRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();

  app.get(
    "/admin/policies",
    { schema: { querystring: PoliciesQuery, hide: true } },
    async (request, reply) => {
      const staff = requireStaff(request);
      if (!canAdmin(staff, ALL_PROGRAMS)) return forbidden(request, reply);
      return page(reply, 200, {
        csrfToken: reply.generateCsrf(),
        email: staff.email,
        ...(await servedNow(ctx)),
        ...(request.query.notice === "reloaded" ? { notice: "The policies were reloaded." } : {}),
      });
    },
  );

  app.post("/admin/policies/reload", { preHandler: scope.csrfProtection }, async (request, reply) => {
    const staff = requireStaff(request);
    if (!canAdmin(staff, ALL_PROGRAMS)) return forbidden(request, reply);
    const outcome = await reloadServedPolicies(ctx, { trigger: "web", by: `user:${staff.userId}` });
    if (wantsJson(request))
      return reply
        .status(outcome.ok ? 200 : 422)
        .header("cache-control", "no-store")
        .send(outcomeJson(outcome));
    if (outcome.ok) return reply.status(303).header("location", "/admin/policies?notice=reloaded").send();
    return page(reply, 422, {
      csrfToken: reply.generateCsrf(),
      email: staff.email,
      ...(await servedNow(ctx)),
      refusal: { message: outcome.message, problems: outcome.problems },
    });
  });
}

/**
 * Reloads the policies this server started from: used by the route above and by SIGHUP
 * (src/server.ts). A refusal is an outcome; only a store that cannot be asked throws.
 */
export async function reloadServedPolicies(
  services: Pick<Services, "programs" | "config" | "store" | "logger">,
  trigger: Record<string, string>,
): Promise<ReloadOutcome> {
  const outcome = await reloadPrograms(
    {
      programs: services.programs,
      policiesPath: services.config.policies,
      programsWithCases: (slugs) => programsWithCases(services.store, slugs),
      logger: services.logger,
      check: (policies) => ssoSetupProblems(services.config.oidcProviders, programsSso(policies)),
    },
    trigger,
  );
  if (outcome.ok) {
    // A program added or changed may name a contact whose team mail cannot be encrypted.
    const touched = new Set([...outcome.added, ...outcome.changed]);
    const programs = services.programs.all().filter((loaded) => touched.has(loaded.policy.program.slug));
    await warnOfUnencryptableContacts(programs, services.logger);
  }
  return outcome;
}

/**
 * Of `slugs`, the programs with at least one case. The store's question, asked here because
 * src/store is another helper's to change: it belongs in src/store/cases.ts.
 */
async function programsWithCases(store: Store, slugs: readonly string[]): Promise<string[]> {
  if (slugs.length === 0) return [];
  const rows = await store.db
    .selectFrom("cases")
    .select("program")
    .distinct()
    .where("program", "in", [...slugs])
    .execute();
  return rows.map((row) => row.program);
}

const NOT_EVERY_PROGRAM_ADMIN = "Only an administrator of every program reloads the program policies.";

/** 403 as the page or the script asked for it (the app's error handler answers pages only in HTML). */
function forbidden(request: FastifyRequest, reply: FastifyReply) {
  if (!wantsJson(request)) throw new HttpError(403, "forbidden", NOT_EVERY_PROGRAM_ADMIN);
  return reply
    .status(403)
    .header("cache-control", "no-store")
    .send({ error: "forbidden", message: NOT_EVERY_PROGRAM_ADMIN });
}

function wantsJson(request: FastifyRequest): boolean {
  return /\bapplication\/json\b/i.test(request.headers.accept ?? "");
}

function outcomeJson(outcome: ReloadOutcome) {
  if (outcome.ok) {
    const { ok: _ok, ...changes } = outcome;
    return { status: "reloaded", ...changes };
  }
  return {
    error: "policies_not_reloaded",
    reason: outcome.refusal,
    message: `${outcome.message}. The previous policies are still served.`,
    problems: outcome.problems,
  };
}

async function servedNow(
  ctx: WebContext,
): Promise<Pick<PoliciesPageProps, "programs" | "defaultProgram" | "unencryptable">> {
  const programs = ctx.programs.all();
  const unencryptable: { program: string; contactId: string; message: string }[] = [];
  for (const loaded of programs) {
    for (const contact of await unencryptableContacts(loaded)) {
      unencryptable.push({ program: loaded.policy.program.name, ...contact });
    }
  }
  return {
    programs: programs.map((loaded) => ({
      slug: loaded.policy.program.slug,
      name: loaded.policy.program.name,
      file: loaded.file,
    })),
    defaultProgram: ctx.programs.defaultProgram.policy.program.slug,
    unencryptable,
  };
}

function page(reply: FastifyReply, status: number, props: PoliciesPageProps) {
  return sendPage(reply, status, PoliciesPage(props));
}
