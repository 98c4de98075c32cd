/**
 * URI syntax from RFC 3986 §3, checked component by component. `new URL()` is not enough on its
 * own: it follows the WHATWG URL standard, which repairs input (it accepts spaces, backslashes,
 * missing slashes, non-ASCII) instead of rejecting it.
 */
export interface ParsedUri {
  /** Lower-cased scheme. */
  scheme: string;
  /** The authority when the URI has a "//" part. */
  authority?: { userinfo?: string; host: string; port?: string };
  path: string;
  query?: string;
  fragment?: string;
}

export type UriResult = { ok: true; uri: ParsedUri } | { ok: false; reason: string };

const UNRESERVED = "A-Za-z0-9\\-._~";
const SUB_DELIMS = "!$&'()*+,;=";
const PCT = "%[0-9A-Fa-f]{2}";
const chars = (extra: string) => new RegExp(`^(?:[${UNRESERVED}${SUB_DELIMS}${extra}]|${PCT})*$`);

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
const USERINFO = chars(":");
const REG_NAME = chars("");
const PATH = chars(":@/");
const QUERY_OR_FRAGMENT = chars(":@/?");
const PORT = /^[0-9]*$/;
const IPV_FUTURE = new RegExp(`^v[0-9A-Fa-f]+\\.[${UNRESERVED}${SUB_DELIMS}:]+$`, "i");
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

// RFC 3986 Appendix B: the regular expression that splits any string into the five components.
// Its "." is any character: [\s\S] also takes line ends, so "$" cannot fail and force backtracking.
const SPLIT = /^(?:([^:/?#]+):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#([\s\S]*))?$/;

export function parseUri(value: string): UriResult {
  const bad = /[^\x21-\x7E]/.exec(value);
  if (bad !== null) {
    const what =
      bad[0] === " " ? "a space" : bad[0] === "\t" ? "a tab" : `the character ${JSON.stringify(bad[0])}`;
    return { ok: false, reason: `contains ${what}; URIs are ASCII without whitespace (percent-encode it)` };
  }
  const match = SPLIT.exec(value);
  const [, scheme, authority, path = "", query, fragment] = match ?? [];
  if (scheme === undefined)
    return { ok: false, reason: "has no scheme (a URI starts with e.g. https: or mailto:)" };
  if (!SCHEME.test(scheme)) return { ok: false, reason: `has an invalid scheme ${JSON.stringify(scheme)}` };
  if (!PATH.test(path))
    return { ok: false, reason: "has characters in its path that must be percent-encoded" };
  if (query !== undefined && !QUERY_OR_FRAGMENT.test(query)) {
    return { ok: false, reason: "has characters in its query that must be percent-encoded" };
  }
  if (fragment !== undefined && !QUERY_OR_FRAGMENT.test(fragment)) {
    return { ok: false, reason: "has characters in its fragment that must be percent-encoded" };
  }
  const uri: ParsedUri = { scheme: scheme.toLowerCase(), path };
  if (query !== undefined) uri.query = query;
  if (fragment !== undefined) uri.fragment = fragment;
  if (authority !== undefined) {
    const parsed = parseAuthority(authority);
    if (typeof parsed === "string") return { ok: false, reason: parsed };
    uri.authority = parsed;
  }
  return { ok: true, uri };
}

/** Splits `[ userinfo "@" ] host [ ":" port ]`; returns a reason string when malformed. */
function parseAuthority(authority: string): NonNullable<ParsedUri["authority"]> | string {
  const at = authority.lastIndexOf("@");
  const userinfo = at < 0 ? undefined : authority.slice(0, at);
  const hostPort = authority.slice(at + 1);
  if (userinfo !== undefined && !USERINFO.test(userinfo)) return "has an invalid user-info part";
  let host: string;
  let port: string | undefined;
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    if (close < 0) return "has an unterminated IP literal";
    host = hostPort.slice(0, close + 1);
    const literal = host.slice(1, -1);
    if (!isIpv6(literal) && !IPV_FUTURE.test(literal)) return `has an invalid IP literal ${host}`;
    const after = hostPort.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) return "has characters after its IP literal";
    if (after !== "") port = after.slice(1);
  } else {
    const colon = hostPort.indexOf(":");
    host = colon < 0 ? hostPort : hostPort.slice(0, colon);
    if (colon >= 0) port = hostPort.slice(colon + 1);
    if (!REG_NAME.test(host)) return `has an invalid host ${JSON.stringify(host)}`;
  }
  if (port !== undefined && !PORT.test(port)) return `has an invalid port ${JSON.stringify(port)}`;
  const result: NonNullable<ParsedUri["authority"]> = { host };
  if (userinfo !== undefined) result.userinfo = userinfo;
  if (port !== undefined) result.port = port;
  return result;
}

/** RFC 4291 §2.2 text form: eight groups of 1-4 hex digits, one "::" run, optionally a trailing IPv4. */
export function isIpv6(text: string): boolean {
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = groups(halves[0] ?? "");
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : [];
  const all = [...head, ...tail];
  let count = all.length;
  const last = all[all.length - 1] ?? "";
  if (last.includes(".")) {
    if (!IPV4.test(last)) return false;
    all.pop();
    count += 1; // An IPv4 tail takes the room of two groups.
  }
  if (!all.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** A DNS host name: dot-separated labels of letters, digits, "-" and "_" (common in practice), 63 octets at most. */
export function isDnsName(host: string): boolean {
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (name === "" || name.length > 253) return false;
  return name
    .split(".")
    .every((label) => label.length <= 63 && /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/.test(label));
}

export function isIpv4(host: string): boolean {
  return IPV4.test(host);
}
