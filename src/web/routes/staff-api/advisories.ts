import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  approveAdvisory,
  createAdvisoryFromCase,
  createStandaloneAdvisory,
  editAdvisory,
  publishAdvisory,
} from "../../../commands/advisories.js";
import { ADVISORY_SEVERITIES, RANGE_STATUSES } from "../../../domain/advisories/draft.js";
import { CREDIT_TYPES } from "../../../domain/advisories/record.js";
import { ApiError } from "../../../intake/report-schema.js";
import { type Advisory, advisoriesOfProgram, findAdvisory, revisionsOf } from "../../../store/advisories.js";
import { teamActor } from "../../../store/staff-validation.js";
import type { WebContext } from "../../context.js";
import { HttpError } from "../../errors.js";
import { canViewCase, requireCaseAccess } from "../../permissions.js";
import { requireStaff } from "../../staff-session.js";
import { advisoryUrl, recordOf } from "../../views/advisory-pages.js";
import {
  ADVISORY_BODY_LIMIT,
  advisoryOf,
  programForAdvisories,
  runAdvisoryCommand,
} from "../staff/advisories.js";
import { requireCaseOfProgram } from "../staff/problems.js";
import { config, errors, security, tags, writes } from "./openapi.js";

/**
 * Advisories in the staff JSON API (issue 13), the same commands as the pages
 * (src/web/routes/staff/advisories.ts): list a program's advisories and read one (viewers),
 * create one from a case or standalone, edit its draft, approve it, publish it (responders and
 * administrators; 403 for a viewer's token). 404 for an advisory outside the caller's programs;
 * 400 naming the field for a draft the rules refuse; 409 (`advisory_conflict`) for a stale
 * version, an approval by the last editor, a publication without the approval the policy asks
 * for (disclosure.advisories.secondApproval) or before the case is disclosed.
 */
const ProgramParams = z.object({ program: z.string().max(64).meta({ description: "The program's slug." }) });
const AdvisoryParams = z.object({ id: z.string().max(64).meta({ description: "The advisory's id." }) });

const Instant = z.string().meta({ description: "ISO 8601, UTC." });
const Range = z.object({
  versions: z.string().meta({ description: 'A version or range (">=7.0.0 <7.1.0", "6.x", "live").' }),
  status: z.enum(RANGE_STATUSES),
  fixedIn: z.string().optional(),
  reason: z.string().optional(),
});
const Draft = z
  .object({
    title: z.string(),
    summary: z.string(),
    description: z.string().meta({ description: "Markdown; sanitised when rendered." }),
    cveId: z.string().nullable(),
    aliases: z.array(z.string()),
    cwe: z.string().nullable(),
    cvss31: z.string().nullable(),
    cvss40: z.string().nullable(),
    severity: z.enum(ADVISORY_SEVERITIES).nullable(),
    products: z.array(z.object({ id: z.string(), name: z.string(), ranges: z.array(Range) })),
    references: z.array(z.object({ url: z.string(), kind: z.string().optional() })),
    credits: z.array(z.object({ name: z.string(), type: z.enum(CREDIT_TYPES), url: z.string().optional() })),
    revisionSummary: z.string(),
  })
  .meta({ id: "AdvisoryDraft" });
const AdvisoryJson = z
  .object({
    id: z.string(),
    program: z.string(),
    caseId: z.string().nullable(),
    trackingId: z.string().nullable().meta({ description: "Given on first publication." }),
    state: z.enum(["draft", "published"]),
    draftVersion: z.number().meta({ description: "Send it back to edit, approve or publish this draft." }),
    publishedVersion: z.number().nullable(),
    approvedBy: z.string().nullable(),
    approvedAt: Instant.nullable(),
    createdAt: Instant,
    createdBy: z.string(),
    updatedAt: Instant,
    updatedBy: z.string(),
    publicUrl: z.string().nullable(),
    revisions: z.array(z.object({ number: z.number(), publishedAt: Instant, summary: z.string() })),
    draft: Draft,
  })
  .meta({ id: "Advisory" });
const AdvisoryList = z.object({
  advisories: z.array(AdvisoryJson.omit({ draft: true, revisions: true }).extend({ title: z.string() })),
});

// Loose shape limits; the domain's own (src/domain/advisories/draft.ts) answer with the field's name.
const text = (max: number) => z.string().max(max);
const NewAdvisory = z
  .strictObject({
    caseId: z
      .string()
      .max(64)
      .optional()
      .meta({ description: "The case the advisory is written for (prefilled from it); none: standalone." }),
  })
  .meta({ id: "NewAdvisory" });
const DraftChange = z
  .strictObject({
    version: z
      .number()
      .int()
      .positive()
      .optional()
      .meta({ description: "The draftVersion read; refused (409) when stale." }),
    title: text(2_000).optional(),
    summary: text(20_000).optional(),
    description: text(100_000).optional(),
    cveId: text(200).nullable().optional(),
    aliases: z.array(text(200)).max(200).optional(),
    cwe: text(200).nullable().optional(),
    cvss31: text(500).nullable().optional(),
    cvss40: text(500).nullable().optional(),
    severity: text(40).nullable().optional(),
    products: z
      .array(
        z.strictObject({
          id: text(200),
          ranges: z
            .array(
              z.strictObject({
                versions: text(500),
                status: text(40),
                fixedIn: text(500).optional(),
                reason: text(10_000).optional(),
              }),
            )
            .max(200),
        }),
      )
      .max(200)
      .optional(),
    references: z
      .array(z.strictObject({ url: text(5_000), kind: text(200).optional() }))
      .max(200)
      .optional(),
    credits: z
      .array(z.strictObject({ name: text(1_000), type: text(100), url: text(5_000).optional() }))
      .max(200)
      .optional(),
    revisionSummary: text(10_000).optional(),
  })
  .meta({ id: "AdvisoryDraftChange" });
const VersionBody = z.strictObject({ version: z.number().int().positive() }).meta({ id: "AdvisoryVersion" });
const Published = z.object({ revision: z.number(), trackingId: z.string(), url: z.string() });
const apiErrors = { ...errors, 409: ApiError } as const;

export function advisoryApiRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const common = { tags, security };

  const publicUrlOf = (advisory: Advisory) =>
    advisory.trackingId === null
      ? null
      : `${ctx.config.publicUrl}${advisoryUrl(advisory.program, advisory.trackingId)}`;
  const summaryOf = (advisory: Advisory) => ({
    id: advisory.id,
    program: advisory.program,
    caseId: advisory.caseId,
    trackingId: advisory.trackingId,
    state: advisory.state,
    draftVersion: advisory.draftVersion,
    publishedVersion: advisory.publishedVersion,
    approvedBy: advisory.approvedBy,
    approvedAt: advisory.approvedAt?.toISOString() ?? null,
    createdAt: advisory.createdAt.toISOString(),
    createdBy: advisory.createdBy,
    updatedAt: advisory.updatedAt.toISOString(),
    updatedBy: advisory.updatedBy,
    publicUrl: publicUrlOf(advisory),
  });
  const detail = async (advisoryId: string): Promise<z.infer<typeof AdvisoryJson>> => {
    const advisory = await findAdvisory(ctx.store.db, ctx.keyring, advisoryId);
    if (advisory === undefined) throw new HttpError(404, "not_found", "Advisory not found.");
    const revisions = await revisionsOf(ctx.store.db, advisory.id);
    return {
      ...summaryOf(advisory),
      revisions: revisions.map((revision) => ({
        number: revision.number,
        publishedAt: revision.publishedAt.toISOString(),
        summary: recordOf(revision).revisions.at(-1)?.summary ?? "",
      })),
      draft: advisory.draft,
    };
  };
  /** The advisory by id, its program the caller's: 404 otherwise, 403 to write where they read. */
  const target = async (staffId: ReturnType<typeof requireStaff>, id: string, access: "view" | "work") => {
    const found = /^[a-z2-7]{16}$/.test(id) ? await findAdvisory(ctx.store.db, ctx.keyring, id) : undefined;
    const program = found === undefined ? undefined : ctx.programs.get(found.program);
    if (found === undefined || program === undefined || !canViewCase(staffId, found.program))
      throw new HttpError(404, "not_found", "Advisory not found.");
    requireCaseAccess(staffId, found.program, access);
    return { program, advisory: await advisoryOf(ctx, found.program, id) };
  };

  app.get(
    "/api/v1/programs/:program/advisories",
    {
      config,
      schema: {
        summary: "The program's advisories (drafts and published), newest first",
        ...common,
        params: ProgramParams,
        response: { 200: AdvisoryList, ...errors },
      },
    },
    async (request, reply) => {
      const program = programForAdvisories(ctx, requireStaff(request), request.params.program, "view");
      const advisories = await advisoriesOfProgram(ctx.store.db, ctx.keyring, program.policy.program.slug);
      return reply.header("cache-control", "no-store").send({
        advisories: advisories.map((advisory) => ({ ...summaryOf(advisory), title: advisory.draft.title })),
      });
    },
  );

  app.post(
    "/api/v1/programs/:program/advisories",
    {
      ...writes,
      schema: {
        summary:
          "Create an advisory: from one of the program's cases (prefilled from it) or standalone (empty)",
        ...common,
        params: ProgramParams,
        body: NewAdvisory,
        response: { 201: AdvisoryJson, ...apiErrors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = programForAdvisories(ctx, staff, request.params.program, "work");
      const actor = teamActor(staff.userId);
      const { caseId } = request.body;
      if (caseId !== undefined) await requireCaseOfProgram(ctx, program, caseId);
      const { advisoryId } = await runAdvisoryCommand(() =>
        caseId === undefined
          ? createStandaloneAdvisory(ctx, program.policy, actor, ctx.clock())
          : createAdvisoryFromCase(ctx, program.policy, caseId, actor, ctx.clock()),
      );
      return reply.status(201).send(await detail(advisoryId));
    },
  );

  app.get(
    "/api/v1/advisories/:id",
    {
      config,
      schema: {
        summary: "An advisory: its draft, its review and its published revisions",
        ...common,
        params: AdvisoryParams,
        response: { 200: AdvisoryJson, ...errors },
      },
    },
    async (request, reply) => {
      const { advisory } = await target(requireStaff(request), request.params.id, "view");
      return reply.header("cache-control", "no-store").send(await detail(advisory.id));
    },
  );

  app.patch(
    "/api/v1/advisories/:id",
    {
      ...writes,
      bodyLimit: ADVISORY_BODY_LIMIT,
      schema: {
        summary: "Edit the draft (omitted members stay); a change clears the approval",
        ...common,
        params: AdvisoryParams,
        body: DraftChange,
        response: { 200: AdvisoryJson.extend({ changed: z.boolean() }), ...apiErrors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { program, advisory } = await target(staff, request.params.id, "work");
      const { version, ...input } = request.body;
      const { changed } = await runAdvisoryCommand(() =>
        editAdvisory(ctx, program.policy, advisory.id, teamActor(staff.userId), input, version, ctx.clock()),
      );
      return reply.send({ ...(await detail(advisory.id)), changed });
    },
  );

  app.post(
    "/api/v1/advisories/:id/approval",
    {
      ...writes,
      schema: {
        summary: "Approve the draft at `version`: by another member than its last editor",
        ...common,
        params: AdvisoryParams,
        body: VersionBody,
        response: { 200: z.object({ changed: z.boolean() }), ...apiErrors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { program, advisory } = await target(staff, request.params.id, "work");
      const outcome = await runAdvisoryCommand(() =>
        approveAdvisory(
          ctx,
          program.policy,
          advisory.id,
          teamActor(staff.userId),
          request.body.version,
          ctx.clock(),
        ),
      );
      return reply.send(outcome);
    },
  );

  app.post(
    "/api/v1/advisories/:id/publication",
    {
      ...writes,
      schema: {
        summary:
          "Publish the draft at `version` as the next revision: approved by a second member unless the policy's `disclosure.advisories.secondApproval` is false; a case's once the case is disclosed",
        ...common,
        params: AdvisoryParams,
        body: VersionBody,
        response: { 201: Published, ...apiErrors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const { program, advisory } = await target(staff, request.params.id, "work");
      const { number, trackingId } = await runAdvisoryCommand(() =>
        publishAdvisory(
          ctx,
          program.policy,
          advisory.id,
          teamActor(staff.userId),
          request.body.version,
          ctx.clock(),
          ctx.config.publicUrl,
        ),
      );
      const url = `${ctx.config.publicUrl}${advisoryUrl(program.policy.program.slug, trackingId)}`;
      return reply.status(201).send({ revision: number, trackingId, url });
    },
  );
}
