import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { changeDisclosureTask, moveDisclosureDate } from "../../../commands/disclosure-plan.js";
import {
  type DateMove,
  EMBARGO_TARGET,
  lastMove,
  MAX_MOVE_REASON,
  plannedDisclosureDate,
  planPhases,
} from "../../../domain/disclosure/plan.js";
import { planRecordsOf } from "../../../store/disclosure-plan.js";
import { teamActor } from "../../../store/staff-validation.js";
import { disclosureOf } from "../../../workspace/case-work.js";
import { caseTarget, loadCase } from "../../case-loader.js";
import type { WebContext } from "../../context.js";
import { HttpError } from "../../errors.js";
import { iso } from "../../presenters/clock.js";
import { requireStaff } from "../../staff-session.js";
import { assignableOf } from "../staff/case-view.js";
import { config, errors, security, tags, writes } from "./openapi.js";

/**
 * The disclosure plan through the staff API (src/domain/disclosure/plan.ts): read it; check a
 * task or name its owner; move a phase's date or the embargo end with a reason. The same commands
 * as the case page's forms (src/commands/disclosure-plan.ts); refusals are 400 naming the field.
 */
const Instant = z.string().meta({ description: "ISO 8601 instant" });
const MaybeInstant = Instant.nullable();

const Move = z
  .object({
    from: MaybeInstant,
    to: Instant,
    reason: z.string(),
    reporterSees: z.boolean(),
    at: Instant,
    actor: z.string(),
  })
  .meta({ id: "DisclosureDateMove" });

const PlanTaskJson = z
  .object({
    n: z.int().meta({ description: "The task's position in its phase, from 0 (its action in the policy)" }),
    kind: z.string().meta({ description: "The policy action's kind, e.g. `notify-partners`" }),
    text: z.string(),
    by: z.enum(["team", "system"]).meta({
      description:
        "`system`: done by Embargo (`allow-reporter-disclosure` when the reporter is told, `close-case` when the case is closed as resolved)",
    }),
    owner: z.string().nullable().meta({ description: "A user id, a team group (`group:<id>`) or null" }),
    ownerChosen: z.boolean().meta({ description: "False: the owner follows the case's assignee" }),
    dueAt: Instant,
    done: z.boolean(),
    doneAt: MaybeInstant,
    doneBy: z.string().nullable(),
    overdue: z.boolean(),
  })
  .meta({ id: "DisclosureTask" });

const DisclosurePlanJson = z
  .object({
    embargo: z
      .object({ endsAt: MaybeInstant, state: z.string(), moved: Move.nullable() })
      .nullable()
      .meta({ description: "Null when the policy sets no embargo" }),
    plannedDisclosureAt: MaybeInstant.meta({
      description: "The due date of the phase that lets the reporter disclose, else the embargo end",
    }),
    phases: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        day: z.int(),
        dueAt: MaybeInstant,
        state: z.string(),
        complete: z.boolean(),
        moved: Move.nullable(),
        tasks: z.array(PlanTaskJson).meta({ description: "Empty until the phase has a date" }),
      }),
    ),
  })
  .meta({ id: "DisclosurePlan" });

const TaskParams = z.object({
  id: z.string().max(64),
  phase: z.string().max(64),
  // Checked in the handler, after access: a stranger learns nothing from a 400 first.
  n: z.string().max(8).meta({ description: "The task's position in its phase, from 0" }),
});
const CaseParams = z.object({ id: z.string().max(64) });

const TaskChange = z
  .strictObject({
    done: z.boolean().optional(),
    owner: z
      .string()
      .max(64)
      .nullable()
      .optional()
      .meta({ description: "A team member's user id; null gives the task back to the case's assignee" }),
  })
  .meta({ id: "DisclosureTaskChange" });

const MoveBody = z
  .strictObject({
    what: z.string().min(1).max(80).meta({ description: "`embargo`, or `phase:<phase id>`" }),
    to: z.iso
      .datetime({ offset: true })
      .meta({ description: "The new date: an ISO 8601 instant in the future" }),
    reason: z
      .string()
      .max(MAX_MOVE_REASON)
      .meta({ description: "Required; the reporter reads it when they see the date" }),
  })
  .meta({ id: "DisclosureDateMoveRequest" });

const Changed = z.object({ changed: z.boolean() });
const Moved = z.object({ from: Instant, to: Instant });

function moveJson(move: DateMove | null) {
  return move === null
    ? null
    : {
        from: iso(move.from),
        to: move.to.toISOString(),
        reason: move.reason,
        reporterSees: move.reporterSees,
        at: move.at.toISOString(),
        actor: move.actor,
      };
}

export function disclosurePlanApiRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();

  app.get(
    "/api/v1/cases/:id/disclosure-plan",
    {
      config,
      schema: {
        summary:
          "The case's disclosure plan: the embargo end, the planned disclosure date, each phase's tasks",
        tags,
        security,
        params: CaseParams,
        response: { 200: DisclosurePlanJson, ...errors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { program, found } = await loadCase(ctx, staff, request.params.id, "view");
      const policy = program.policy;
      const disclosure = disclosureOf(program, found, ctx.clock());
      const records = planRecordsOf(found.events);
      const phases = planPhases(disclosure.phases, found, records, found.assignee);
      const embargo = disclosure.embargo;
      return reply.header("cache-control", "no-store").send({
        embargo:
          embargo === null
            ? null
            : {
                endsAt: iso(embargo.endsAt),
                state: embargo.state,
                moved: moveJson(lastMove(records, EMBARGO_TARGET)),
              },
        plannedDisclosureAt: iso(plannedDisclosureDate(policy, disclosure.phases, embargo)),
        phases: phases.map((phase) => ({
          id: phase.id,
          name: phase.name,
          day: phase.day,
          dueAt: iso(phase.dueAt),
          state: phase.state,
          complete: phase.complete,
          moved: moveJson(phase.moved),
          tasks: phase.tasks.map((task) => ({
            n: task.n,
            kind: task.kind,
            text: task.text,
            by: task.by,
            owner: task.owner,
            ownerChosen: task.ownerChosen,
            dueAt: task.dueAt.toISOString(),
            done: task.done !== null,
            doneAt: iso(task.done?.at ?? null),
            doneBy: task.done?.actor ?? null,
            overdue: task.overdue,
          })),
        })),
      });
    },
  );

  app.post(
    "/api/v1/cases/:id/disclosure-plan/tasks/:phase/:n",
    {
      ...writes,
      schema: {
        summary: "Check a disclosure task done or open, and/or name its owner (internal)",
        tags,
        security,
        params: TaskParams,
        body: TaskChange,
        response: { 200: Changed, ...errors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { id, phase, n } = request.params;
      const { program } = await caseTarget(ctx, staff, id, "work");
      if (!/^\d{1,3}$/.test(n)) {
        const message = "The task's position in its phase: a number from 0.";
        throw new HttpError(400, "invalid_request", message, [{ field: "n", message }]);
      }
      const team = await assignableOf(ctx, program.policy.program.slug);
      const { done, owner } = request.body;
      const result = await changeDisclosureTask(ctx, program.policy, id, teamActor(staff.userId), team, {
        phaseId: phase,
        n: Number(n),
        ...(done === undefined ? {} : { done }),
        ...(owner === undefined ? {} : { owner: owner ?? "" }),
      });
      return reply.send(result);
    },
  );

  app.post(
    "/api/v1/cases/:id/disclosure-plan/move",
    {
      ...writes,
      schema: {
        summary:
          "Move a disclosure phase's date or the embargo end, with a reason; the reporter is told of the dates they see",
        tags,
        security,
        params: CaseParams,
        body: MoveBody,
        response: { 200: Moved, ...errors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { id } = request.params;
      const { program } = await caseTarget(ctx, staff, id, "work");
      const { what, to, reason } = request.body;
      const moved = await moveDisclosureDate(
        ctx,
        program.policy,
        id,
        teamActor(staff.userId),
        { what, to: new Date(to), reason },
        ctx.clock(),
      );
      return reply.send({ from: moved.from.toISOString(), to: moved.to.toISOString() });
    },
  );
}
