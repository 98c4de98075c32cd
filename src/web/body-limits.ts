import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * How much of a request body Embargo reads, per route. Every body is limited before it is
 * parsed: Fastify refuses a JSON or URL-encoded body past the route's `bodyLimit` (by its
 * Content-Length, or as it arrives), and multipart forms are read part by part against the same
 * limit (src/web/form-body.ts), so nothing buffers more than its route allows.
 */

/**
 * Any body that carries no attachments: sign-in and account forms, the case page's forms other
 * than reply and note, the staff API's small writes, a reporter's answer to a disclosure
 * agreement (10,000 characters, URL-encoded at up to 9 bytes each). The server's default.
 */
export const SMALL_BODY_LIMIT = 128 * 1024;

/** Room for a form's or report's text besides its attachments (template answers, a message). */
const TEXT_ROOM = 2 * 1024 * 1024;

/** A form that takes attachments (multipart): the attachments' total allowance and its text. */
export function formUploadBodyLimit(limits: { attachmentsTotalBytes: number }): number {
  return limits.attachmentsTotalBytes + TEXT_ROOM;
}

/**
 * After an error answered before the body was read in full (an anonymous request to a staff
 * route, a body over its limit, a wrong content type): a body the route would have taken is
 * drained, read and thrown away without buffering, so a browser sees the answer (a member
 * whose session expired is sent to sign in); anything larger, or of unknown length, or refused
 * for load (`drain: false`), closes the connection after the answer instead of reading it.
 */
export function finishUnreadBody(
  request: FastifyRequest,
  reply: FastifyReply,
  { drain }: { drain: boolean } = { drain: true },
): void {
  // `complete` is false only on a real socket whose body has not all arrived (inject has none).
  if (request.raw.complete !== false) return;
  const declared = Number(request.headers["content-length"]);
  if (drain && Number.isSafeInteger(declared) && declared <= request.routeOptions.bodyLimit) {
    // A parser that stopped part-way may still be piped: detach it, then let the rest flow away.
    request.raw.unpipe();
    request.raw.resume();
    return;
  }
  reply.header("connection", "close");
}
