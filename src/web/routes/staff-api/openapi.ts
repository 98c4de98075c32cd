import type { SwaggerTransform } from "@fastify/swagger";
import type { FastifyRequest } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";
import { ApiError } from "../../../intake/report-schema.js";
import { HttpError } from "../../errors.js";

/**
 * What every route of the staff JSON API declares: its place in the OpenAPI document (tag,
 * bearer security, the common errors) and, for writes, the content type a browser session must
 * send.
 */
export const security = [{ bearerAuth: [] }];
export const tags = ["staff"];
export const errors = { 400: ApiError, 401: ApiError, 403: ApiError, 404: ApiError } as const;

/** Adds the bearer scheme to the document (the routes that use it carry it with them). */
const withBearerAuth: SwaggerTransform = (args) => {
  const document = "openapiObject" in args ? args.openapiObject : undefined;
  if (document !== undefined) {
    document.components ??= {};
    document.components.securitySchemes = {
      ...document.components.securitySchemes,
      bearerAuth: {
        type: "http",
        scheme: "bearer",
        description: "An API token (embargo_…), made by a program's administrator at /account/tokens.",
      },
    };
  }
  return jsonSchemaTransform(args);
};

export const config = { swaggerTransform: withBearerAuth };

/**
 * Writes made with a browser session must be `application/json`: a page on another site cannot
 * send that without a CORS preflight this server never grants (and the cookie is SameSite=strict).
 */
async function sessionWritesAreJson(request: FastifyRequest) {
  if (request.staff === undefined || request.staff.apiTokenId !== undefined) return;
  if (!/^application\/json\b/i.test(request.headers["content-type"] ?? "")) {
    throw new HttpError(415, "unsupported_media_type", "Send application/json.");
  }
}

/** Route options of every write. */
export const writes = { onRequest: sessionWritesAreJson, config };
