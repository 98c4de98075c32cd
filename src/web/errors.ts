/**
 * Errors with a stable id. 4xx messages are written for the client and shown to it; the
 * details of a 5xx never leave the server.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly id: string,
    message: string,
    readonly fields?: { field: string; message: string }[],
    /** More members of the JSON error body, e.g. the allowed moves of a refused transition. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, "not_found", `${what} not found.`);
