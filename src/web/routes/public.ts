import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { programPublicKey, wkdKey } from "../../mail/key-directory.js";
import { renderSecurityTxt } from "../../policy/render/security-txt.js";
import { publishedPublicKey } from "../../store/program-keys.js";
import type { WebContext } from "../context.js";
import { notFound } from "../errors.js";
import { renderPage } from "../views/layout.js";
import { PolicyPage, ProgramIndex } from "../views/policy-page.js";
import { advisoryPublicRoutes } from "./advisories.js";
import { csafProviderRoutes } from "./csaf-provider.js";
import { hallOfFameRoutes } from "./hall-of-fame.js";

const ProgramParams = z.object({ program: z.string().max(64) });
const WkdParams = z.object({ hash: z.string().max(64) });
// `l` (the local part) is accepted as the WKD draft sends it, but the hash alone decides.
const WkdQuery = z.object({ l: z.string().max(256).optional() });
/** z-base-32 of a SHA-1: 32 characters. */
const WKD_HASH = /^[ybndrfg8ejkmcpqxot1uwisza345h769]{32}$/;

/**
 * The public face of each program: policy page, security.txt and its OpenPGP key (at
 * openpgp.asc and in the Web Key Directory of its addresses).
 */
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

  // The hall of fame security.txt's Acknowledgments names (src/web/routes/hall-of-fame.ts).
  await hallOfFameRoutes(app, ctx);

  const securityTxt = async (slug: string) => {
    const loaded = program(slug);
    const storedKey = (await publishedPublicKey(ctx.store, loaded.policy.program.slug)) !== undefined;
    return renderSecurityTxt(loaded, { now: ctx.clock(), publicUrl: ctx.config.publicUrl, storedKey });
  };

  app.get("/.well-known/security.txt", { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type("text/plain; charset=utf-8")
      .send(await securityTxt(ctx.programs.defaultProgram.policy.program.slug)),
  );
  app.get(
    "/p/:program/security.txt",
    { schema: { params: ProgramParams, hide: true } },
    async (request, reply) =>
      reply
        .type("text/plain; charset=utf-8")
        .send(await securityTxt((request.params as z.infer<typeof ProgramParams>).program)),
  );

  app.get(
    "/p/:program/openpgp.asc",
    { schema: { params: ProgramParams, hide: true } },
    async (request, reply) => {
      const loaded = program((request.params as z.infer<typeof ProgramParams>).program);
      const key = await programPublicKey(ctx.store, loaded);
      if (key === undefined) throw notFound("OpenPGP key");
      return reply.type("application/pgp-keys").send(key.armored);
    },
  );

  // Web Key Directory, direct method (draft-koch-openpgp-webkey-service): open to any origin.
  app.get(
    "/.well-known/openpgpkey/hu/:hash",
    { schema: { params: WkdParams, querystring: WkdQuery, hide: true } },
    async (request, reply) => {
      const { hash } = request.params as z.infer<typeof WkdParams>;
      const key = WKD_HASH.test(hash)
        ? await wkdKey(ctx.store, ctx.programs.all(), hash, request.hostname)
        : undefined;
      if (key === undefined) throw notFound("OpenPGP key");
      return reply
        .type("application/octet-stream")
        .header("access-control-allow-origin", "*")
        .send(Buffer.from(key));
    },
  );
  // A program's published advisories, their documents and feed (issue 13).
  await advisoryPublicRoutes(app, ctx);
  // The same advisories as a CSAF 2.0 provider under /.well-known/csaf/ (src/web/routes/csaf-provider.ts).
  await csafProviderRoutes(app, ctx);

  // The draft requires the policy file to exist; an empty one means the default policy.
  app.get("/.well-known/openpgpkey/policy", { schema: { hide: true } }, async (_request, reply) =>
    reply.type("text/plain; charset=utf-8").header("access-control-allow-origin", "*").send(""),
  );
}
