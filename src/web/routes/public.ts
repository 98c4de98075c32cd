import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { renderSecurityTxt } from "../../policy/render/security-txt.js";
import type { WebContext } from "../app.js";
import { notFound } from "../errors.js";
import { renderPage } from "../views/layout.js";
import { PolicyPage, ProgramIndex } from "../views/policy-page.js";

const ProgramParams = z.object({ program: z.string().max(64) });

/** The public face of each program: policy page, security.txt and its OpenPGP key. */
export async function publicRoutes(app: FastifyInstance, ctx: WebContext) {
  const program = (slug: string) => {
    const loaded = ctx.programs.get(slug);
    if (loaded === undefined) throw notFound("Program");
    return loaded;
  };

  app.get("/", { schema: { hide: true } }, async (_request, reply) =>
    reply.type("text/html; charset=utf-8").send(renderPage(ProgramIndex({ programs: ctx.programs.all() }))),
  );

  app.get("/p/:program", { schema: { params: ProgramParams, hide: true } }, async (request, reply) => {
    const loaded = program((request.params as z.infer<typeof ProgramParams>).program);
    const reportFormUrl = `${ctx.config.publicUrl}/p/${loaded.policy.program.slug}/report`;
    return reply
      .type("text/html; charset=utf-8")
      .send(renderPage(PolicyPage({ program: loaded, reportFormUrl })));
  });

  const securityTxt = (slug: string) =>
    renderSecurityTxt(program(slug), { now: ctx.clock(), publicUrl: ctx.config.publicUrl });

  app.get("/.well-known/security.txt", { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type("text/plain; charset=utf-8")
      .send(securityTxt(ctx.programs.defaultProgram.policy.program.slug)),
  );
  app.get(
    "/p/:program/security.txt",
    { schema: { params: ProgramParams, hide: true } },
    async (request, reply) =>
      reply
        .type("text/plain; charset=utf-8")
        .send(securityTxt((request.params as z.infer<typeof ProgramParams>).program)),
  );

  app.get(
    "/p/:program/openpgp.asc",
    { schema: { params: ProgramParams, hide: true } },
    async (request, reply) => {
      const loaded = program((request.params as z.infer<typeof ProgramParams>).program);
      if (loaded.programKey === undefined) throw notFound("OpenPGP key");
      return reply.type("application/pgp-keys").send(loaded.programKey.armored);
    },
  );
}
