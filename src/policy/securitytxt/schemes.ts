import { isDnsName, isIpv4, type ParsedUri } from "./uri.js";

/**
 * Scheme-specific checks on top of the generic RFC 3986 syntax, for the schemes security.txt uses.
 * Each returns a reason when the URI is malformed for its scheme, or undefined when it is fine.
 */
export function checkSchemeSyntax(uri: ParsedUri, raw: string): string | undefined {
  switch (uri.scheme) {
    case "https":
    case "http":
      return checkWeb(uri, raw);
    case "mailto":
      return checkMailto(uri);
    case "tel":
      return checkTel(uri);
    case "openpgp4fpr":
      return checkFingerprint(uri);
    case "dns":
      return checkDns(uri);
    default:
      return undefined;
  }
}

function checkWeb(uri: ParsedUri, raw: string): string | undefined {
  const authority = uri.authority;
  if (authority === undefined || authority.host === "")
    return `has no host (expected ${uri.scheme}://host/...)`;
  // RFC 9110 §4.2.4: senders MUST NOT generate user-info in http(s) URIs; it is a phishing device.
  if (authority.userinfo !== undefined) return "contains user information before the host";
  const host = authority.host;
  if (!host.startsWith("[") && !isIpv4(host) && !isDnsName(host)) {
    return `has a host ${JSON.stringify(host)} that is not a DNS name or IP address`;
  }
  // The WHATWG parser catches what remains (e.g. an out-of-range port).
  return URL.canParse(raw) ? undefined : "is not a valid web address";
}

// RFC 6068: mailto:addr-spec[,addr-spec...][?hfields]; security.txt needs at least one address.
function checkMailto(uri: ParsedUri): string | undefined {
  if (uri.authority !== undefined) return 'must not contain "//" (expected mailto:user@example.com)';
  if (uri.path === "") return "has no email address (expected mailto:user@example.com)";
  for (const encoded of uri.path.split(",")) {
    const address = decode(encoded);
    const at = address?.lastIndexOf("@") ?? -1;
    if (address === undefined || at <= 0) return `has an invalid email address ${JSON.stringify(encoded)}`;
    const domain = address.slice(at + 1);
    const literal = domain.startsWith("[") && domain.endsWith("]");
    if (!literal && !isDnsName(domain)) return `has an invalid email domain ${JSON.stringify(domain)}`;
  }
  return undefined;
}

// RFC 3966: a global number "+<digits and separators>" or a local number with ";phone-context=".
function checkTel(uri: ParsedUri): string | undefined {
  if (uri.authority !== undefined || uri.query !== undefined || uri.fragment !== undefined) {
    return "is not a telephone number (expected e.g. tel:+1-201-555-0123)";
  }
  const [encoded = "", ...params] = uri.path.split(";");
  const number = decode(encoded) ?? "";
  if (!params.every((param) => /^[A-Za-z0-9-]+(?:=.+)?$/.test(param))) return "has a malformed parameter";
  if (/^\+[().-]*[0-9][0-9().-]*$/.test(number)) return undefined;
  const local = /^[().-]*[0-9A-Fa-f*#][0-9A-Fa-f*#().-]*$/.test(number);
  if (local && params.some((param) => param.toLowerCase().startsWith("phone-context="))) return undefined;
  return local
    ? 'is a local number without ";phone-context=" (use the global form, e.g. tel:+1-201-555-0123)'
    : "is not a telephone number (expected e.g. tel:+1-201-555-0123)";
}

// An OpenPGP v4 (40 hex digits) or v5/v6 (64 hex digits) key fingerprint.
function checkFingerprint(uri: ParsedUri): string | undefined {
  const plain = uri.authority === undefined && uri.query === undefined && uri.fragment === undefined;
  if (plain && /^(?:[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$/.test(uri.path)) return undefined;
  return "is not an OpenPGP fingerprint (expected 40 or 64 hexadecimal digits)";
}

// RFC 4501: dns:[//authority/]name[?query]
function checkDns(uri: ParsedUri): string | undefined {
  const name = uri.authority === undefined ? uri.path : uri.path.replace(/^\//, "");
  if (uri.fragment !== undefined) return "must not have a fragment";
  if (name === "") return "has no DNS name";
  const decoded = decode(name);
  return decoded !== undefined && isDnsName(decoded)
    ? undefined
    : `has an invalid DNS name ${JSON.stringify(name)}`;
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
