import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Staff } from "../../../auth/staff.js";
import { emailsOf } from "../../../auth/team.js";
import {
  AdvisoryConflictError,
  AdvisoryNotFoundError,
  approveAdvisory,
  createAdvisoryFromCase,
  createStandaloneAdvisory,
  editAdvisory,
  publishAdvisory,
} from "../../../commands/advisories.js";
import type { DraftInput } from "../../../domain/advisories/draft.js";
import { advisoryReviewOf } from "../../../domain/advisories/review.js";
import type { LoadedPolicy } from "../../../policy/loader.js";
import {
  type Advisory,
  advisoriesOfProgram,
  advisoryIdOfCase,
  findAdvisory,
  revisionsOf,
} from "../../../store/advisories.js";
import { InvalidCaseCommandError } from "../../../store/staff-errors.js";
import { teamActor } from "../../../store/staff-validation.js";
import { caseCommandHttpError } from "../../case-errors.js";
import type { WebContext } from "../../context.js";
import { HttpError } from "../../errors.js";
import { readFormBody, requireFormContentType } from "../../form-body.js";
import { type CaseAccess, canViewCase, canWorkCase, requireCaseAccess } from "../../permissions.js";
import { requireStaff } from "../../staff-session.js";
import { recordOf } from "../../views/advisory-pages.js";
import { AdvisoryListPage, AdvisoryPage } from "../../views/advisory-staff-pages.js";
import { requireCaseOfProgram } from "./problems.js";
import { sendPage } from "./send-page.js";

/**
 * Advisories in the browser (issue 13): a program's advisories at /advisories/{program}, one at
 * /advisories/{program}/{id} with its edit form, approval and publication (plain POST forms, no
 * JavaScript), and the creation from a case's page or standalone. Who may do what is the case
 * rule (src/web/permissions.ts) on the advisory's program: viewers read, responders and
 * administrators write. Another program's advisory, or an id that names none, is 404.
 */
const ProgramParams = z.object({ program: z.string().max(64) });
const AdvisoryParams = ProgramParams.extend({ id: z.string().max(64) });
const PageQuery = z.object({ notice: z.string().max(20).optional() });

/** Room for a draft's text (a 20,000-character description URL-encoded at up to 9 bytes each). */
export const ADVISORY_BODY_LIMIT = 1024 * 1024;

const NOTICES: Readonly<Record<string, string>> = {
  created: "Advisory created. Edit its draft, then ask another member of the team to approve it.",
  saved: "Draft saved. It needs an approval before it is published.",
  unchanged: "Nothing changed.",
  approved: "Draft approved. It may be published.",
  published: "Published. The public page shows this revision; it never changes.",
};

/** The notices that differ where the policy asks for no second approval (disclosure.advisories). */
const NOTICES_ALONE: Readonly<Record<string, string>> = {
  created: "Advisory created. Edit its draft, then publish it.",
  saved: "Draft saved. It may be published.",
};

const notFound = () => new HttpError(404, "not_found", "Advisory not found.");

/** The served program `slug` when `staff` may `access` its cases: 404 otherwise (403 to write where they read). */
export function programForAdvisories(
  ctx: Pick<WebContext, "programs">,
  staff: Staff,
  slug: string,
  access: CaseAccess,
): LoadedPolicy {
  const program = ctx.programs.get(slug);
  if (program === undefined || !canViewCase(staff, slug)) throw new HttpError(404, "not_found", "Not found.");
  requireCaseAccess(staff, slug, access);
  return program;
}

/** The advisory `id` of `program`; 404 for another program's or none. */
export async function advisoryOf(
  ctx: Pick<WebContext, "store" | "keyring">,
  program: string,
  id: string,
): Promise<Advisory> {
  const advisory = /^[a-z2-7]{16}$/.test(id) ? await findAdvisory(ctx.store.db, ctx.keyring, id) : undefined;
  if (advisory === undefined || advisory.program !== program) throw notFound();
  return advisory;
}

/** An advisory command's refusal as HTTP: 404, 409 (`advisory_conflict`) or 400 naming the field. */
export function advisoryHttpError(error: unknown): HttpError | undefined {
  if (error instanceof AdvisoryNotFoundError) return notFound();
  if (error instanceof AdvisoryConflictError) {
    const message = caseCommandHttpError(error)?.message ?? error.message;
    return new HttpError(409, "advisory_conflict", message, [{ field: error.field, message }]);
  }
  return caseCommandHttpError(error);
}

export async function runAdvisoryCommand<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw advisoryHttpError(error) ?? error;
  }
}

const lines = (text: string | undefined) =>
  (text ?? "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
const cells = (line: string) => line.split("|").map((cell) => cell.trim());

function tooFewCells(field: string, index: number, shape: string): never {
  throw new InvalidCaseCommandError(field, `line ${index + 1} of ${field}: write ${shape}`);
}

/** The edit form's fields as a draft change (lines of `a | b | c`, see the form's hints). */
export function draftFromForm(fields: Record<string, string>): DraftInput {
  const products: {
    id: string;
    ranges: { versions: string; status: string; fixedIn?: string; reason?: string }[];
  }[] = [];
  for (const [index, line] of lines(fields.products).slice(0, 500).entries()) {
    const [id = "", versions = "", status = "", extra = ""] = cells(line);
    if (id === "" || versions === "" || status === "")
      tooFewCells("products", index, "asset id | versions | status | fixed in or reason");
    let product = products.find((candidate) => candidate.id === id);
    if (product === undefined) {
      product = { id, ranges: [] };
      products.push(product);
    }
    const detail =
      extra === ""
        ? {}
        : status === "fixed" || status === "affected"
          ? { fixedIn: extra }
          : { reason: extra };
    product.ranges.push({ versions, status, ...detail });
  }
  const references = lines(fields.references)
    .slice(0, 500)
    .map((line) => {
      const [url = "", kind = ""] = cells(line);
      return kind === "" ? { url } : { url, kind };
    });
  const credits = lines(fields.credits)
    .slice(0, 500)
    .map((line, index) => {
      const [name = "", type = "", url = ""] = cells(line);
      if (name === "" || type === "") tooFewCells("credits", index, "name | type | https URL");
      return url === "" ? { name, type } : { name, type, url };
    });
  return {
    title: fields.title ?? "",
    summary: fields.summary ?? "",
    description: fields.description ?? "",
    cveId: fields["cve-id"] ?? "",
    aliases: lines((fields.aliases ?? "").replaceAll(",", "\n")).slice(0, 500),
    cwe: fields.cwe ?? "",
    cvss31: fields.cvss31 ?? "",
    cvss40: fields.cvss40 ?? "",
    severity: fields.severity ?? "",
    products,
    references,
    credits,
    revisionSummary: fields["revision-summary"] ?? "",
  };
}

/** The form field a command's field belongs beside. */
function formFieldOf(field: string): string {
  const head = field.split(".")[0] ?? field;
  const names: Readonly<Record<string, string>> = { cveId: "cve-id", revisionSummary: "revision-summary" };
  const known = [
    "title",
    "summary",
    "description",
    "aliases",
    "cwe",
    "cvss31",
    "cvss40",
    "severity",
    "products",
    "references",
    "credits",
    "version",
  ];
  return names[head] ?? (known.includes(head) ? head : "advisory");
}

const versionOf = (text: string | undefined) => {
  const version = Number(text ?? "");
  return Number.isSafeInteger(version) && version > 0 ? version : 0;
};

async function renderAdvisoryPage(
  ctx: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  program: LoadedPolicy,
  advisory: Advisory,
  extra: { notice?: string; errors?: Map<string, string>; draft?: Record<string, string> } = {},
) {
  const staff = requireStaff(request);
  const revisions = await revisionsOf(ctx.store.db, advisory.id);
  const names = await emailsOf(ctx.store, [
    advisory.createdBy,
    advisory.updatedBy,
    ...(advisory.approvedBy === null ? [] : [advisory.approvedBy]),
  ]);
  return sendPage(
    reply,
    status,
    AdvisoryPage({
      csrfToken: reply.generateCsrf(),
      email: staff.email,
      program: { slug: program.policy.program.slug, name: program.policy.program.name },
      advisory,
      names,
      canWork: canWorkCase(staff, program.policy.program.slug),
      secondApproval: advisoryReviewOf(program.policy).secondApproval,
      revisions: revisions.map((revision) => ({
        number: revision.number,
        publishedAt: revision.publishedAt,
        summary: recordOf(revision).revisions.at(-1)?.summary ?? "",
      })),
      errors: extra.errors ?? new Map(),
      ...(extra.notice === undefined ? {} : { notice: extra.notice }),
      ...(extra.draft === undefined ? {} : { draft: extra.draft }),
    }),
  );
}

const seeOther = (reply: FastifyReply, url: string) =>
  reply.status(303).header("cache-control", "no-store").header("location", url).send();

export function advisoryRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const form = { onRequest: requireFormContentType, preHandler: scope.csrfProtection };

  app.get(
    "/advisories/:program",
    { schema: { params: ProgramParams, hide: true } },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = programForAdvisories(ctx, staff, request.params.program, "view");
      const slug = program.policy.program.slug;
      return sendPage(
        reply,
        200,
        AdvisoryListPage({
          csrfToken: reply.generateCsrf(),
          email: staff.email,
          program: { slug, name: program.policy.program.name },
          advisories: await advisoriesOfProgram(ctx.store.db, ctx.keyring, slug),
          canWork: canWorkCase(staff, slug),
        }),
      );
    },
  );

  // Create: from a case (the case page's button sends `case`) or standalone.
  app.post(
    "/advisories/:program",
    { schema: { params: ProgramParams, hide: true }, ...form },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = programForAdvisories(ctx, staff, request.params.program, "work");
      const slug = program.policy.program.slug;
      const body = await readFormBody(request, 0);
      const caseId = (body.fields.case ?? "").trim().slice(0, 64);
      const actor = teamActor(staff.userId);
      if (caseId === "") {
        const { advisoryId } = await createStandaloneAdvisory(ctx, program.policy, actor, ctx.clock());
        return seeOther(reply, `/advisories/${slug}/${advisoryId}?notice=created`);
      }
      await requireCaseOfProgram(ctx, program, caseId);
      const existing = await advisoryIdOfCase(ctx.store.db, caseId);
      if (existing !== undefined) return seeOther(reply, `/advisories/${slug}/${existing}`);
      const { advisoryId } = await runAdvisoryCommand(() =>
        createAdvisoryFromCase(ctx, program.policy, caseId, actor, ctx.clock()),
      );
      return seeOther(reply, `/advisories/${slug}/${advisoryId}?notice=created`);
    },
  );

  app.get(
    "/advisories/:program/:id",
    { schema: { params: AdvisoryParams, querystring: PageQuery, hide: true } },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = programForAdvisories(ctx, staff, request.params.program, "view");
      const advisory = await advisoryOf(ctx, program.policy.program.slug, request.params.id);
      // Own keys only: `?notice=constructor` names no notice.
      const own = (notices: Readonly<Record<string, string>>, key: string | undefined) =>
        key !== undefined && Object.hasOwn(notices, key) ? notices[key] : undefined;
      const alone = !advisoryReviewOf(program.policy).secondApproval;
      const notice =
        (alone ? own(NOTICES_ALONE, request.query.notice) : undefined) ?? own(NOTICES, request.query.notice);
      return renderAdvisoryPage(
        ctx,
        request,
        reply,
        200,
        program,
        advisory,
        notice === undefined ? {} : { notice },
      );
    },
  );

  /** Runs a command from the advisory page: back to it with a notice, or the page again with the error. */
  const pageCommand = (
    path: string,
    run: (input: {
      program: LoadedPolicy;
      advisory: Advisory;
      staff: Staff;
      fields: Record<string, string>;
    }) => Promise<string>,
  ) =>
    app.post(
      path,
      { schema: { params: AdvisoryParams, hide: true }, bodyLimit: ADVISORY_BODY_LIMIT, ...form },
      async (request, reply) => {
        const staff = requireStaff(request);
        const program = programForAdvisories(ctx, staff, request.params.program, "work");
        const advisory = await advisoryOf(ctx, program.policy.program.slug, request.params.id);
        const { fields } = await readFormBody(request, 0);
        let notice: string;
        try {
          notice = await run({ program, advisory, staff, fields });
        } catch (error) {
          const http = advisoryHttpError(error);
          if (http === undefined || http.statusCode === 404) throw http ?? error;
          const field = formFieldOf(http.fields?.[0]?.field ?? "advisory");
          const errors = new Map([[field, http.message]]);
          const fresh = await advisoryOf(ctx, program.policy.program.slug, advisory.id);
          const draft = path.endsWith("/:id") ? fields : undefined;
          return renderAdvisoryPage(ctx, request, reply, http.statusCode, program, fresh, {
            errors,
            ...(draft === undefined ? {} : { draft }),
          });
        }
        return seeOther(reply, `/advisories/${program.policy.program.slug}/${advisory.id}?notice=${notice}`);
      },
    );

  pageCommand("/advisories/:program/:id", async ({ program, advisory, staff, fields }) => {
    const input = draftFromForm(fields);
    const { changed } = await editAdvisory(
      ctx,
      program.policy,
      advisory.id,
      teamActor(staff.userId),
      input,
      versionOf(fields.version),
      ctx.clock(),
    );
    return changed ? "saved" : "unchanged";
  });

  pageCommand("/advisories/:program/:id/approve", async ({ program, advisory, staff, fields }) => {
    const { changed } = await approveAdvisory(
      ctx,
      program.policy,
      advisory.id,
      teamActor(staff.userId),
      versionOf(fields.version),
      ctx.clock(),
    );
    return changed ? "approved" : "unchanged";
  });

  pageCommand("/advisories/:program/:id/publish", async ({ program, advisory, staff, fields }) => {
    await publishAdvisory(
      ctx,
      program.policy,
      advisory.id,
      teamActor(staff.userId),
      versionOf(fields.version),
      ctx.clock(),
      ctx.config.publicUrl,
    );
    return "published";
  });
}
