import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  changeProblem,
  linkCaseToProblem,
  openProblemFromCase,
  ProblemNotFoundError,
  unlinkCaseFromProblem,
} from "../../../commands/problems.js";
import { type ProblemMetrics, problemMetrics } from "../../../domain/problems/problem-metrics.js";
import { problemReference } from "../../../domain/problems/problem-number.js";
import { PROBLEM_STATES } from "../../../domain/problems/problem-rules.js";
import type { LoadedPolicy } from "../../../policy/loader.js";
import { caseProgramOf } from "../../../store/case-lookup.js";
import { findProblem, linkedCasesOf, type Problem, problemsOfProgram } from "../../../store/problems.js";
import { teamActor } from "../../../store/staff-validation.js";
import type { WebContext } from "../../context.js";
import { HttpError } from "../../errors.js";
import { requireStaff } from "../../staff-session.js";
import { problemOfUrl, programWithProblems, requireCaseOfProgram } from "../staff/problems.js";
import { config, errors, security, tags, writes } from "./openapi.js";

/**
 * Problem management in the staff JSON API (`incident.register.problemManagement`), the same
 * commands as the pages (src/web/routes/staff/problems.ts): list and read a program's problems
 * (viewers), open one from a case, link and unlink cases, record the analysis (responders and
 * administrators; 403 for a viewer's token). 404 for a program outside the caller's, or whose
 * policy has no problem management, and for a problem number that names none (`1e3` included);
 * 400 for a case in the body that is not one of the program's.
 */
const ProgramParams = z.object({ program: z.string().max(64).meta({ description: "The program's slug." }) });
const ProblemParams = ProgramParams.extend({
  number: z.string().max(20).meta({ description: "The problem's number in its program: 3 or P-3." }),
});
const ProblemCaseParams = ProblemParams.extend({
  id: z.string().max(64).meta({ description: "The case id." }),
});

const Instant = z.string().meta({ description: "ISO 8601, UTC." });
const Metrics = z.object({
  cases: z.number(),
  open: z.number().meta({ description: "Linked cases not closed." }),
  lastCaseReceivedAt: Instant.nullable(),
  secondsSinceLastCase: z.number().nullable(),
});
const ProblemJson = z
  .object({
    number: z.number(),
    reference: z.string().meta({ description: "P-<number>" }),
    program: z.string(),
    title: z.string(),
    rootCause: z.string(),
    state: z.enum(PROBLEM_STATES),
    createdAt: Instant,
    createdBy: z.string(),
    updatedAt: Instant,
    updatedBy: z.string(),
    metrics: Metrics,
  })
  .meta({ id: "Problem" });
const ProblemDetail = ProblemJson.extend({
  cases: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      state: z.string(),
      receivedAt: Instant,
      linkedAt: Instant,
    }),
  ),
}).meta({ id: "ProblemDetail" });
const ProblemList = z.object({ problems: z.array(ProblemJson) });

// Loose shape limits here; the domain's own (a 200-character title, a 5,000-character root
// cause) answer with the same words as the pages.
const NewProblem = z
  .strictObject({
    caseId: z.string().max(64).meta({ description: "The case the problem is opened from; it is linked." }),
    title: z.string().max(2_000),
    rootCause: z
      .string()
      .max(50_000)
      .default("")
      .meta({ description: "What is known so far; may be empty." }),
  })
  .meta({ id: "NewProblem" });
const ProblemChange = z
  .strictObject({ state: z.enum(PROBLEM_STATES).optional(), rootCause: z.string().max(50_000).optional() })
  .meta({ id: "ProblemChange" });
const CaseLink = z.strictObject({ caseId: z.string().max(64) }).meta({ id: "ProblemCaseLink" });
const Changed = z.object({ changed: z.boolean() });

function metricsJson(metrics: ProblemMetrics): z.infer<typeof Metrics> {
  return {
    cases: metrics.cases,
    open: metrics.open,
    lastCaseReceivedAt: metrics.lastReceivedAt?.toISOString() ?? null,
    secondsSinceLastCase: metrics.sinceLastMs === null ? null : Math.floor(metrics.sinceLastMs / 1000),
  };
}

function problemJson(problem: Problem, metrics: ProblemMetrics): z.infer<typeof ProblemJson> {
  return {
    number: problem.number,
    reference: problemReference(problem.number),
    program: problem.program,
    title: problem.title,
    rootCause: problem.rootCause,
    state: problem.state,
    createdAt: problem.createdAt.toISOString(),
    createdBy: problem.createdBy,
    updatedAt: problem.updatedAt.toISOString(),
    updatedBy: problem.updatedBy,
    metrics: metricsJson(metrics),
  };
}

export function problemApiRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const common = { tags, security };

  /** The problem with the linked cases `member` may see, as GET answers it. */
  const detail = async (problem: Problem, member: string): Promise<z.infer<typeof ProblemDetail>> => {
    const cases = await linkedCasesOf(ctx.store.db, ctx.keyring, problem.id, member);
    return {
      ...problemJson(problem, problemMetrics(cases, ctx.clock())),
      cases: cases.map((linked) => ({
        id: linked.id,
        title: linked.title,
        state: linked.state,
        receivedAt: linked.receivedAt.toISOString(),
        linkedAt: linked.linkedAt.toISOString(),
      })),
    };
  };
  /** Reads the problem again after a command changed it. */
  const reread = async (program: LoadedPolicy, problemNumber: number, member: string) => {
    const problem = await findProblem(ctx.store.db, ctx.keyring, program.policy.program.slug, problemNumber);
    if (problem === undefined) throw new HttpError(404, "not_found", "Problem not found.");
    return detail(problem, member);
  };
  const notFoundFromCommand = (error: unknown): never => {
    if (error instanceof ProblemNotFoundError) throw new HttpError(404, "not_found", "Problem not found.");
    throw error;
  };

  app.get(
    "/api/v1/problems/:program",
    {
      config,
      schema: {
        summary: "The program's problems, newest first, with their cases' counts",
        ...common,
        params: ProgramParams,
        response: { 200: ProblemList, ...errors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = programWithProblems(ctx, staff, request.params.program, "view");
      const now = ctx.clock();
      const problems = await problemsOfProgram(
        ctx.store.db,
        ctx.keyring,
        program.policy.program.slug,
        staff.userId,
      );
      return reply.header("cache-control", "no-store").send({
        problems: problems.map((problem) => problemJson(problem, problemMetrics(problem.cases, now))),
      });
    },
  );

  app.get(
    "/api/v1/problems/:program/:number",
    {
      config,
      schema: {
        summary: "A problem: state, root cause, linked cases and what they say",
        ...common,
        params: ProblemParams,
        response: { 200: ProblemDetail, ...errors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = programWithProblems(ctx, staff, request.params.program, "view");
      const problem = await problemOfUrl(ctx, program, request.params.number);
      return reply.header("cache-control", "no-store").send(await detail(problem, staff.userId));
    },
  );

  app.post(
    "/api/v1/problems/:program",
    {
      ...writes,
      schema: {
        summary: "Open a problem from one of the program's cases (the case is linked to it)",
        ...common,
        params: ProgramParams,
        body: NewProblem,
        response: { 201: ProblemDetail, ...errors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = programWithProblems(ctx, staff, request.params.program, "work");
      const { caseId, title, rootCause } = request.body;
      await requireCaseOfProgram(ctx, program, caseId);
      const input = { title, rootCause };
      const actor = teamActor(staff.userId);
      const opened = await openProblemFromCase(ctx, program.policy, caseId, actor, input, ctx.clock());
      return reply.status(201).send(await reread(program, opened.number, staff.userId));
    },
  );

  app.patch(
    "/api/v1/problems/:program/:number",
    {
      ...writes,
      schema: {
        summary: "Record the analysis: the problem's state and/or root cause",
        ...common,
        params: ProblemParams,
        body: ProblemChange,
        response: { 200: ProblemDetail.extend({ changed: z.boolean() }), ...errors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = programWithProblems(ctx, staff, request.params.program, "work");
      const problem = await problemOfUrl(ctx, program, request.params.number);
      const actor = teamActor(staff.userId);
      const { changed } = await changeProblem(
        ctx,
        program.policy,
        problem.number,
        actor,
        request.body,
        ctx.clock(),
      ).catch(notFoundFromCommand);
      return reply.send({ ...(await reread(program, problem.number, staff.userId)), changed });
    },
  );

  app.post(
    "/api/v1/problems/:program/:number/cases",
    {
      ...writes,
      schema: {
        summary: "Link one of the program's cases to the problem (the case records it, internally)",
        ...common,
        params: ProblemParams,
        body: CaseLink,
        response: { 200: Changed, ...errors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = programWithProblems(ctx, staff, request.params.program, "work");
      const problem = await problemOfUrl(ctx, program, request.params.number);
      await requireCaseOfProgram(ctx, program, request.body.caseId);
      const actor = teamActor(staff.userId);
      const at = ctx.clock();
      const { changed } = await linkCaseToProblem(
        ctx,
        program.policy,
        request.body.caseId,
        actor,
        problem.number,
        at,
      );
      return reply.send({ changed });
    },
  );

  app.delete(
    "/api/v1/problems/:program/:number/cases/:id",
    {
      ...writes,
      schema: {
        summary: "Unlink a case from the problem (unchanged when it is not linked to it)",
        ...common,
        params: ProblemCaseParams,
        response: { 200: Changed, ...errors },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      const program = programWithProblems(ctx, staff, request.params.program, "work");
      const problem = await problemOfUrl(ctx, program, request.params.number);
      const { id } = request.params;
      // The case is in the path: a case of another program (or none) is not found here.
      if ((await caseProgramOf(ctx.store, id)) !== program.policy.program.slug)
        throw new HttpError(404, "not_found", "Case not found.");
      const actor = teamActor(staff.userId);
      const at = ctx.clock();
      const { changed } = await unlinkCaseFromProblem(ctx, program.policy, id, actor, problem.number, at);
      return reply.send({ changed });
    },
  );
}
