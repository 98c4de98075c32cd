import type { FastifyReply, FastifyRequest } from "fastify";
import { emailsOf, type TeamMember, teamOfProgram } from "../../../auth/team.js";
import { allowedTransitions, isCaseState } from "../../../domain/lifecycle/index.js";
import { closingOutcomesFor } from "../../../domain/lifecycle/policy-rules.js";
import { groupAssignee, teamLabel } from "../../../domain/notifications/recipients.js";
import { markCaseRead } from "../../../store/case-reads.js";
import { creditKeeper } from "../../../workspace/case-work.js";
import { dueDateInput } from "../../../workspace/local-time.js";
import { loadCase } from "../../case-loader.js";
import type { WebContext } from "../../context.js";
import { canWorkCase, caseViewerOf } from "../../permissions.js";
import { caseReadingOf } from "../../presenters/case.js";
import { userIdsNamedBy } from "../../presenters/event.js";
import { requireStaff } from "../../staff-session.js";
import { CasePage, type Draft } from "../../views/case-page.js";
import { sendPage } from "./send-page.js";

/** Members of the program's team who may work its cases (the assignees to offer). */
export const assignableOf = async (ctx: Pick<WebContext, "store">, slug: string): Promise<TeamMember[]> =>
  (await teamOfProgram(ctx.store, slug)).filter((member) =>
    canWorkCase({ roles: new Map([[slug, member.role]]) }, slug),
  );

/** What the case page shows besides the case: a notice after an action, or a form's errors and what it sent. */
export interface CasePageExtra {
  notice?: string;
  errors?: Map<string, string>;
  draft?: Draft;
}

/**
 * The case page, for whoever may read the case (404 otherwise): the case as the JSON API gives it
 * (src/web/presenters/case.ts), plus what only the page needs: people's email addresses (and the
 * names of the policy's team groups), whom the case may be assigned to, who keeps the credit.
 * Showing it records that the member has read the case up to its last event (the inbox's "New
 * activity" mark, src/store/case-reads.ts).
 */
export async function renderCasePage(
  ctx: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  id: string,
  extra: CasePageExtra = {},
) {
  const staff = requireStaff(request);
  const { program, found } = await loadCase(ctx, staff, id, "view");
  const slug = program.policy.program.slug;
  const now = ctx.clock();
  const [reading, emails, assignable, keepsCredit] = await Promise.all([
    caseReadingOf(ctx, program, found, now, caseViewerOf(staff)),
    emailsOf(ctx.store, userIdsNamedBy(found)),
    assignableOf(ctx, slug),
    creditKeeper(ctx, program.policy, found),
    markCaseRead(ctx.store, {
      userId: staff.userId,
      caseId: found.id,
      seenSeq: found.events.at(-1)?.seq ?? 0,
      at: now,
    }),
  ]);
  // The assignee and the timeline's assignments may name a team group: by its name, not `group:<id>`.
  const names = new Map(emails);
  for (const group of program.policy.team.groups ?? []) names.set(groupAssignee(group.id), teamLabel(group));
  // Unlike the API (which reads an unknown state as "new"), the page offers no moves from a state it does not know.
  const state = isCaseState(found.state) ? found.state : undefined;
  return sendPage(
    reply,
    status,
    CasePage({
      csrfToken: reply.generateCsrf(),
      email: staff.email,
      userId: staff.userId,
      canWork: canWorkCase(staff, slug),
      program,
      found,
      names,
      assignable,
      clocks: reading.clocks,
      disclosure: reading.disclosure,
      duplicates: reading.duplicates,
      fingerprint: reading.fingerprint,
      ...(keepsCredit === undefined ? {} : { keepsCredit }),
      allowed: state === undefined ? [] : allowedTransitions(state),
      outcomes: state === undefined ? [] : closingOutcomesFor(state, program.policy),
      dueDate: dueDateInput(found.triage.dueAt, program.policy.serviceLevels.calendar.timeZone),
      errors: extra.errors ?? new Map(),
      ...(extra.notice === undefined ? {} : { notice: extra.notice }),
      ...(extra.draft === undefined ? {} : { draft: extra.draft }),
    }),
  );
}
