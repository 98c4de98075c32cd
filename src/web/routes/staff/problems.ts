import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Staff } from "../../../auth/staff.js";
import { emailsOf } from "../../../auth/team.js";
import {
  changeProblem,
  linkCaseToProblem,
  openProblemFromCase,
  ProblemNotFoundError,
  unlinkCaseFromProblem,
} from "../../../commands/problems.js";
import { problemMetrics } from "../../../domain/problems/problem-metrics.js";
import { parseProblemNumber } from "../../../domain/problems/problem-number.js";
import type { LoadedPolicy } from "../../../policy/loader.js";
import { caseProgramOf } from "../../../store/case-lookup.js";
import { findProblem, linkedCasesOf, type Problem, problemsOfProgram } from "../../../store/problems.js";
import { InvalidCaseCommandError } from "../../../store/staff-errors.js";
import { teamActor } from "../../../store/staff-validation.js";
import { caseCommandHttpError } from "../../case-errors.js";
import type { WebContext } from "../../context.js";
import { HttpError } from "../../errors.js";
import { readFormBody, requireFormContentType } from "../../form-body.js";
import { type CaseAccess, canViewCase, canWorkCase, requireCaseAccess } from "../../permissions.js";
import { requireStaff } from "../../staff-session.js";
import { ProblemListPage, ProblemPage } from "../../views/problem-pages.js";
import { type CaseNotice, FormRefusal, staffCaseForm } from "./case-form.js";
import { sendPage } from "./send-page.js";

/**
 * Problem management in the browser (`incident.register.problemManagement`): a program's
 * problems at /problems/{program}, one problem at /problems/{program}/{number} (P-3 is
 * /problems/rocketchat/3), the analysis form on it, and the case page's forms to open a problem
 * from a case, link the case to one, or unlink it. Who may do what is the case's rule
 * (src/web/permissions.ts) applied to the problem's program: viewers read, responders and
 * administrators write. A program whose policy has no problem management has none of it: 404.
 */
const ProgramParams = z.object({ program: z.string().max(64) });
const ProblemParams = ProgramParams.extend({ number: z.string().max(20) });
const ProblemQuery = z.object({ notice: z.string().max(20).optional() });

const PROBLEM_NOTICES: Readonly<Record<string, string>> = {
  saved: "Analysis saved.",
  unchanged: "Nothing changed.",
};

const notFound = (message = "Not found.") => new HttpError(404, "not_found", message);

/**
 * The served program `slug`, when the member may `access` its cases and its policy has problem
 * management: 404 otherwise (or 403 to write where they may only read).
 */
export function programWithProblems(
  ctx: Pick<WebContext, "programs">,
  staff: Staff,
  slug: string,
  access: CaseAccess,
): LoadedPolicy {
  const program = ctx.programs.get(slug);
  if (program === undefined || !canViewCase(staff, slug)) throw notFound();
  requireProblemManagement(program);
  requireCaseAccess(staff, slug, access);
  return program;
}

/** 404 for a program whose policy has no problem management: it has no problems to show. */
function requireProblemManagement(program: LoadedPolicy): void {
  if (program.policy.incident.register?.problemManagement === undefined)
    throw notFound("This program's policy has no problem management.");
}

/** The program's problem named by a URL's number (`3` or `P-3`); 404 for anything else. */
export async function problemOfUrl(
  ctx: Pick<WebContext, "store" | "keyring">,
  program: LoadedPolicy,
  text: string,
): Promise<Problem> {
  const problemNumber = parseProblemNumber(text);
  const problem =
    problemNumber === undefined
      ? undefined
      : await findProblem(ctx.store.db, ctx.keyring, program.policy.program.slug, problemNumber);
  if (problem === undefined) throw notFound("Problem not found.");
  return problem;
}

/**
 * A case named in a request's body must be one of the program's. Said the same way whether the
 * case exists in another program or not at all, so the answer tells nothing about other programs.
 */
export async function requireCaseOfProgram(
  ctx: Pick<WebContext, "store">,
  program: LoadedPolicy,
  caseId: string,
): Promise<void> {
  if ((await caseProgramOf(ctx.store, caseId)) === program.policy.program.slug) return;
  const message = `There is no case ${caseId.slice(0, 64)} in this program.`;
  throw new HttpError(400, "invalid_request", message, [{ field: "caseId", message }]);
}

/** A problem command's refusal as a form error: the message beside the field that caused it. */
function refusalOf(error: unknown, fields: Readonly<Record<string, string>>): FormRefusal | undefined {
  if (!(error instanceof InvalidCaseCommandError)) return undefined;
  const message = caseCommandHttpError(error)?.message ?? error.message;
  return new FormRefusal(fields[error.field] ?? "problem", message);
}

/** The case page's form fields for the commands' field names. */
const CASE_FORM_FIELDS = { title: "problem-title", rootCause: "problem-root-cause", problem: "problem" };
/** The problem page's. */
const PROBLEM_FORM_FIELDS = { state: "state", rootCause: "root-cause" };

/** Runs a problem command from the case page: its notice, or its refusal beside the field. */
async function caseFormCommand(run: () => Promise<CaseNotice>): Promise<CaseNotice | FormRefusal> {
  try {
    return await run();
  } catch (error) {
    const refusal = refusalOf(error, CASE_FORM_FIELDS);
    if (refusal === undefined) throw error;
    return refusal;
  }
}

/** The case page's forms (src/web/views/case-page/problem.tsx), through the case forms' checks. */
function caseProblemForms(scope: FastifyInstance, ctx: WebContext) {
  staffCaseForm(scope, ctx, "problem-open", {
    body: "fields",
    run: async ({ id, program, actor, form }) => {
      requireProblemManagement(program);
      const input = {
        title: form.fields["problem-title"] ?? "",
        rootCause: form.fields["problem-root-cause"] ?? "",
      };
      return caseFormCommand(async () => {
        await openProblemFromCase(ctx, program.policy, id, actor, input, ctx.clock());
        return "problem-opened";
      });
    },
  });

  staffCaseForm(scope, ctx, "problem-link", {
    body: "fields",
    run: async ({ id, program, actor, form }) => {
      requireProblemManagement(program);
      const problemNumber = parseProblemNumber(form.fields.problem ?? "");
      if (problemNumber === undefined)
        return new FormRefusal("problem", "Give the problem's number, for example P-3 or 3.");
      return caseFormCommand(async () => {
        const { changed } = await linkCaseToProblem(
          ctx,
          program.policy,
          id,
          actor,
          problemNumber,
          ctx.clock(),
        );
        return changed ? "problem-linked" : "unchanged";
      });
    },
  });

  staffCaseForm(scope, ctx, "problem-unlink", {
    body: "fields",
    run: async ({ id, program, actor, form }) => {
      requireProblemManagement(program);
      // The page sends the problem it showed: a case linked to another one meanwhile stays linked.
      const problemNumber = parseProblemNumber(form.fields.problem ?? "");
      return caseFormCommand(async () => {
        const { changed } = await unlinkCaseFromProblem(
          ctx,
          program.policy,
          id,
          actor,
          problemNumber,
          ctx.clock(),
        );
        return changed ? "problem-unlinked" : "unchanged";
      });
    },
  });
}

interface ProblemPageExtra {
  notice?: string;
  errors?: Map<string, string>;
  draft?: Record<string, string>;
}

async function renderProblemPage(
  ctx: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  program: LoadedPolicy,
  problem: Problem,
  extra: ProblemPageExtra = {},
) {
  const staff = requireStaff(request);
  const [cases, names] = await Promise.all([
    linkedCasesOf(ctx.store.db, ctx.keyring, problem.id, staff.userId),
    emailsOf(ctx.store, [problem.createdBy, problem.updatedBy]),
  ]);
  return sendPage(
    reply,
    status,
    ProblemPage({
      csrfToken: reply.generateCsrf(),
      email: staff.email,
      program: { slug: program.policy.program.slug, name: program.policy.program.name },
      problem,
      cases,
      metrics: problemMetrics(cases, ctx.clock()),
      names,
      canWork: canWorkCase(staff, program.policy.program.slug),
      errors: extra.errors ?? new Map(),
      ...(extra.notice === undefined ? {} : { notice: extra.notice }),
      ...(extra.draft === undefined ? {} : { draft: extra.draft }),
    }),
  );
}

export function problemRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();

  caseProblemForms(scope, ctx);

  app.get("/problems/:program", { schema: { params: ProgramParams, hide: true } }, async (request, reply) => {
    const staff = requireStaff(request);
    const program = programWithProblems(ctx, staff, request.params.program, "view");
    const now = ctx.clock();
    const problems = await problemsOfProgram(
      ctx.store.db,
      ctx.keyring,
      program.policy.program.slug,
      staff.userId,
    );
    return sendPage(
      reply,
      200,
      ProblemListPage({
        csrfToken: reply.generateCsrf(),
        email: staff.email,
        program: { slug: program.policy.program.slug, name: program.policy.program.name },
        problems: problems.map((problem) => ({ problem, metrics: problemMetrics(problem.cases, now) })),
      }),
    );
  });

  app.get(
    "/problems/:program/:number",
    { schema: { params: ProblemParams, querystring: ProblemQuery, hide: true } },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = programWithProblems(ctx, staff, request.params.program, "view");
      const problem = await problemOfUrl(ctx, program, request.params.number);
      const notice = request.query.notice === undefined ? undefined : PROBLEM_NOTICES[request.query.notice];
      return renderProblemPage(
        ctx,
        request,
        reply,
        200,
        program,
        problem,
        notice === undefined ? {} : { notice },
      );
    },
  );

  app.post(
    "/problems/:program/:number",
    {
      schema: { params: ProblemParams, hide: true },
      onRequest: requireFormContentType,
      preHandler: scope.csrfProtection,
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = programWithProblems(ctx, staff, request.params.program, "work");
      const problem = await problemOfUrl(ctx, program, request.params.number);
      const form = await readFormBody(request, 0);
      const change = { state: form.fields.state, rootCause: form.fields["root-cause"] };
      let changed: boolean;
      try {
        ({ changed } = await changeProblem(
          ctx,
          program.policy,
          problem.number,
          teamActor(staff.userId),
          change,
          ctx.clock(),
        ));
      } catch (error) {
        if (error instanceof ProblemNotFoundError) throw notFound("Problem not found.");
        const refusal = refusalOf(error, PROBLEM_FORM_FIELDS);
        if (refusal === undefined) throw error;
        const errors = new Map([[refusal.field, refusal.message]]);
        return renderProblemPage(ctx, request, reply, 400, program, problem, { errors, draft: form.fields });
      }
      const url = `/problems/${program.policy.program.slug}/${problem.number}?notice=${changed ? "saved" : "unchanged"}`;
      return reply.status(303).header("cache-control", "no-store").header("location", url).send();
    },
  );
}
