import { createHash } from "node:crypto";
import type { SwaggerTransform } from "@fastify/swagger";
import type { FastifyInstance, FastifyReply } from "fastify";
import { jsonSchemaTransform, type ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { assess, PUBLISHED_STATUSES } from "../../domain/disclosure/affected-answer.js";
import { parseVersion, VERSION_MAX } from "../../domain/disclosure/versions.js";
import { ApiError } from "../../intake/report-schema.js";
import { Id } from "../../policy/schema.js";
import { AffectedLookup, type PublishedProduct } from "../../store/affected-lookup.js";
import type { WebContext } from "../context.js";
import { HttpError, notFound } from "../errors.js";

/**
 * `GET /api/v1/programs/{program}/affected?product=…&version=…`: "is my version affected?", for
 * product instances that show a banner when they run an affected release (Rocket.Chat's day 30).
 * Public and read-only: answered only from what has been published (`published_affected`, written
 * when a case is disclosed), through a short per-process cache (src/store/affected-lookup.ts: 30 s,
 * so instances may differ that long after a publication); the answer for each version asked is
 * kept with the cached rows, so a poll costs no database query and no matching.
 * A product with nothing published answers exactly as a product that does not exist: nothing
 * about a case under embargo, not even that one exists, can be learnt here. No case id is ever in
 * an answer.
 *
 * Caches may keep an answer 5 minutes (Cache-Control) and revalidate it with its ETag (304).
 * Any origin may read it (Access-Control-Allow-Origin: *; a simple GET, no preflight); no cookie
 * is read or set by it. The app's per-address request limit applies, as on every public route.
 */
const PUBLIC_CACHE = "public, max-age=300";

const Params = z.object({ program: z.string().max(64).meta({ description: "The program's slug." }) });

const Query = z.object({
  // One message per mistake: an overlong product is not also checked for its characters.
  product: z.string().max(64, { abort: true }).pipe(Id).meta({
    description: "The product: the id of one of the program's assets (`scope.inScope[].id` of its policy).",
    example: "rocketchat-product",
  }),
  version: z.string().min(1).max(VERSION_MAX).meta({
    description:
      'The version the instance runs: dotted numbers with an optional "v", pre-release and build ("7.0.3", "v1.2", "7.1.0-rc.1+abc"), or a label for a service or branch ("live", "main"). A single version, not a range.',
    example: "7.0.1",
  }),
});

const Advisory = z
  .object({
    cveId: z.string().nullable().meta({ description: "The CVE id of the advisory, when it has one." }),
    status: z.enum(PUBLISHED_STATUSES).meta({ description: "What the advisory says of `versions`." }),
    versions: z
      .string()
      .meta({ description: 'The version or range it speaks of (">=7.0.0 <7.1.0", "6.x", "live").' }),
    fixedIn: z.string().nullable().meta({ description: "The version that fixes it in that range, if any." }),
    publishedAt: z.string().meta({ description: "When it was published (ISO 8601)." }),
    affectsVersion: z.boolean().meta({ description: "Whether it finds the asked version affected." }),
  })
  .meta({ id: "AffectedAdvisory" });

const Answer = z
  .object({
    program: z.string(),
    product: z.string(),
    productName: z.string().meta({ description: "The product's name as last published." }),
    version: z.string().meta({ description: "The version asked about, as sent." }),
    affected: z
      .boolean()
      .meta({ description: "True when a published advisory finds this version affected." }),
    status: z.enum(["affected", "not-affected", "fixed", "unknown"]).meta({
      description:
        "`affected`: an advisory finds this version affected (also when its fix is not out or will not come). `fixed`: advisories name it, and it has their fixes. `not-affected`: advisories name it as not affected. `unknown`: nothing published names this version.",
    }),
    fixedIn: z.array(z.string()).meta({
      description: "Versions that fix what affects this version, oldest first: where to upgrade to.",
    }),
    advisories: z.array(Advisory).meta({ description: "The published advisories that name this version." }),
  })
  .meta({ id: "AffectedAnswer" });
type AnswerValue = z.infer<typeof Answer>;

export async function affectedRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const lookup = new AffectedLookup(ctx.store.db, { now: ctx.clock });
  // Answers already written, per version, for the rows they were drawn from: a cached product's
  // rows are one object until its entry expires, so its answers go with it.
  const answered = new WeakMap<PublishedProduct, Map<string, { body: string; etag: string }>>();

  app.get(
    "/api/v1/programs/:program/affected",
    {
      // Set before validation, so that refusals are readable by any origin too.
      onRequest: async (_request, reply) => {
        reply.header("access-control-allow-origin", "*");
      },
      config: { swaggerTransform: describeCaching },
      schema: {
        summary: "Is my version affected?",
        description:
          "What the program has published about a product's version: whether it is affected, the versions that fix it, and the advisories that name it. Answers only from disclosed advisories; a product with nothing published is 404, whether or not it exists. Meant to be polled by product instances: answers may be cached 5 minutes and revalidated with If-None-Match; readable from any origin.",
        tags: ["disclosure"],
        params: Params,
        querystring: Query,
        response: {
          200: Answer,
          400: ApiError,
          404: ApiError,
        },
      },
    },
    async (request, reply) => {
      const { product, version } = request.query;
      const loaded = ctx.programs.get(request.params.program);
      if (loaded === undefined) throw notFound("Program");
      const parsed = parseVersion(version);
      if (!parsed.ok) {
        throw new HttpError(400, "invalid_request", "Invalid version.", [
          { field: "version", message: `The version ${parsed.error}.` },
        ]);
      }
      const program = loaded.policy.program.slug;
      // Only the policy's assets reach the cache and the database: a stranger's made-up product
      // names would otherwise push real products out of the cache and make every poll a read.
      const known = loaded.policy.scope.inScope.some((asset) => asset.id === product);
      const published = known ? await lookup.product(program, product) : undefined;
      if (published === undefined) {
        reply.header("cache-control", PUBLIC_CACHE);
        throw new HttpError(404, "unknown_product", "Nothing has been published about this product.");
      }
      let answers = answered.get(published);
      if (answers === undefined) {
        answers = new Map();
        answered.set(published, answers);
      }
      let sent = answers.get(version);
      if (sent === undefined) {
        const answer: AnswerValue = {
          program,
          product,
          productName: published.productName,
          version,
          ...assess(published.ranges, parsed.value),
        };
        const body = JSON.stringify(answer);
        sent = { body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"` };
        // Instances poll with a few versions; a stranger's many only push the oldest out.
        if (answers.size >= ANSWERS_PER_PRODUCT) answers.delete(answers.keys().next().value ?? "");
        answers.set(version, sent);
      }
      return sendCacheable(reply, request.headers["if-none-match"], sent);
    },
  );
}

/** Versions whose answers are kept per product (and per cache entry: they go when it expires). */
const ANSWERS_PER_PRODUCT = 256;

/** 200 with the body and its ETag, or 304 when the client holds that ETag already. */
function sendCacheable(
  reply: FastifyReply,
  ifNoneMatch: string | undefined,
  sent: { body: string; etag: string },
) {
  reply.header("cache-control", PUBLIC_CACHE).header("etag", sent.etag);
  if (ifNoneMatch !== undefined && holdsEtag(ifNoneMatch, sent.etag)) return reply.status(304).send();
  return reply.type("application/json; charset=utf-8").send(sent.body);
}

/** If-None-Match (RFC 9110 13.1.2): "*" or a list of tags, compared weakly. */
function holdsEtag(header: string, etag: string): boolean {
  if (header.length > 4096) return false;
  for (const part of header.split(",")) {
    const tag = part.trim();
    if (tag === "*" || tag === etag || (tag.startsWith("W/") && tag.slice(2) === etag)) return true;
  }
  return false;
}

const header = (description: string) => ({ type: "string", description });
const CACHING_HEADERS = {
  "Cache-Control": header("`public, max-age=300`: caches may keep the answer 5 minutes."),
  ETag: header("The answer's tag: send it back in If-None-Match to get 304 while it is unchanged."),
  "Access-Control-Allow-Origin": header("`*`: any origin may read it."),
};

const ERROR_DESCRIPTIONS = {
  "400": "`invalid_request`: a missing or malformed `product` or `version`; `fields` names it.",
  "404": "`not_found`: no such program. `unknown_product`: nothing has been published about this product.",
};

/** The document's 200 and 304 with their caching headers (zod schemas cannot say them). */
const describeCaching: SwaggerTransform = (args) => {
  const transformed = jsonSchemaTransform(args);
  const response = (transformed.schema as { response?: Record<string, Record<string, unknown>> }).response;
  if (response?.["200"] !== undefined) {
    response["200"] = {
      ...response["200"],
      description: "The published answer for this version.",
      headers: CACHING_HEADERS,
    };
    for (const [status, description] of Object.entries(ERROR_DESCRIPTIONS))
      if (response[status] !== undefined) response[status] = { ...response[status], description };
    response["304"] = {
      type: "null",
      description: "Not modified: the If-None-Match tag is the answer's current ETag.",
      headers: CACHING_HEADERS,
    };
  }
  return transformed;
};
