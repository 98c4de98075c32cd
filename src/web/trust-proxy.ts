import type { TrustProxy } from "../trust-proxy-setting.js";

// The setting itself (TrustProxy, parseTrustProxy) is read by config.ts: src/trust-proxy-setting.ts.

/**
 * Fastify's `trustProxy` for a setting. A hop count is a function: Fastify reads a bare number
 * as "trust nothing" (it cannot check the peer), while proxy-addr asks `trust(address, i)` for
 * the socket's peer (i = 0) and then each X-Forwarded-For entry from the right, stopping at the
 * first untrusted one, which becomes `request.ip`.
 */
export function fastifyTrustProxy(
  trust: TrustProxy,
): false | string[] | ((address: string, hop: number) => boolean) {
  switch (trust.kind) {
    case "none":
      return false;
    case "hops": {
      const { hops } = trust;
      return (_address, hop) => hop < hops;
    }
    case "addresses":
      return [...trust.addresses];
  }
}
