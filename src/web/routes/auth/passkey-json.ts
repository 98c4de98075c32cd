import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HttpError } from "../../errors.js";

/**
 * What the passkey routes' JSON endpoints share. /assets/passkeys.js posts JSON (the browser's
 * WebAuthn answer does not fit a form) with the page's CSRF token in the x-csrf-token header,
 * which the app's CSRF check reads (src/web/form-body.ts csrfTokenOf). Anything but JSON is
 * refused in onRequest, before its body is read.
 */
export async function requireJsonContentType(request: FastifyRequest): Promise<void> {
  if (!/^application\/json\b/i.test(request.headers["content-type"] ?? ""))
    throw new HttpError(415, "unsupported_media_type", "Send JSON (application/json).");
}

/** Route options of a JSON post from a page: JSON only, and the CSRF token checked before the handler. */
export const jsonRoute = (scope: FastifyInstance) =>
  ({ onRequest: requireJsonContentType, preHandler: scope.csrfProtection }) as const;

/** A JSON answer to the script, never cached (options hold a challenge; answers, a session). */
export const json = (reply: FastifyReply, status: number, body: unknown) =>
  reply.status(status).header("cache-control", "no-store").type("application/json; charset=utf-8").send(body);

/** A refusal the script shows as it is: `message` is written for the member. */
export const refusal = (reply: FastifyReply, status: number, error: string, message: string) =>
  json(reply, status, { error, message });
