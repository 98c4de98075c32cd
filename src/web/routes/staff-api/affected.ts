import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { addCaseRelease, affectedMatrixOf, setAffectedCell } from "../../../commands/affected.js";
import { changeIdentifiers, currentIdentifiers } from "../../../commands/case-identifiers.js";
import {
  AFFECTED_STATUSES,
  type AffectedCell,
  assetName,
  MAX_ALIASES,
  productionReleasesOwed,
} from "../../../domain/disclosure/affected.js";
import { ApiError } from "../../../intake/report-schema.js";
import type { Policy } from "../../../policy/schema.js";
import { teamActor } from "../../../store/staff-validation.js";
import { caseTarget, loadCase } from "../../case-loader.js";
import type { WebContext } from "../../context.js";
import { requireStaff } from "../../staff-session.js";
import { CaseIdParams } from "../staff-api-schema.js";
import { errors, security, tags, writes } from "./openapi.js";

/**
 * A case's affected-release matrix and identifiers in the staff JSON API, the same commands as the
 * case page's forms (src/web/views/case-page/affected.tsx): read it (viewers too), set a cell, add
 * a release, set the CVE id and aliases (responders and administrators). Shapes are checked loosely
 * here; the commands' own limits answer 400 naming the field, a CVE id or alias another case of the
 * program has answers 409 `identifier_taken`.
 */
const Status = z.enum(AFFECTED_STATUSES);

const Cell = z
  .object({
    asset: z.string(),
    assetName: z.string(),
    version: z.string().meta({ description: 'A version or a range (">=7.0.0 <7.1.0", "live").' }),
    inProduction: z.boolean(),
    source: z.enum(["policy", "case"]).meta({ description: "Listed by the policy, or added on the case." }),
    status: Status,
    fixedIn: z.string().nullable().meta({ description: "The version that fixes it (status `fixed`)." }),
    reason: z.string().nullable().meta({ description: "Why not fixed (`will-not-fix`) or not affected." }),
  })
  .meta({ id: "AffectedCell" });

const AffectedMatrixJson = z
  .object({
    cells: z.array(Cell),
    fixAllProductionReleases: z.boolean().meta({
      description: "The policy's incident.fixAllProductionReleases: no `fixed` while a release is owed.",
    }),
    productionReleasesOwed: z
      .array(z.object({ asset: z.string(), version: z.string(), status: Status }))
      .meta({
        description: "Releases in production still affected, under investigation or not to be fixed.",
      }),
    cveId: z.string().nullable(),
    aliases: z.array(z.string()),
  })
  .meta({ id: "AffectedMatrix" });

const CellBody = z
  .strictObject({
    asset: z.string().max(200).meta({ description: "An in-scope asset id of the case's program." }),
    version: z.string().max(1_000).meta({ description: "A release already in the matrix." }),
    status: z
      .string()
      .max(40)
      .meta({ description: AFFECTED_STATUSES.join(", ") }),
    fixedIn: z.string().max(1_000).nullable().optional().meta({ description: "Required with `fixed`." }),
    reason: z
      .string()
      .max(10_000)
      .nullable()
      .optional()
      .meta({ description: "Required with `will-not-fix`; optional with `not-affected`." }),
  })
  .meta({ id: "AffectedCellRequest" });
const CellDone = z.object({ changed: z.boolean(), cell: Cell });

const ReleaseBody = z
  .strictObject({
    asset: z.string().max(200),
    version: z.string().max(1_000).meta({ description: "A version or a range, at most 100 characters." }),
    inProduction: z.boolean().default(true),
  })
  .meta({ id: "CaseReleaseRequest" });

const IdentifiersBody = z
  .strictObject({
    cveId: z
      .string()
      .max(200)
      .nullable()
      .optional()
      .meta({ description: "CVE-YYYY-NNNN…; null or empty clears it; omitted keeps it." }),
    aliases: z
      .array(z.string().max(200))
      .max(MAX_ALIASES * 5)
      .optional()
      .meta({
        description: `The aliases (at most ${MAX_ALIASES}) replacing the case's; omitted keeps them.`,
      }),
  })
  .meta({ id: "CaseIdentifiersRequest" });
const IdentifiersDone = z.object({
  changed: z.boolean(),
  cveId: z.string().nullable(),
  aliases: z.array(z.string()),
});

const Changed = z.object({ changed: z.boolean() });
const conflict = { ...errors, 409: ApiError };

export const cellJson = (policy: Policy, cell: AffectedCell) => ({
  asset: cell.asset,
  assetName: assetName(policy, cell.asset),
  version: cell.version,
  inProduction: cell.inProduction,
  source: cell.source,
  status: cell.status,
  fixedIn: cell.fixedIn,
  reason: cell.reason,
});

export function affectedApiRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const workOn = async (request: Parameters<typeof requireStaff>[0], id: string) => {
    const staff = requireStaff(request);
    const { program } = await caseTarget(ctx, staff, id, "work");
    return { actor: teamActor(staff.userId), policy: program.policy };
  };

  app.get(
    "/api/v1/cases/:id/affected",
    {
      config: writes.config,
      schema: {
        summary:
          "The case's affected-release matrix, the production releases still owed a fix, its CVE id and aliases",
        tags,
        security,
        params: CaseIdParams,
        response: { 200: AffectedMatrixJson, ...errors },
      },
    },
    async (request, reply) => {
      const { program, found } = await loadCase(ctx, requireStaff(request), request.params.id, "view");
      const policy = program.policy;
      const matrix = affectedMatrixOf(policy, found.events);
      const { cveId, aliases } = currentIdentifiers(found.events);
      return reply.header("cache-control", "no-store").send({
        cells: matrix.map((cell) => cellJson(policy, cell)),
        fixAllProductionReleases: policy.incident.fixAllProductionReleases === true,
        productionReleasesOwed: productionReleasesOwed(policy, matrix).map(({ asset, version, status }) => ({
          asset,
          version,
          status,
        })),
        cveId,
        aliases,
      });
    },
  );

  app.put(
    "/api/v1/cases/:id/affected",
    {
      ...writes,
      schema: {
        summary:
          "Set one cell of the matrix: affected, not affected, under investigation, fixed in a version, will not fix",
        tags,
        security,
        params: CaseIdParams,
        body: CellBody,
        response: { 200: CellDone, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor, policy } = await workOn(request, id);
      const done = await setAffectedCell(ctx, policy, id, actor, request.body, ctx.clock());
      return reply.send({ changed: done.changed, cell: cellJson(policy, done.cell) });
    },
  );

  app.post(
    "/api/v1/cases/:id/releases",
    {
      ...writes,
      schema: {
        summary: "Add a release (a version or a range) of an in-scope asset to the case's matrix",
        tags,
        security,
        params: CaseIdParams,
        body: ReleaseBody,
        response: { 200: Changed, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor, policy } = await workOn(request, id);
      const { changed } = await addCaseRelease(ctx, policy, id, actor, request.body, ctx.clock());
      return reply.send({ changed });
    },
  );

  app.put(
    "/api/v1/cases/:id/identifiers",
    {
      ...writes,
      schema: {
        summary: "Set the case's CVE id and aliases (409 when another case of the program has one)",
        tags,
        security,
        params: CaseIdParams,
        body: IdentifiersBody,
        response: { 200: IdentifiersDone, ...conflict },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { actor, policy } = await workOn(request, id);
      const done = await changeIdentifiers(ctx, policy, id, actor, request.body, ctx.clock());
      return reply.send({ changed: done.changed, ...done.identifiers });
    },
  );
}
