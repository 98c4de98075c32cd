import type { FastifyPluginAsync } from "fastify";
import { createPowChallenge, type PowOptions, type PowReplayGuard } from "./challenge.js";

/** Absolute path: register {@link powRoutes} without a prefix. */
export const POW_CHALLENGE_PATH = "/api/v1/pow/challenge";

export interface PowRoutesOptions {
  options: PowOptions;
  /**
   * The guard the web layer passes to `verifyPowSolution` when a report comes in. The challenge route
   * itself needs no state; it is taken here so one object carries the whole PoW setup.
   */
  replay: PowReplayGuard;
}

/**
 * `GET /api/v1/pow/challenge` → a fresh challenge in ALTCHA's v1 JSON shape
 * (`{algorithm, challenge, salt, signature, maxnumber}`), never cached.
 *
 * No route schema on purpose, so the plugin works whatever validator/serializer compilers (e.g. Zod's)
 * the parent app installs.
 */
export const powRoutes: FastifyPluginAsync<PowRoutesOptions> = async (app, { options }) => {
  app.get(
    POW_CHALLENGE_PATH,
    { schema: { summary: "A proof-of-work challenge (ALTCHA format) for report submissions" } },
    async (_request, reply) => {
      const challenge = await createPowChallenge(options);
      reply.header("cache-control", "no-store");
      return challenge;
    },
  );
};
