import type { FastifyReply, FastifyRequest } from "fastify";
import { ByteBudget } from "../domain/limits/byte-budget.js";
import { limitedAddress } from "../domain/limits/limited-address.js";
import { SMALL_BODY_LIMIT } from "./body-limits.js";
import { HttpError } from "./errors.js";

/**
 * Anonymous uploads (the report form, a reporter's messages, the JSON intake API) are read into
 * memory up to their route's limit (about 27 MB) before the CSRF token in the form and the
 * intake limits can be checked: any stranger can fetch a form. So the bytes such requests may
 * make the process hold are budgeted before their body is read, in onRequest:
 *
 * - all anonymous uploads together hold at most `totalBytes` (their declared length, or the
 *   route's limit when they do not declare one); past it: 503, try again shortly;
 * - one address (an IPv4 address, an IPv6 /64) has at most `perAddress` uploads in flight;
 *   past it: 429. A person sends one report at a time.
 *
 * - an upload holds its reservation only while its body keeps arriving at `minBytesPerSecond`
 *   (measured over windows of `windowMs`, the first a grace period): otherwise idle connections
 *   that declare the largest size could hold the whole budget for the request timeout and turn
 *   every reporter away. A slower upload's connection is closed and its reservation released.
 *
 * The refusal comes before the body is read and the connection is closed after it, so a refused
 * request costs no memory. Staff (signed in, or with an API token) are not counted: strangers
 * must not be able to make the team wait. Bodies up to SMALL_BODY_LIMIT are not counted either.
 */
export interface UploadGateOptions {
  totalBytes: number;
  perAddress: number;
  minBytesPerSecond: number;
  windowMs: number;
}

/** A refusal for load: the body is not read, not even drained (src/web/body-limits.ts). */
export class UploadsBusy extends HttpError {}

export function uploadGate(options: UploadGateOptions) {
  const budget = new ByteBudget(options.totalBytes);
  const inFlight = new Map<string, number>();

  return async function gateUpload(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const limit = request.routeOptions.bodyLimit;
    if (request.staff !== undefined || limit === undefined || limit <= SMALL_BODY_LIMIT) return;
    const method = request.method;
    if (method === "GET" || method === "HEAD" || method === "OPTIONS") return;
    const declared = Number(request.headers["content-length"]);
    const bytes = Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, limit) : limit;
    const address = limitedAddress(request.ip);
    const mine = inFlight.get(address) ?? 0;
    if (mine >= options.perAddress) {
      reply.header("retry-after", "10");
      throw new UploadsBusy(
        429,
        "uploads_in_flight",
        "Another upload from your address is still being received: wait for it to finish, then send this again.",
      );
    }
    if (!budget.reserve(bytes)) {
      reply.header("retry-after", "30");
      throw new UploadsBusy(
        503,
        "uploads_busy",
        "Embargo is receiving many uploads right now. Nothing was kept: please send this again in a minute.",
      );
    }
    inFlight.set(address, mine + 1);
    let released = false;
    const socket = request.raw.socket;
    let readBefore = socket.bytesRead;
    const minimum = (options.minBytesPerSecond * options.windowMs) / 1000;
    const watch = setInterval(() => {
      if (request.raw.complete) return clearInterval(watch); // all arrived: now it is our work
      const read = socket.bytesRead;
      if (read - readBefore < minimum) {
        socket.destroy();
        release();
      }
      readBefore = read;
    }, options.windowMs);
    watch.unref();
    const release = () => {
      if (released) return;
      released = true;
      clearInterval(watch);
      budget.release(bytes);
      const left = (inFlight.get(address) ?? 1) - 1;
      if (left <= 0) inFlight.delete(address);
      else inFlight.set(address, left);
    };
    // The response closes once it is sent, or when the client goes away first.
    reply.raw.once("close", release);
  };
}
