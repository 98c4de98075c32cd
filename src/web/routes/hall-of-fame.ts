import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { PublishedCredit } from "../../domain/credit/snippet.js";
import { readPublishedCredits } from "../../store/credits.js";
import type { WebContext } from "../context.js";
import { notFound } from "../errors.js";
import { HallOfFamePage } from "../views/hall-of-fame.js";
import { renderPage } from "../views/layout.js";

const ProgramParams = z.object({ program: z.string().max(64) });

/** How long each process keeps a program's list (on the app's clock): a public page costs one read per TTL. */
export const HALL_OF_FAME_TTL_MS = 30_000;

/**
 * `GET /p/{program}/hall-of-fame`: public, for programs whose policy promises credit
 * (`recognition.credit`; 404 otherwise). Reading it decrypts each published case's credit, so each
 * process keeps a program's list for HALL_OF_FAME_TTL_MS (concurrent misses share one read; one
 * entry per known program, so strangers cannot grow it).
 */
export async function hallOfFameRoutes(app: FastifyInstance, ctx: WebContext) {
  const cache = new Map<string, { expiresAt: number; value: Promise<PublishedCredit[]> }>();
  const creditsOf = (slug: string): Promise<PublishedCredit[]> => {
    const loaded = ctx.programs.get(slug);
    if (loaded === undefined) return Promise.reject(notFound("Program"));
    const now = ctx.clock();
    const cached = cache.get(slug);
    if (cached !== undefined && cached.expiresAt > now.getTime()) return cached.value;
    const value = readPublishedCredits(ctx.store.db, ctx.keyring, loaded.policy, now);
    value.catch(() => {
      if (cache.get(slug)?.value === value) cache.delete(slug);
    });
    cache.set(slug, { expiresAt: now.getTime() + HALL_OF_FAME_TTL_MS, value });
    return value;
  };

  app.get(
    "/p/:program/hall-of-fame",
    { schema: { params: ProgramParams, hide: true } },
    async (request, reply) => {
      const slug = (request.params as z.infer<typeof ProgramParams>).program;
      const loaded = ctx.programs.get(slug);
      if (loaded === undefined || loaded.policy.recognition.credit === undefined)
        throw notFound("Hall of fame");
      const credits = await creditsOf(loaded.policy.program.slug);
      return reply
        .header("cache-control", "public, max-age=60")
        .type("text/html; charset=utf-8")
        .send(renderPage(HallOfFamePage({ program: loaded, credits })));
    },
  );
}
