import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { readMailCapTallies } from "../../store/mail-cap-tally.js";
import { jobCounts, listDeliveryProblems, outboxProgramOf, retryDelivery } from "../../store/outbox.js";
import { programMetrics } from "../../workspace/metrics.js";
import type { WebContext } from "../context.js";
import { HttpError } from "../errors.js";
import { mailCapFamily } from "../metrics/mail-cap-metrics.js";
import { formatPrometheus, metricFamiliesFrom, PROMETHEUS_CONTENT_TYPE } from "../metrics/prometheus.js";
import { canAdmin, viewablePrograms } from "../permissions.js";
import { requireStaff } from "../staff-session.js";
import { DeliveriesPage } from "../views/deliveries-page.js";
import { MetricsPage } from "../views/metrics-page.js";
import { policyReloadRoutes } from "./policy-reload.js";
import { policyTeamViewRoutes } from "./policy-team-view.js";
import { sendPage } from "./staff/send-page.js";

const DashboardQuery = z.object({ bucket: z.enum(["week", "month"]).default("week") });
const DeliveriesQuery = z.object({ notice: z.enum(["retried"]).optional() });
const DeliveryParams = z.object({ id: z.string().max(64) });

/** Buckets drawn: a quarter by week, a year by month. */
const BUCKETS = { week: 13, month: 12 } as const;

/**
 * Watching the program: the metrics page (SVG charts), `GET /metrics` for Prometheus, and the
 * administrators' list of notifications that could not be delivered, with a retry button, and
 * the reload of the program policies (its own module). Everyone sees only the programs their
 * roles cover.
 */
export async function operationsRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const html = (reply: FastifyReply, page: preact.VNode) => sendPage(reply, 200, page);
  const slugs = () => ctx.programs.all().map((p) => p.policy.program.slug);

  app.get("/dashboard", { schema: { querystring: DashboardQuery, hide: true } }, async (request, reply) => {
    const staff = requireStaff(request);
    const viewable = viewablePrograms(staff, slugs());
    const bucket = request.query.bucket;
    const metrics = await programMetrics(ctx.store, ctx.programs, {
      programs: viewable,
      bucket,
      buckets: BUCKETS[bucket],
      now: ctx.clock(),
      // Confidential cases count only for the members named on them.
      member: staff.userId,
    });
    return html(
      reply,
      MetricsPage({
        csrfToken: reply.generateCsrf(),
        email: staff.email,
        bucket,
        programs: viewable.map((slug) => ({
          slug,
          name: ctx.programs.get(slug)?.policy.program.name ?? slug,
          metrics: metrics.find((m) => m.program === slug),
        })),
      }),
    );
  });

  // Prometheus scrapes with a bearer API token (or a signed-in browser): no login redirect here.
  app.get("/metrics", { schema: { hide: true }, config: { forMachines: true } }, async (request, reply) => {
    if (request.staff === undefined) {
      throw new HttpError(401, "unauthorized", "Send an API token: Authorization: Bearer embargo_…");
    }
    const viewable = viewablePrograms(request.staff, slugs());
    const now = ctx.clock();
    const metrics = await programMetrics(ctx.store, ctx.programs, {
      programs: viewable,
      bucket: "month",
      buckets: 1,
      now,
      member: request.staff.userId,
    });
    const counts = await jobCounts(ctx.store, now, viewable);
    const mailCap = await readMailCapTallies(ctx.store, viewable, now);
    return reply
      .header("cache-control", "no-store")
      .type(PROMETHEUS_CONTENT_TYPE)
      .send(
        formatPrometheus([
          ...metricFamiliesFrom(metrics, {
            outboxPending: counts.pending,
            outboxFailed: counts.failed,
            timersDue: counts.timersDue,
          }),
          mailCapFamily(mailCap),
        ]),
      );
  });

  app.get(
    "/admin/deliveries",
    { schema: { querystring: DeliveriesQuery, hide: true } },
    async (request, reply) => {
      const staff = requireStaff(request);
      const administered = slugs().filter((slug) => canAdmin(staff, slug));
      if (administered.length === 0) {
        throw new HttpError(403, "forbidden", "Only a program's administrators see its deliveries.");
      }
      return html(
        reply,
        DeliveriesPage({
          csrfToken: reply.generateCsrf(),
          email: staff.email,
          rows: await listDeliveryProblems(ctx.store, administered),
          ...(request.query.notice === "retried" ? { notice: "The notification is queued again." } : {}),
        }),
      );
    },
  );

  app.post(
    "/admin/deliveries/:id/retry",
    { schema: { params: DeliveryParams, hide: true }, preHandler: scope.csrfProtection },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = await outboxProgramOf(ctx.store, request.params.id);
      // Not an administrator of its program: as if it did not exist.
      if (program === undefined || !canAdmin(staff, program)) {
        throw new HttpError(404, "not_found", "No such delivery.");
      }
      await retryDelivery(ctx.store, request.params.id, program, ctx.clock());
      return reply.status(303).header("location", "/admin/deliveries?notice=retried").send();
    },
  );

  await policyReloadRoutes(scope, ctx);
  // Each program's whole policy, escalation and all, for its team (the public page shows less).
  await policyTeamViewRoutes(scope, ctx);
}
