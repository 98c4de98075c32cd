import type { FastifyRequest } from "fastify";
import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Logs carry no report content, tokens or contact details. Request bodies are never logged;
 * headers that carry secrets are censored; capability URLs (/r/{token}) lose their token.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          "req.headers.cookie",
          "req.headers.authorization",
          'req.headers["x-csrf-token"]',
          "body",
          "payload",
        ],
        censor: "[redacted]",
      },
      serializers: { req: serializeRequest },
    },
    destination,
  );
}

export function redactUrl(url: string): string {
  // Reporter capability links, setup links and anything in the query string (tokens, search text).
  return url.replace(/\/(r|setup)\/[^/?#]+/g, "/$1/[redacted]").replace(/\?[\s\S]*/, "?[redacted]");
}

function serializeRequest(req: FastifyRequest) {
  return { method: req.method, url: redactUrl(req.url), id: req.id };
}
