import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { teamOfProgram } from "../../../auth/team.js";
import { recordAgreement } from "../../../commands/agreement.js";
import { assign } from "../../../commands/assignment.js";
import { acknowledge, addInternalNote, replyToReporter } from "../../../commands/conversation.js";
import {
  markPrivacyIncidentFor,
  recordAuthorityNotifiedFor,
  recordFixReleaseFor,
} from "../../../commands/disclosure-facts.js";
import { recordIncidentPhase } from "../../../commands/incident-phases.js";
import { answerPhaseQuestion, markChecklistItem } from "../../../commands/incident-work.js";
import { moveCase } from "../../../commands/lifecycle.js";
import { cvssVersionOf, type TriageInput, triageCase } from "../../../commands/triage-input.js";
import { largestUploadBytes } from "../../../config.js";
import { assignedGroup, groupAssignee } from "../../../domain/notifications/recipients.js";
import { ApiError } from "../../../intake/report-schema.js";
import { teamActor } from "../../../store/staff-validation.js";
import { caseTarget, readStaffCase } from "../../case-loader.js";
import type { WebContext } from "../../context.js";
import { HttpError } from "../../errors.js";
import { readJsonAttachments } from "../../json-attachments.js";
import { canWorkCase } from "../../permissions.js";
import { triageJson } from "../../presenters/case.js";
import { iso } from "../../presenters/clock.js";
import { requireStaff } from "../../staff-session.js";
import {
  AgreementBody,
  AssigneeBody,
  AuthorityNotifiedBody,
  CaseIdParams,
  Changed,
  FixReleaseBody,
  FixReleaseDone,
  MessageCreated,
  NoteBody,
  PrivacyIncidentBody,
  ReplyBody,
  TransitionBody,
  TransitionDone,
  TransitionError,
  TriageBody,
  TriageResult,
} from "../staff-api-schema.js";
import { errors, security, tags, writes } from "./openapi.js";

const IncidentPhaseStep = z
  .strictObject({ phase: z.string().min(1).max(64), action: z.enum(["start", "complete", "skip"]) })
  .meta({ id: "IncidentPhaseStep" });

const ChecklistMark = z
  .strictObject({
    list: z
      .string()
      .min(1)
      .max(80)
      .meta({ description: "`resolution`, or `phase:<phase id>` for a phase's tasks" }),
    key: z
      .string()
      .min(1)
      .max(80)
      .meta({ description: "The item's key, as GET /api/v1/cases/{id} lists it" }),
    done: z.boolean(),
    note: z.string().max(2_000).default(""),
    related: z.array(z.string().max(200)).max(200).optional().meta({
      description:
        "A phase's related-cases task only (incident.phases[].relatedCasesTask): the ids of the program's cases it links; omitted keeps them",
    }),
  })
  .meta({ id: "ChecklistMark" });

const PhaseAnswer = z
  .strictObject({
    phase: z.string().min(1).max(64),
    question: z.int().min(0).max(100).meta({ description: "The question's position in the phase, from 0" }),
    answer: z.string().min(1).max(5_000).meta({ description: "`yes` or `no` for a yes-no question" }),
  })
  .meta({ id: "PhaseAnswer" });
const AnswerDone = z.object({ raisedPriority: z.string().nullable() });

/**
 * The staff API's actions on a case (responders and administrators; 403 for a viewer's token,
 * 404 outside the caller's programs: src/web/case-loader.ts). Each calls the same command as the
 * case page's form and answers what changed.
 */
export function caseWriteRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const bodyLimit = largestUploadBytes(ctx.config.limits.attachmentsTotalBytes);
  /** The caller, as the actor of the change, and the case they may work. */
  const workOn = async (request: Parameters<typeof requireStaff>[0], id: string) => {
    const staff = requireStaff(request);
    const { program } = await caseTarget(ctx, staff, id, "work");
    return { staff, actor: teamActor(staff.userId), program };
  };

  app.post(
    "/api/v1/cases/:id/acknowledge",
    {
      ...writes,
      schema: {
        summary: "Acknowledge the report (the reporter sees it); a second time changes nothing",
        tags,
        security,
        params: CaseIdParams,
        response: { 200: Changed, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor } = await workOn(request, id);
      const { acknowledged } = await acknowledge(ctx, id, actor, ctx.clock());
      return reply.send({ changed: acknowledged });
    },
  );

  app.post(
    "/api/v1/cases/:id/incident-phases",
    {
      ...writes,
      schema: {
        summary:
          "Start, complete or skip one of the program's incident phases (the reporter is told when the policy says so)",
        tags,
        security,
        params: CaseIdParams,
        body: IncidentPhaseStep,
        response: { 200: Changed, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor, program } = await workOn(request, id);
      const step = { phaseId: request.body.phase, action: request.body.action };
      await recordIncidentPhase(ctx, id, actor, step, program.policy.incident.phases, ctx.clock());
      return reply.send({ changed: true });
    },
  );

  app.post(
    "/api/v1/cases/:id/checklist",
    {
      ...writes,
      schema: {
        summary:
          "Check or uncheck an item of the policy's checklists: the resolution requirements (before `fixed`) or a phase's tasks",
        tags,
        security,
        params: CaseIdParams,
        body: ChecklistMark,
        response: { 200: Changed, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor, program } = await workOn(request, id);
      const { changed } = await markChecklistItem(ctx, program.policy, id, actor, request.body, ctx.clock());
      return reply.send({ changed });
    },
  );

  app.post(
    "/api/v1/cases/:id/answers",
    {
      ...writes,
      schema: {
        summary:
          "Answer a question of a running incident phase; a yes that means top priority raises the case's priority",
        tags,
        security,
        params: CaseIdParams,
        body: PhaseAnswer,
        response: { 200: AnswerDone, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor, program } = await workOn(request, id);
      const { phase, question, answer } = request.body;
      const done = await answerPhaseQuestion(
        ctx,
        program.policy,
        id,
        actor,
        { phaseId: phase, question, answer },
        ctx.clock(),
      );
      return reply.send(done);
    },
  );

  app.post(
    "/api/v1/cases/:id/fix-release",
    {
      ...writes,
      schema: {
        summary:
          "Record when the fix was released (internal; the disclosure phases run from it); another instant corrects it",
        tags,
        security,
        params: CaseIdParams,
        body: FixReleaseBody,
        response: { 200: FixReleaseDone, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor, program } = await workOn(request, id);
      const done = await recordFixReleaseFor(ctx, program, id, actor, request.body.releasedAt);
      return reply.send({ changed: done.changed, releasedAt: done.releasedAt.toISOString() });
    },
  );

  app.post(
    "/api/v1/cases/:id/agreement",
    {
      ...writes,
      schema: {
        summary:
          "Record that the affected party's agreement that the case is resolved was given another way, with a note (internal; opens the gate that holds closing as resolved and disclosing; 409 when not awaited)",
        tags,
        security,
        params: CaseIdParams,
        body: AgreementBody,
        response: { 200: Changed, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor, program } = await workOn(request, id);
      await recordAgreement(ctx, program.policy, id, actor, request.body.note, ctx.clock());
      return reply.send({ changed: true });
    },
  );

  app.post(
    "/api/v1/cases/:id/privacy-incident",
    {
      ...writes,
      schema: {
        summary:
          "Mark the case a privacy incident (internal); the policy's clock to notify the authority starts",
        tags,
        security,
        params: CaseIdParams,
        body: PrivacyIncidentBody,
        response: { 200: Changed, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor, program } = await workOn(request, id);
      const { changed } = await markPrivacyIncidentFor(ctx, program, id, actor, request.body.since);
      return reply.send({ changed });
    },
  );

  app.post(
    "/api/v1/cases/:id/authority-notification",
    {
      ...writes,
      schema: {
        summary:
          "Record that the authority was notified of the privacy incident (stops its clock; 409 when not a privacy incident)",
        tags,
        security,
        params: CaseIdParams,
        body: AuthorityNotifiedBody,
        response: { 200: Changed, ...errors, 409: ApiError },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor, program } = await workOn(request, id);
      const { changed } = await recordAuthorityNotifiedFor(ctx, program, id, actor, request.body.notifiedAt);
      return reply.send({ changed });
    },
  );

  app.post(
    "/api/v1/cases/:id/replies",
    {
      ...writes,
      bodyLimit,
      schema: {
        summary: "Reply to the reporter (also acknowledges the report)",
        tags,
        security,
        params: CaseIdParams,
        body: ReplyBody,
        response: { 201: MessageCreated, ...errors, 413: ApiError },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor } = await workOn(request, id);
      const { text, detailedResponse, attachments } = request.body;
      const files = readJsonAttachments(attachments, ctx.config.limits);
      const created = await replyToReporter(ctx, id, actor, text, files, ctx.clock(), {
        detailedResponse: detailedResponse === true,
      });
      return reply.status(201).send(created);
    },
  );

  app.post(
    "/api/v1/cases/:id/notes",
    {
      ...writes,
      bodyLimit,
      schema: {
        summary: "Add an internal note (never shown to the reporter)",
        tags,
        security,
        params: CaseIdParams,
        body: NoteBody,
        response: { 201: MessageCreated, ...errors, 413: ApiError },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor } = await workOn(request, id);
      const now = ctx.clock();
      const files = readJsonAttachments(request.body.attachments, ctx.config.limits);
      const created = await addInternalNote(ctx, id, actor, request.body.text, now, files);
      return reply.status(201).send(created);
    },
  );

  app.post(
    "/api/v1/cases/:id/assignee",
    {
      ...writes,
      schema: {
        summary: "Assign the case to a team member or a team group, or unassign it",
        tags,
        security,
        params: CaseIdParams,
        body: AssigneeBody,
        response: { 200: Changed, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor, program } = await workOn(request, id);
      const slug = program.policy.program.slug;
      const { userId, group } = request.body;
      if (group !== undefined) {
        if (userId !== undefined)
          throw new HttpError(400, "invalid_request", "Give either userId or group.", [
            { field: "group", message: "give either userId or group, not both" },
          ]);
        const assignee = groupAssignee(group);
        if (assignedGroup(program.policy, assignee) === undefined)
          throw new HttpError(400, "invalid_request", "Not a team group of this program's policy.", [
            { field: "group", message: "not a team group of this program's policy (team.groups)" },
          ]);
        const { changed } = await assign(ctx, id, actor, assignee, ctx.clock());
        return reply.send({ changed });
      }
      if (userId === undefined)
        throw new HttpError(400, "invalid_request", "Give userId (null unassigns) or group.", [
          { field: "userId", message: "required, unless group is given" },
        ]);
      if (userId !== null) {
        const member = (await teamOfProgram(ctx.store, slug)).find((m) => m.id === userId);
        if (member === undefined || !canWorkCase({ roles: new Map([[slug, member.role]]) }, slug))
          throw new HttpError(
            400,
            "invalid_request",
            "Not a team member who may work on this program's cases.",
            [{ field: "userId", message: "not a team member who may work on this program's cases" }],
          );
      }
      const { changed } = await assign(ctx, id, actor, userId, ctx.clock());
      return reply.send({ changed });
    },
  );

  app.patch(
    "/api/v1/cases/:id/triage",
    {
      ...writes,
      schema: {
        summary: "Triage: priority, due date, asset, tags, CWE, CVSS (the severity follows the score)",
        tags,
        security,
        params: CaseIdParams,
        body: TriageBody,
        response: { 200: TriageResult, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor, program } = await workOn(request, id);
      const current = await readStaffCase(ctx, id);
      const { changed } = await triageCase(ctx, program, current, actor, triageInputOf(request.body));
      return reply.send({ changed, triage: triageJson(await readStaffCase(ctx, id)) });
    },
  );

  app.post(
    "/api/v1/cases/:id/transitions",
    {
      ...writes,
      schema: {
        summary: "Move the case through its lifecycle (409 with the allowed moves when refused)",
        tags,
        security,
        params: CaseIdParams,
        body: TransitionBody,
        response: {
          200: TransitionDone,
          400: TransitionError,
          401: ApiError,
          403: ApiError,
          404: ApiError,
          409: TransitionError,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor, program } = await workOn(request, id);
      const done = await moveCase(ctx, program, id, actor, request.body);
      return reply.send({
        from: done.from,
        to: done.to,
        outcome: done.outcome,
        reporterMessage: done.reporterMessage,
        agreementDueAt: iso(done.agreementDueAt),
      });
    },
  );
}

/** The API's triage body as the workspace's triage input: CVSS vectors sorted by version (400 for others). */
function triageInputOf(body: z.infer<typeof TriageBody>): TriageInput {
  const { cvss, dueAt, ...rest } = body;
  const input: TriageInput = { ...rest };
  if (dueAt !== undefined) input.dueDate = dueAt;
  if (cvss === null) {
    input.cvss31 = null;
    input.cvss40 = null;
  } else if (cvss !== undefined) {
    for (const vector of typeof cvss === "string" ? [cvss] : cvss) {
      const version = cvssVersionOf(vector);
      if (version === undefined)
        throw new HttpError(400, "invalid_request", "A CVSS vector starts with CVSS:3.1/ or CVSS:4.0/.", [
          { field: "cvss", message: "a CVSS vector starts with CVSS:3.1/ or CVSS:4.0/" },
        ]);
      input[version === "3.1" ? "cvss31" : "cvss40"] = vector;
    }
  }
  return input;
}
