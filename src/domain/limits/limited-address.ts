import { isIPv4, isIPv6 } from "node:net";

/**
 * What every per-address limit counts (reports, follow-ups, sign-in, mail per sending host): the
 * address the connection proves, never one a sender writes (MAIL FROM, a header).
 *
 * - IPv4: the address. A wider prefix (a /24) would make unrelated customers of one provider,
 *   or one provider's mail servers, share a limit.
 * - IPv6: the /64. One host is normally given a whole /64 (SLAAC, privacy addresses) and can
 *   pick a new address in it for every connection, so counting single addresses would give one
 *   sender an unlimited number of allowances.
 * - An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, as a dual-stack socket reports IPv4
 *   clients) counts as the IPv4 address it carries: one host must not have two limits depending
 *   on how we listen.
 *
 * Pure: an address string in, a stable key out (compared and HMACed, never shown).
 */
export function limitedAddress(ip: string): string {
  const address = ip.replace(/%[\s\S]*/, ""); // an IPv6 zone (fe80::1%eth0) names a local interface
  if (isIPv4(address) || !isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail read). */
function ipv6Groups(address: string): number[] {
  const [head = "", tail] = address.split("::") as [string, string | undefined];
  const parse = (part: string): number[] =>
    part === ""
      ? []
      : part.split(":").flatMap((group) => {
          if (!group.includes(".")) return [Number.parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split(".").map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const before = parse(head);
  if (tail === undefined) return before;
  const after = parse(tail);
  return [...before, ...Array<number>(8 - before.length - after.length).fill(0), ...after];
}
