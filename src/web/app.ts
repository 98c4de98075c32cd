import { fileURLToPath } from "node:url";
import cookie from "@fastify/cookie";
import csrf from "@fastify/csrf-protection";
import formbody from "@fastify/formbody";
import helmet from "@fastify/helmet";
import multipart from "@fastify/multipart";
import rateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { sql } from "kysely";
import type { Staff } from "../auth/staff.js";
import { IntakeLimiter } from "./abuse/intake-limiter.js";
import { rateLimitKeys } from "./abuse/rate-limit-keys.js";
import { finishUnreadBody, SMALL_BODY_LIMIT } from "./body-limits.js";
import { caseCommandHttpError } from "./case-errors.js";
import type { AppDeps, WebContext } from "./context.js";
import { HttpError } from "./errors.js";
import { csrfTokenOf, multipartFormReader } from "./form-body.js";
import { ReplayGuard } from "./pow/challenge.js";
import { powRoutes } from "./pow/routes.js";
import { StoredReplayGuard } from "./pow/stored-replay-guard.js";
import { announcementRoutes } from "./routes/announcements.js";
import { apiRoutes } from "./routes/api.js";
import { authRoutes } from "./routes/auth/index.js";
import { mailQueueRoutes } from "./routes/mail-queue.js";
import { memberRoutes } from "./routes/members.js";
import { operationsRoutes } from "./routes/operations.js";
import { publicRoutes } from "./routes/public.js";
import { reportFormRoutes } from "./routes/report-form.js";
import { reporterRoutes } from "./routes/reporter.js";
import { staffRoutes } from "./routes/staff.js";
import { staffApiRoutes } from "./routes/staff-api.js";
import { staffChromeOf } from "./staff-chrome.js";
import { isAccountRoute, staffOnly } from "./staff-gate.js";
import { LoginRequired, loadStaff, loginRedirect } from "./staff-session.js";
import { fastifyTrustProxy } from "./trust-proxy.js";
import { UploadsBusy, uploadGate } from "./upload-gate.js";
import { vendorAssetRoutes } from "./vendor-assets.js";
import { ErrorPage } from "./views/error-page.js";
import { renderPage } from "./views/layout.js";

const ASSETS = fileURLToPath(new URL("../../assets/", import.meta.url));

export async function buildApp(deps: AppDeps) {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    // Whose X-Forwarded-For to believe: a hop count or the proxies' addresses, never any client's.
    trustProxy: fastifyTrustProxy(config.trustProxy),
    // Bodies without attachments; routes that take files set their own (src/web/body-limits.ts).
    bodyLimit: SMALL_BODY_LIMIT,
    // Slow clients: a request, body included, must arrive within requestTimeout (Node answers
    // 408 and closes), its headers within headersTimeout. Node checks both on an interval (30 s
    // by default), which would let a short timeout run long.
    requestTimeout: config.timeouts.requestMs,
    http: {
      headersTimeout: config.timeouts.headersMs,
      connectionsCheckingInterval: Math.min(5_000, Math.max(100, Math.floor(config.timeouts.headersMs / 4))),
    },
  }).withTypeProvider<ZodTypeProvider>();
  // Every route, as registered: the permission test checks each one against its table.
  const routes: { method: string; url: string }[] = [];
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      if (method !== "HEAD") routes.push({ method, url: route.url });
    }
  });
  app.decorate("registeredRoutes", routes);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const secureCookies = config.publicUrl.startsWith("https:");
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    referrerPolicy: { policy: "no-referrer" },
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: secureCookies,
  });
  // Counted in each instance's memory: only a ceiling against floods (N instances let N times
  // through). The limits that matter (reports, follow-ups, sign-in) are shared in the database.
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimits.requestsPerMinute,
    timeWindow: "1 minute",
  });
  await app.register(cookie);
  await app.register(csrf, {
    cookieKey: "embargo-csrf",
    cookieOpts: { path: "/", httpOnly: true, sameSite: "strict", secure: secureCookies, signed: false },
    getToken: csrfTokenOf,
  });
  // No limit of its own: the route's (or the server's small default) applies.
  await app.register(formbody);
  // Not attachFieldsToBody: that reads every file into memory before any check. Forms are read
  // by multipartFormReader below, part by part, within the route's body limit.
  await app.register(multipart, {
    limits: {
      fileSize: config.limits.attachmentBytes,
      files: 10,
      fields: 100,
      fieldSize: 1024 * 1024,
      parts: 120,
      headerPairs: 100,
    },
  });
  await app.register(swagger, {
    transformObject: jsonSchemaTransformObject,
    openapi: {
      openapi: "3.1.0",
      info: { title: "Embargo API", version: "1" },
      servers: [{ url: config.publicUrl }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifyStatic, { root: ASSETS, prefix: "/assets/", index: false, maxAge: "1h" });
  // Browser code from npm (the passkey client's library), served from node_modules.
  await app.register(vendorAssetRoutes);

  const context: WebContext = {
    ...deps,
    limiter: new IntakeLimiter(deps.store, rateLimitKeys(deps.powKey), config.rateLimits, deps.clock),
    pow: { hmacKey: deps.powKey, maxNumber: 50_000, expiresInSeconds: 20 * 60, now: deps.clock },
    // Several instances share one PostgreSQL database, so they share the guard there; SQLite is
    // one process, whose memory is enough (and spares each report a write).
    replay:
      deps.store.dialect === "postgres"
        ? new StoredReplayGuard(deps.store, rateLimitKeys(deps.powKey))
        : new ReplayGuard(),
  };
  app.decorate("staffChrome", (staff: Staff | undefined) => staffChromeOf(context, staff));

  // Multipart bodies are parsed in a preValidation hook; an error before preHandler on such a
  // request is the sender's malformed body, not our failure. This flag tells the two apart.
  app.decorateRequest("bodyParsed", false);
  app.addHook("preHandler", async (request) => {
    request.bodyParsed = true;
  });
  app.addHook("onRequest", loadStaff(context));
  // After loadStaff: anonymous uploads are budgeted before their body is read.
  app.addHook("onRequest", uploadGate(config.uploads));
  app.addHook("preValidation", multipartFormReader(config.limits));
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(new HttpError(404, "not_found", "Not found."), request, reply),
  );

  await app.register(powRoutes, { options: context.pow, replay: context.replay });
  await app.register(async (scope) => publicRoutes(scope, context));
  await app.register(async (scope) => announcementRoutes(scope, context));
  await app.register(async (scope) => reportFormRoutes(scope, context));
  await app.register(async (scope) => reporterRoutes(scope, context));
  await app.register(async (scope) => apiRoutes(scope, context));
  // Routes for signed-in staff refuse anyone else before reading a body: register them in a
  // scope that calls staffOnly (src/web/staff-gate.ts).
  await app.register(async (scope) => {
    staffOnly(scope, isAccountRoute);
    await authRoutes(scope, context);
  });
  for (const routes of [memberRoutes, staffRoutes, staffApiRoutes, operationsRoutes, mailQueueRoutes])
    await app.register(async (scope) => {
      staffOnly(scope);
      await routes(scope, context);
    });

  app.get("/api/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  app.get("/healthz", { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => {
    await sql`select 1`.execute(deps.store.db);
    return reply.header("cache-control", "no-store").send({ status: "ok" });
  });
  return app;
}

/**
 * One place turns every error into a response: JSON under /api/, an HTML page elsewhere.
 * Client mistakes keep their 4xx status and a message written for them; anything else is a
 * 500 whose details stay in the server log (which never holds request bodies).
 */
function sendError(error: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply) {
  // The case store's refusals (src/web/case-errors.ts): a refused transition is a 409, and so on.
  const caseError = caseCommandHttpError(error);
  if (caseError !== undefined) return sendError(caseError, request, reply);
  // Answered before the body was read (a refusal in onRequest, a body over its limit): the
  // rest is drained or the connection closed, never buffered.
  finishUnreadBody(request, reply, { drain: !(error instanceof UploadsBusy) });
  let status = 500;
  let id = "internal_error";
  let message =
    "Something went wrong on our side. Nothing you sent was lost if you were told it was received.";
  let fields: { field: string; message: string }[] | undefined;

  // A page that needs a signed-in member of staff: to the sign-in page, then back (same site only).
  // Machines (the API, and routes marked `config: { forMachines: true }` such as a Prometheus
  // scraper's /metrics) get the 401 itself.
  const forMachines = request.url.startsWith("/api/") || request.routeOptions.config?.forMachines === true;
  if (error instanceof LoginRequired && !forMachines)
    return reply
      .status(303)
      .header("cache-control", "no-store")
      .header("location", loginRedirect(request))
      .send();
  if (error instanceof HttpError) {
    status = error.statusCode;
    id = error.id;
    message = error.message;
    fields = error.fields;
  } else if (hasZodFastifySchemaValidationErrors(error)) {
    status = 400;
    id = "invalid_request";
    fields = error.validation.map((v) => ({
      field: v.instancePath.replace(/^\//, "").replaceAll("/", ".") || "body",
      message: v.message ?? "invalid",
    }));
    message = `Invalid ${fields.map((f) => f.field).join(", ")}.`;
  } else if (!request.bodyParsed && request.isMultipart() && error.statusCode === undefined) {
    status = 400;
    id = "malformed_multipart";
    message = "The form data could not be read (malformed multipart body).";
  } else if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500) {
    status = error.statusCode;
    ({ id, message } = clientErrorText(error));
  }

  if (status >= 500) {
    // Log the kind and place of the failure, never request content.
    request.log.error(
      { err: { type: error.name, code: "code" in error ? error.code : undefined, stack: error.stack } },
      "request failed",
    );
  }
  // Routes that know the wait set retry-after themselves; this is the fallback.
  if (error instanceof HttpError && error.id === "rate_limited" && !reply.hasHeader("retry-after"))
    reply.header("retry-after", error.message.match(/\d+/)?.[0] ?? "60");
  const wantsJson = request.url.startsWith("/api/") || request.url === "/healthz";
  const details = error instanceof HttpError ? error.details : undefined;
  if (wantsJson)
    return reply.status(status).send({ error: id, message, ...(fields ? { fields } : {}), ...details });
  return reply
    .status(status)
    .type("text/html; charset=utf-8")
    .send(renderPage(ErrorPage({ status, message })));
}

function clientErrorText(error: FastifyError): { id: string; message: string } {
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      // V8's own message quotes the body, which may be a report: never echo it.
      return { id: "malformed_json", message: "The request body is not valid JSON." };
    case "FST_ERR_CTP_BODY_TOO_LARGE":
    case "FST_REQ_FILE_TOO_LARGE":
    case "FST_FILES_LIMIT":
    case "FST_PARTS_LIMIT":
    case "FST_FIELDS_LIMIT":
      return { id: "too_large", message: "The request is too large." };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { id: "unsupported_media_type", message: "Unsupported content type." };
    case "FST_CSRF_INVALID_TOKEN":
    case "FST_CSRF_MISSING_SECRET":
      return {
        id: "csrf",
        message: "The form expired or was not sent from this site. Reload the page and try again.",
      };
    default:
      return {
        id: "bad_request",
        message: error.statusCode === 429 ? "Too many requests; try again later." : "Bad request.",
      };
  }
}

export type EmbargoApp = Awaited<ReturnType<typeof buildApp>>;

declare module "fastify" {
  interface FastifyInstance {
    registeredRoutes: { method: string; url: string }[];
  }
  interface FastifyRequest {
    bodyParsed: boolean;
  }
  interface FastifyContextConfig {
    /** Answered to programs, not browsers: no redirect to the sign-in page. */
    forMachines?: boolean;
  }
}
