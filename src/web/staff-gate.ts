import type { FastifyInstance, FastifyRequest } from "fastify";
import { requireStaff } from "./staff-session.js";

/**
 * Routes for staff refuse everyone else in `onRequest`, the first step of a request: before
 * Fastify reads a body, before a multipart form is parsed, before the CSRF check. Without it
 * an anonymous request had its body buffered (files, 100 MB a request) or its JSON parsed
 * before the handler's `requireStaff` said no. The refusal is requireStaff's own: a 303 to
 * /login for pages, 401 for the API (invalid_token for a bad API token). The app's error
 * handler then decides what becomes of the unread body (src/web/body-limits.ts).
 *
 * `loadStaff` runs first: it is the app's own onRequest hook, and a scope's hooks follow the app's.
 */
export function staffOnly(scope: FastifyInstance, which: (routeUrl: string) => boolean = () => true): void {
  scope.addHook("onRequest", async (request: FastifyRequest) => {
    if (request.staff === undefined && which(request.routeOptions.url ?? "")) requireStaff(request);
  });
}

/** Among the sign-in routes, those of a signed-in member: the account pages and /api/v1/me. */
export const isAccountRoute = (url: string): boolean =>
  url === "/account" || url.startsWith("/account/") || url === "/api/v1/me";
