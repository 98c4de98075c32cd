import { inspect } from "node:util";
import { z } from "zod";

/**
 * Single sign-on: the OpenID Connect identity providers, read from settings (the environment,
 * or embargo.yaml under the same names). `EMBARGO_OIDC_PROVIDERS` lists their ids; each id has
 * its settings under `EMBARGO_OIDC_<ID>_…` (the id upper-cased, `-` as `_`):
 *
 *   EMBARGO_OIDC_PROVIDERS=corp
 *   EMBARGO_OIDC_CORP_ISSUER=https://sso.example.org/realms/acme
 *   EMBARGO_OIDC_CORP_CLIENT_ID=embargo
 *   EMBARGO_OIDC_CORP_CLIENT_SECRET=…
 *   EMBARGO_OIDC_CORP_NAME=Corp SSO                      (the button: "Sign in with Corp SSO")
 *   EMBARGO_OIDC_CORP_GROUPS_CLAIM=groups                (the default)
 *   EMBARGO_OIDC_CORP_GROUPS={"security-team":{"program":"kitsu","role":"responder"}}
 *   EMBARGO_OIDC_CORP_SCOPES=openid email profile        (the default)
 *
 * A setting under EMBARGO_OIDC_ that is not one of these (a typo, or a provider missing from
 * the list) stops the start: a provider configured by halves would fail only at sign-in.
 * Here in its own module, next to config.ts, so the web and the commands need not import config.
 */
export const OIDC_PREFIX = "EMBARGO_OIDC_";
const LIST = `${OIDC_PREFIX}PROVIDERS`;

/**
 * The client secret, kept out of every log and message: printing, inspecting or serialising it
 * gives "[redacted]"; only `reveal()` gives the value (to the token request).
 */
export class ClientSecret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "[redacted]";
  }
  toJSON(): string {
    return "[redacted]";
  }
  [inspect.custom](): string {
    return "[redacted]";
  }
}

export const SSO_ROLES = ["viewer", "responder", "admin"] as const;

/** What one group of the provider gives: a role on a program (a slug, or `*` for every program). */
export interface GroupGrant {
  program: string;
  role: (typeof SSO_ROLES)[number];
}

export interface OidcProviderSetting {
  /** The id in URLs (/login/oidc/{id}) and in the security log. */
  id: string;
  /** The button's words: "Sign in with {name}". */
  name: string;
  issuer: URL;
  clientId: string;
  clientSecret: ClientSecret;
  /** The claim (of the ID token or userinfo) that lists the member's groups. */
  groupsClaim: string;
  /** Group name → the roles it gives. */
  groups: ReadonlyMap<string, readonly GroupGrant[]>;
  scopes: string;
}

const ID = /^[a-z0-9][a-z0-9-]{0,30}$/;
const SLUG_OR_ALL = /^(\*|[a-z0-9][a-z0-9-]{0,62})$/;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

const Grant = z.strictObject({
  program: z.string().regex(SLUG_OR_ALL, { message: "expected a program slug or *" }),
  role: z.enum(SSO_ROLES),
});
// One grant or a list; as a list always, so that a wrong field is named (a union would only say "invalid").
const GroupsJson = z.record(
  z.string().min(1).max(256),
  z.preprocess((value) => (Array.isArray(value) ? value : [value]), z.array(Grant).min(1)),
);

const Issuer = z
  .url({ message: "expected the issuer's URL (https://…)" })
  .transform((value) => new URL(value))
  .refine((url) => url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname)), {
    message: "expected https:// (plain http only on this machine: localhost or 127.0.0.1)",
  })
  .refine((url) => url.search === "" && url.hash === "", { message: "an issuer has no query or fragment" });

const ProviderFields = z.object({
  ISSUER: Issuer,
  CLIENT_ID: z.string().min(1).max(512),
  CLIENT_SECRET: z
    .string()
    .min(1)
    .max(4096)
    .transform((value) => new ClientSecret(value)),
  NAME: z.string().trim().min(1).max(60).optional(),
  GROUPS_CLAIM: z
    .string()
    .regex(/^[A-Za-z0-9_.:/-]{1,100}$/, { message: "expected a claim name" })
    .default("groups"),
  GROUPS: z
    .string()
    .default("{}")
    .transform((text, ctx) => {
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        ctx.addIssue({
          code: "custom",
          message: 'expected JSON, e.g. {"security-team":{"program":"kitsu","role":"responder"}}',
        });
        return z.NEVER;
      }
      const parsed = GroupsJson.safeParse(data);
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          ctx.addIssue({
            code: "custom",
            message: `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`,
          });
        return z.NEVER;
      }
      return new Map(Object.entries(parsed.data));
    }),
  SCOPES: z
    .string()
    .default("openid email profile")
    .refine((scopes) => scopes.split(/\s+/).includes("openid"), {
      message: "the scopes must include openid",
    }),
});
const FIELDS = Object.keys(ProviderFields.shape);

/** Whether `key` is an SSO setting (so embargo.yaml may hold it although config.ts does not list it). */
export function isOidcSetting(key: string): boolean {
  return key.startsWith(OIDC_PREFIX);
}

const envName = (id: string) => id.toUpperCase().replaceAll("-", "_");

/**
 * Reads the providers from every EMBARGO_OIDC_ setting in `values`. Problems name the setting
 * and never quote a value (a secret may be the one that is wrong).
 */
export function parseOidcProviders(
  values: Readonly<Record<string, unknown>>,
): { ok: true; providers: OidcProviderSetting[] } | { ok: false; problems: string[] } {
  const given = new Map(
    Object.entries(values).filter(
      (entry): entry is [string, string] =>
        isOidcSetting(entry[0]) && typeof entry[1] === "string" && entry[1] !== "",
    ),
  );
  const problems: string[] = [];
  const ids = (given.get(LIST) ?? "").split(/[\s,]+/).filter((id) => id !== "");
  for (const id of ids)
    if (!ID.test(id)) problems.push(`${LIST}: "${id}" is not an id (lower-case letters, digits and -)`);
  if (new Set(ids).size !== ids.length) problems.push(`${LIST}: an id is given twice`);
  const byPrefix = new Map(ids.map((id) => [`${OIDC_PREFIX}${envName(id)}_`, id]));

  // Every other EMBARGO_OIDC_ setting must be a known field of a listed provider.
  for (const key of given.keys()) {
    if (key === LIST) continue;
    const field = FIELDS.find((name) => key.endsWith(`_${name}`));
    const prefix = field === undefined ? undefined : key.slice(0, key.length - field.length);
    if (field === undefined) problems.push(`${key}: unknown setting (expected one of ${FIELDS.join(", ")})`);
    else if (prefix === undefined || !byPrefix.has(prefix))
      problems.push(`${key}: no provider of that name in ${LIST}`);
  }

  const providers: OidcProviderSetting[] = [];
  for (const [prefix, id] of byPrefix) {
    const fields = Object.fromEntries(FIELDS.map((name) => [name, given.get(`${prefix}${name}`)]));
    const parsed = ProviderFields.safeParse(fields);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const name = `${prefix}${issue.path.join(".")}`;
        problems.push(`${name}: ${issue.code === "invalid_type" ? "required" : issue.message}`);
      }
      continue;
    }
    const p = parsed.data;
    providers.push({
      id,
      name: p.NAME ?? id,
      issuer: p.ISSUER,
      clientId: p.CLIENT_ID,
      clientSecret: p.CLIENT_SECRET,
      groupsClaim: p.GROUPS_CLAIM,
      groups: p.GROUPS,
      scopes: p.SCOPES.split(/\s+/)
        .filter((s) => s !== "")
        .join(" "),
    });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, providers };
}
