import { isIP } from "node:net";

/**
 * Which proxies in front of Embargo may tell it the client's address (`X-Forwarded-For`).
 * The client writes the leftmost entries of that header itself, so "trust the header" is never
 * an option: either a number of hops (each trusted proxy appends the address it saw, so the
 * client is the entry that many steps from the right) or the proxies' own addresses, as
 * proxy-addr (Fastify's trustProxy) takes them.
 */
export type TrustProxy =
  | { kind: "none" }
  | { kind: "hops"; hops: number }
  | { kind: "addresses"; addresses: string[] };

/** proxy-addr's names for whole ranges. */
const NAMED_RANGES = new Set(["loopback", "linklocal", "uniquelocal"]);

/** Reads EMBARGO_TRUST_PROXY; an error is a sentence for the operator. */
export function parseTrustProxy(
  value: string,
): { ok: true; trust: TrustProxy } | { ok: false; error: string } {
  const text = value.trim();
  if (text === "" || text === "false") return { ok: true, trust: { kind: "none" } };
  if (text === "true")
    return {
      ok: false,
      error:
        "`true` would believe any X-Forwarded-For a client writes. Set the number of proxies in front of Embargo (e.g. 1) or their addresses (e.g. 127.0.0.1 or 10.0.0.0/8,fd00::/8); leave it unset when clients connect directly",
    };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops < 1 || hops > 10)
      return { ok: false, error: "a hop count is 1 to 10 (leave the setting unset to trust no proxy)" };
    return { ok: true, trust: { kind: "hops", hops } };
  }
  const addresses = text.split(",").map((entry) => entry.trim());
  const wrong = addresses.filter((entry) => !isAddressOrRange(entry));
  if (wrong.length > 0)
    return {
      ok: false,
      error: `expected a hop count or a comma-separated list of proxy addresses or CIDR ranges (or loopback, linklocal, uniquelocal); not an address: ${wrong.map((w) => JSON.stringify(w)).join(", ")}`,
    };
  return { ok: true, trust: { kind: "addresses", addresses } };
}

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const slash = entry.lastIndexOf("/");
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash === -1) return true;
  const prefix = entry.slice(slash + 1);
  return /^\d{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= (family === 4 ? 32 : 128);
}
