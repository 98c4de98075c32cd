import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { emailsOf, teamOfProgram } from "../../../auth/team.js";
import { teamLabel } from "../../../domain/notifications/recipients.js";
import { casesWithReporterNews } from "../../../store/case-reads.js";
import type { InboxRow } from "../../../store/inbox.js";
import { caseCommandHttpError } from "../../case-errors.js";
import type { WebContext } from "../../context.js";
import { inboxReach } from "../../permissions.js";
import { inboxRowView } from "../../presenters/inbox-row.js";
import { requireStaff } from "../../staff-session.js";
import { InboxPage } from "../../views/inbox.js";
import { InboxQuery, type InboxQueryValue, inboxPageOf } from "../inbox-query.js";
import { incidentProgramsOf } from "./new-incident.js";
import { sendPage } from "./send-page.js";

/**
 * The inbox page: the cases of the member's programs, what is due first, with the filters' choices
 * (programs, assets, team members). A filter the store refuses (a stale `after`) shows as the
 * page's error with 400.
 */
export function inboxRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.get("/inbox", { schema: { querystring: InboxQuery, hide: true } }, async (request, reply) => {
    const staff = requireStaff(request);
    const all = ctx.programs.all();
    // Programs limited to assigned cases are listed too, with only those cases.
    const { programs: viewable, assignedOnly } = inboxReach(
      staff,
      all.map((p) => p.policy.program.slug),
    );
    const programs = all.filter((p) => viewable.includes(p.policy.program.slug));
    const now = ctx.clock();
    let page: { rows: InboxRow[]; next?: string } = { rows: [] };
    let error: string | undefined;
    try {
      page = await inboxPageOf(ctx, request.query, staff, viewable, now, assignedOnly);
    } catch (caught) {
      const mapped = caseCommandHttpError(caught);
      if (mapped === undefined) throw caught;
      error = mapped.message;
    }
    const [names, teams, news] = await Promise.all([
      emailsOf(
        ctx.store,
        page.rows.flatMap((row) => (row.assignee === null ? [] : [row.assignee])),
      ),
      Promise.all(viewable.map((slug) => teamOfProgram(ctx.store, slug))),
      casesWithReporterNews(
        ctx.store,
        staff.userId,
        page.rows.map((row) => row.id),
      ),
    ]);
    const team = [...new Map(teams.flat().map((m) => [m.id, { id: m.id, email: m.email }])).values()].sort(
      (a, b) => a.email.localeCompare(b.email),
    );
    const assets = [
      ...new Map(
        programs.flatMap((p) => p.policy.scope.inScope.map((a) => [a.id, { id: a.id, name: a.name }])),
      ).values(),
    ];
    return sendPage(
      reply,
      error === undefined ? 200 : 400,
      InboxPage({
        csrfToken: reply.generateCsrf(),
        email: staff.email,
        query: request.query,
        programs: programs.map((p) => ({ slug: p.policy.program.slug, name: p.policy.program.name })),
        incidentPrograms: incidentProgramsOf(ctx, staff).map((p) => ({
          slug: p.policy.program.slug,
          name: p.policy.program.name,
        })),
        assets,
        team,
        groups: programs.flatMap((p) =>
          (p.policy.team.groups ?? []).map((group) => ({ id: `group:${group.id}`, name: teamLabel(group) })),
        ),
        rows: page.rows.map((row) => inboxRowView(ctx.programs, row, now, names, news.has(row.id))),
        ...(page.next === undefined ? {} : { nextUrl: nextPageUrl(request.query, page.next) }),
        ...(error === undefined ? {} : { error }),
      }),
    );
  });
}

/** The same filters, one page further. */
function nextPageUrl(query: InboxQueryValue, next: string): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (name !== "after" && value !== undefined && value !== "") params.set(name, String(value));
  }
  params.set("after", next);
  return `/inbox?${params.toString()}`;
}
