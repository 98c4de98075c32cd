import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";

/**
 * A load balancer for tests: each request goes to the next upstream in turn (round robin, no
 * stickiness), with its method, path, headers and body, and the peer's address appended to
 * X-Forwarded-For as nginx's `$proxy_add_x_forwarded_for` does. `served` records which upstream
 * answered each request, in order, so a test can show that a flow really crossed instances.
 */
export interface RoundRobinProxy {
  url: string;
  /** Upstream index per request, in the order they arrived. */
  served: number[];
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 7.6.1) are the proxy's own, not forwarded. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"]);

export async function startRoundRobinProxy(upstreams: readonly string[]): Promise<RoundRobinProxy> {
  const served: number[] = [];
  let next = 0;
  const server: Server = createServer((incoming, outgoing) => {
    const index = next;
    next = (next + 1) % upstreams.length;
    served.push(index);
    const target = new URL(incoming.url ?? "/", upstreams[index]);
    const forwarded = forwardedHeaders(incoming);
    const upstream = httpRequest(
      target,
      { method: incoming.method, headers: forwarded },
      (answer: IncomingMessage) => {
        const headers = Object.fromEntries(
          Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name)),
        );
        outgoing.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on("error", () => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function forwardedHeaders(incoming: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  const peer = incoming.socket.remoteAddress ?? "";
  const before = incoming.headers["x-forwarded-for"];
  headers["x-forwarded-for"] = before === undefined || before === "" ? peer : `${before}, ${peer}`;
  headers["x-forwarded-proto"] = "https"; // the balancer ends TLS; Embargo sees plain HTTP
  return headers;
}
