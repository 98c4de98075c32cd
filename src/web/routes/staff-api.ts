import type { SwaggerTransform } from "@fastify/swagger";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { jsonSchemaTransform, type ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Staff } from "../../auth/staff.js";
import { teamOfProgram } from "../../auth/team.js";
import { largestUploadBytes } from "../../config.js";
import { inboxClock } from "../../domain/clocks/countdown.js";
import { searchCwe } from "../../domain/cwe/index.js";
import { allowedTransitions, isCaseState } from "../../domain/lifecycle/index.js";
import { ApiError } from "../../intake/report-schema.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import { caseProgramOf } from "../../store/case-lookup.js";
import type { NewAttachment } from "../../store/cases.js";
import { getAttachment } from "../../store/cases.js";
import { recordIncidentPhase } from "../../store/incident-phases.js";
import {
  acknowledge,
  addInternalNote,
  assign,
  getCaseForStaff,
  listInbox,
  replyToReporter,
  type StaffCase,
} from "../../store/staff-cases.js";
import { teamActor } from "../../store/staff-validation.js";
import {
  clocksOf,
  closingOutcomesFor,
  cvssVersionOf,
  disclosureOf,
  keyFingerprint,
  likelyDuplicates,
  markPrivacyIncidentFor,
  moveCase,
  recordAuthorityNotifiedFor,
  recordFixReleaseFor,
  type TriageInput,
  triageCase,
} from "../../workspace/case-work.js";
import { clockNeedsOf, inboxClocksOf } from "../../workspace/inbox-clocks.js";
import type { WebContext } from "../context.js";
import { HttpError, notFound } from "../errors.js";
import { canWorkCase, caseNotFound, requireCaseAccess, viewablePrograms } from "../permissions.js";
import { requireStaff } from "../staff-session.js";
import { InboxQuery, inboxFilterOf } from "./inbox-query.js";
import { contentDisposition } from "./reporter.js";
import {
  AssigneeBody,
  AttachmentParams,
  AuthorityNotifiedBody,
  CaseDetail,
  CaseIdParams,
  CaseList,
  Changed,
  CweQuery,
  CweResults,
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
} from "./staff-api-schema.js";

/**
 * The staff JSON API: the workspace's reads and actions for programs' own tools. Callers send an
 * API token (`Authorization: Bearer embargo_…`, scoped to one program and role) or come with a
 * signed-in browser session. Answers: 401 without credentials, 404 for a case outside the
 * caller's programs (never 403: that would confirm it exists), 403 when the role only allows
 * reading, 409 for a transition the lifecycle refuses (with the allowed moves).
 *
 * Writes made with a browser session must be `application/json`: a page on another site cannot
 * send that without a CORS preflight this server never grants (and the cookie is SameSite=strict).
 */
const security = [{ bearerAuth: [] }];
const tags = ["staff"];
const errors = { 400: ApiError, 401: ApiError, 403: ApiError, 404: ApiError } as const;

/** Adds the bearer scheme to the document (the routes that use it carry it with them). */
const withBearerAuth: SwaggerTransform = (args) => {
  const document = "openapiObject" in args ? args.openapiObject : undefined;
  if (document !== undefined) {
    document.components ??= {};
    document.components.securitySchemes = {
      ...document.components.securitySchemes,
      bearerAuth: {
        type: "http",
        scheme: "bearer",
        description: "An API token (embargo_…), made by a program's administrator at /account/tokens.",
      },
    };
  }
  return jsonSchemaTransform(args);
};
const IncidentPhaseStep = z
  .strictObject({ phase: z.string().min(1).max(64), action: z.enum(["start", "complete", "skip"]) })
  .meta({ id: "IncidentPhaseStep" });

const config = { swaggerTransform: withBearerAuth };

async function sessionWritesAreJson(request: FastifyRequest) {
  if (request.staff === undefined || request.staff.apiTokenId !== undefined) return;
  if (!/^application\/json\b/i.test(request.headers["content-type"] ?? "")) {
    throw new HttpError(415, "unsupported_media_type", "Send application/json.");
  }
}

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

export async function staffApiRoutes(scope: FastifyInstance, ctx: WebContext) {
  // Who is asking comes before what they sent: an anonymous caller gets 401, never a 400 that
  // describes the staff API's validation.
  scope.addHook("preValidation", async (request) => {
    requireStaff(request);
  });
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const writes = { onRequest: sessionWritesAreJson, config };

  const caseProgram = async (staff: Staff, id: string, access: "view" | "work"): Promise<LoadedPolicy> => {
    const slug = requireCaseAccess(staff, await caseProgramOf(ctx.store, id), access);
    const program = ctx.programs.get(slug);
    if (program === undefined) throw caseNotFound();
    return program;
  };
  const loadCase = async (id: string): Promise<StaffCase> => {
    const found = await getCaseForStaff(ctx.store, ctx.keyring, id);
    if (found === undefined) throw caseNotFound();
    return found;
  };
  const filesOf = (attachments: { filename: string; contentType: string; dataBase64: string }[]) => {
    const files: NewAttachment[] = [];
    let total = 0;
    for (const attachment of attachments) {
      const data = Buffer.from(attachment.dataBase64, "base64");
      total += data.length;
      if (data.length > ctx.config.limits.attachmentBytes || total > ctx.config.limits.attachmentsTotalBytes)
        throw new HttpError(
          413,
          "too_large",
          `Attachment "${attachment.filename}" goes over the size limit.`,
        );
      files.push({ filename: attachment.filename, contentType: attachment.contentType, data });
    }
    return files;
  };
  const bodyLimit = largestUploadBytes(ctx.config.limits.attachmentsTotalBytes);
  const triageJson = (found: StaffCase) => ({
    priority: found.triage.priority,
    severity: found.triage.severity,
    dueAt: iso(found.triage.dueAt),
    cwe: found.triage.cwe,
    cvss31: found.triage.cvss31,
    cvss40: found.triage.cvss40,
  });

  app.get(
    "/api/v1/cases",
    {
      config,
      schema: {
        summary: "The inbox: cases of the caller's programs, what is due first",
        tags,
        security,
        querystring: InboxQuery,
        response: { 200: CaseList, ...errors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const viewable = viewablePrograms(
        staff,
        ctx.programs.all().map((p) => p.policy.program.slug),
      );
      const now = ctx.clock();
      const page = await listInbox(ctx.store, ctx.keyring, {
        ...inboxFilterOf(request.query, staff, viewable, now),
        clockNeeds: clockNeedsOf(ctx.programs),
      });
      return reply.header("cache-control", "no-store").send({
        cases: page.rows.map((row) => ({
          id: row.id,
          program: row.program,
          state: isCaseState(row.state) ? row.state : "new",
          title: row.title,
          severity: row.severity,
          priority: row.priority,
          assignee: row.assignee,
          assetId: row.assetId,
          source: row.source,
          tags: row.tags,
          receivedAt: row.receivedAt.toISOString(),
          acknowledgeBy: iso(row.acknowledgeBy),
          acknowledgedAt: iso(row.acknowledgedAt),
          dueAt: iso(row.dueAt),
          nextDueAt: iso(row.nextDueAt),
          cvss31Score: row.cvss31Score,
          cvss40Score: row.cvss40Score,
          outcome: row.outcome,
          clock: clockJson(inboxClock(row, now)),
          clocks: inboxClocksOf(ctx.programs.get(row.program), row, now).map(({ label, text, overdue }) => ({
            label,
            text,
            overdue,
          })),
        })),
        next: page.next ?? null,
      });
    },
  );

  app.get(
    "/api/v1/cases/:id",
    {
      config,
      schema: {
        summary: "A case with its report, contact, timeline (internal notes included), clocks and triage",
        tags,
        security,
        params: CaseIdParams,
        response: { 200: CaseDetail, ...errors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = await caseProgram(staff, request.params.id, "view");
      const found = await loadCase(request.params.id);
      const now = ctx.clock();
      const state = isCaseState(found.state) ? found.state : "new";
      const disclosure = disclosureOf(program, found, now);
      const [duplicates, fingerprint] = await Promise.all([
        likelyDuplicates(ctx, found),
        keyFingerprint(found.contact.openpgpKey),
      ]);
      return reply.header("cache-control", "no-store").send({
        id: found.id,
        program: found.program,
        state,
        source: found.source,
        assetId: found.assetId,
        receivedAt: found.receivedAt.toISOString(),
        updatedAt: found.updatedAt.toISOString(),
        acknowledgeBy: iso(found.acknowledgeBy),
        acknowledgedAt: iso(found.acknowledgedAt),
        firstTeamReplyAt: iso(found.firstTeamReplyAt),
        detailedResponseAt: iso(found.detailedResponseAt),
        triagedAt: iso(found.triagedAt),
        fixedAt: iso(found.fixedAt),
        closedAt: iso(found.closedAt),
        agreementDueAt: iso(found.agreementDueAt),
        nextDueAt: iso(found.nextDueAt),
        fixReleasedAt: iso(found.fixReleasedAt),
        privacyIncidentAt: iso(found.privacyIncidentAt),
        authorityNotifyBy: iso(found.authorityNotifyBy),
        authorityNotifiedAt: iso(found.authorityNotifiedAt),
        outcome: found.outcome,
        duplicateOf: found.duplicateOf,
        assignee: found.assignee,
        followers: found.followers,
        tags: found.tags,
        report: found.report,
        contact: {
          email: found.contact.email ?? null,
          openpgpKey: found.contact.openpgpKey ?? null,
          openpgpFingerprint: fingerprint ?? null,
        },
        triage: triageJson(found),
        attachments: found.attachments.map((file) => ({
          id: file.id,
          filename: file.filename,
          contentType: file.contentType,
          size: file.size,
          createdAt: file.createdAt.toISOString(),
          uploadedBy: file.uploadedBy,
          reporterVisible: file.reporterVisible,
          url: `/api/v1/cases/${found.id}/attachments/${file.id}`,
        })),
        events: found.events.map((event) => ({
          seq: event.seq,
          type: event.type,
          actor: event.actor,
          at: event.at.toISOString(),
          reporterVisible: event.reporterVisible,
          ...(event.text === undefined ? {} : { text: event.text }),
          ...(event.attachmentIds === undefined ? {} : { attachmentIds: event.attachmentIds }),
          payload: event.payload,
        })),
        clocks: clocksOf(program, found, now).map((clock) => ({
          id: clock.id,
          kind: clock.kind,
          label: clock.label,
          dueAt: iso(clock.dueAt),
          state: clock.state,
          text: clock.text,
        })),
        embargo:
          disclosure.embargo === null
            ? null
            : {
                endsAt: iso(disclosure.embargo.endsAt),
                state: disclosure.embargo.state,
                text: disclosure.embargo.text,
              },
        disclosurePhases: disclosure.phases.map((phase) => ({
          id: phase.id,
          name: phase.name,
          day: phase.day,
          relativeTo: phase.relativeTo,
          dueAt: iso(phase.dueAt),
          state: phase.state,
          text: phase.text,
          audiences: phase.audiences,
          actions: phase.actions,
        })),
        allowedTransitions: allowedTransitions(state),
        closingOutcomes: closingOutcomesFor(state, program.policy),
        duplicates: duplicates.map(({ id, title, score, reasons }) => ({ id, title, score, reasons })),
        canWork: canWorkCase(staff, found.program),
      });
    },
  );

  app.get(
    "/api/v1/cases/:id/attachments/:aid",
    {
      config,
      schema: {
        summary: "Download an attachment (application/octet-stream, always as a download)",
        tags,
        security,
        params: AttachmentParams,
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      await caseProgram(staff, request.params.id, "view");
      const file = await getAttachment(ctx.store, ctx.keyring, request.params.id, request.params.aid, "team");
      if (file === undefined) throw notFound("Attachment");
      return reply
        .header("cache-control", "no-store")
        .header("content-disposition", contentDisposition(file.filename))
        .header("content-security-policy", "sandbox; default-src 'none'")
        .header("x-content-type-options", "nosniff")
        .type("application/octet-stream")
        .send(file.data);
    },
  );

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
      const staff = requireStaff(request);
      await caseProgram(staff, request.params.id, "work");
      const { acknowledged } = await acknowledge(
        ctx.store,
        ctx.keyring,
        request.params.id,
        teamActor(staff.userId),
        ctx.clock(),
      );
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
      const staff = requireStaff(request);
      const program = await caseProgram(staff, request.params.id, "work");
      await recordIncidentPhase(
        ctx.store,
        ctx.keyring,
        request.params.id,
        teamActor(staff.userId),
        { phaseId: request.body.phase, action: request.body.action },
        program.policy.incident.phases,
        ctx.clock(),
      );
      return reply.send({ changed: true });
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
      const staff = requireStaff(request);
      const program = await caseProgram(staff, request.params.id, "work");
      const done = await recordFixReleaseFor(
        ctx,
        program,
        request.params.id,
        teamActor(staff.userId),
        request.body.releasedAt,
      );
      return reply.send({ changed: done.changed, releasedAt: done.releasedAt.toISOString() });
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
      const staff = requireStaff(request);
      const program = await caseProgram(staff, request.params.id, "work");
      const { changed } = await markPrivacyIncidentFor(
        ctx,
        program,
        request.params.id,
        teamActor(staff.userId),
        request.body.since,
      );
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
      const staff = requireStaff(request);
      const program = await caseProgram(staff, request.params.id, "work");
      const { changed } = await recordAuthorityNotifiedFor(
        ctx,
        program,
        request.params.id,
        teamActor(staff.userId),
        request.body.notifiedAt,
      );
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
      const staff = requireStaff(request);
      await caseProgram(staff, request.params.id, "work");
      const { text, detailedResponse, attachments } = request.body;
      const created = await replyToReporter(
        ctx.store,
        ctx.keyring,
        request.params.id,
        teamActor(staff.userId),
        text,
        filesOf(attachments),
        ctx.clock(),
        { detailedResponse: detailedResponse === true },
      );
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
      const staff = requireStaff(request);
      await caseProgram(staff, request.params.id, "work");
      const created = await addInternalNote(
        ctx.store,
        ctx.keyring,
        request.params.id,
        teamActor(staff.userId),
        request.body.text,
        ctx.clock(),
        filesOf(request.body.attachments),
      );
      return reply.status(201).send(created);
    },
  );

  app.post(
    "/api/v1/cases/:id/assignee",
    {
      ...writes,
      schema: {
        summary: "Assign the case to a team member, or unassign it",
        tags,
        security,
        params: CaseIdParams,
        body: AssigneeBody,
        response: { 200: Changed, ...errors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = await caseProgram(staff, request.params.id, "work");
      const slug = program.policy.program.slug;
      const { userId } = request.body;
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
      const { changed } = await assign(
        ctx.store,
        ctx.keyring,
        request.params.id,
        teamActor(staff.userId),
        userId,
        ctx.clock(),
      );
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
      const staff = requireStaff(request);
      const program = await caseProgram(staff, request.params.id, "work");
      const current = await loadCase(request.params.id);
      const { cvss, dueAt, ...rest } = request.body;
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
      const { changed } = await triageCase(ctx, program, current, teamActor(staff.userId), input);
      const after = await loadCase(request.params.id);
      return reply.send({ changed, triage: triageJson(after) });
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
      const staff = requireStaff(request);
      const program = await caseProgram(staff, request.params.id, "work");
      const done = await moveCase(ctx, program, request.params.id, teamActor(staff.userId), request.body);
      return reply.send({
        from: done.from,
        to: done.to,
        outcome: done.outcome,
        reporterMessage: done.reporterMessage,
        agreementDueAt: iso(done.agreementDueAt),
      });
    },
  );

  app.get(
    "/api/v1/cwe",
    {
      config,
      schema: {
        summary: "Search the CWE catalogue by id or words",
        tags,
        security,
        querystring: CweQuery,
        response: { 200: CweResults, 401: ApiError },
      },
    },
    async (request, reply) => {
      requireStaff(request);
      return reply.send(
        searchCwe(request.query.q, 25).map(({ id, name, kind, usage, top25 }) => ({
          id,
          name,
          kind,
          usage,
          top25,
        })),
      );
    },
  );
}

const clockJson = (clock: { text: string; overdue: boolean } | null) =>
  clock === null ? null : { text: clock.text, overdue: clock.overdue };
