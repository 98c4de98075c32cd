import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  describeProgram,
  ProgramDescription,
  type ProgramDescriptionValue,
} from "../../intake/program-description.js";
import { ApiError } from "../../intake/report-schema.js";
import type { Policy } from "../../policy/schema.js";
import type { WebContext } from "../context.js";
import { notFound } from "../errors.js";

const Params = z.object({ program: z.string().max(64).meta({ description: "The program's slug." }) });

/**
 * `GET /api/v1/programs/{program}`: what a program's report must hold, for clients that fill it
 * in: its template (each field's id, label, help, kind, whether it is required, its choices and
 * purpose), its in-scope assets, the file limits and a JSON Schema of the report body. Public,
 * like the policy page it is drawn from.
 */
export async function programApiRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  // Written once per loaded policy (a reload brings new policy objects, and new descriptions).
  const described = new WeakMap<Policy, ProgramDescriptionValue>();

  app.get(
    "/api/v1/programs/:program",
    {
      schema: {
        summary: "Describe a program's report template",
        tags: ["reports"],
        params: Params,
        response: { 200: ProgramDescription, 404: ApiError },
      },
    },
    async (request) => {
      const loaded = ctx.programs.get(request.params.program);
      if (loaded === undefined) throw notFound("Program");
      let description = described.get(loaded.policy);
      if (description === undefined) {
        description = describeProgram(loaded.policy, {
          publicUrl: ctx.config.publicUrl,
          limits: ctx.config.limits,
        });
        described.set(loaded.policy, description);
      }
      return description;
    },
  );
}
