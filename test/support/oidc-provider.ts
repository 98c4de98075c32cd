import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import Provider, { type KoaContextWithOIDC } from "oidc-provider";

/**
 * A real OpenID provider (oidc-provider from npm) in the test process, on a free loopback port,
 * for Embargo's single sign-on. One client (Embargo, client_secret_basic) and a few accounts
 * whose email, verification and groups a test may change between sign-ins. The provider's own
 * development pages (devInteractions) take any password for a known login; consent is given
 * for the client up front (as an organisation's own provider does for its own apps), so a
 * sign-in is one form.
 *
 * `driveProviderSignIn` follows a sign-in through the provider with fetch, redirects by hand,
 * as a browser would, up to the redirect back to Embargo.
 */
export interface TestAccount {
  email: string;
  emailVerified: boolean;
  groups: string[];
}

export interface TestIdentityProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** By login; change an entry (groups, say) and the next sign-in sees it. */
  accounts: Map<string, TestAccount>;
  /** Lets the client come back to these URIs (known only once Embargo's address is). */
  allowRedirects(uris: string[]): void;
  /** Embargo's settings for this provider, as provider `id`. */
  env(id?: string, groups?: Record<string, unknown>): Record<string, string>;
  close(): Promise<void>;
}

export const TEST_SCOPES = "openid email profile groups";

export async function startIdentityProvider(options: {
  accounts: Record<string, TestAccount>;
  redirectUris?: string[];
  /** The ID token's lifetime (the session must not outlast it). */
  idTokenTtlSeconds?: number;
  /**
   * The issuer's host name: `localhost` puts the provider on another site than Embargo on
   * 127.0.0.1, as in real life (cookies with SameSite meet the cross-site way back).
   */
  host?: "127.0.0.1" | "localhost";
}): Promise<TestIdentityProvider> {
  const accounts = new Map(Object.entries(options.accounts));
  const clientId = "embargo";
  const clientSecret = randomBytes(24).toString("base64url");
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handler === undefined) {
      res.statusCode = 503;
      res.end("the provider has no client yet");
    } else handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const issuer = `http://${options.host ?? "127.0.0.1"}:${port}`;

  const allowRedirects = (uris: string[]) => {
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: uris,
          grant_types: ["authorization_code"],
          response_types: ["code"],
          token_endpoint_auth_method: "client_secret_basic",
        },
      ],
      async findAccount(_ctx: unknown, id: string) {
        const account = accounts.get(id);
        if (account === undefined) return undefined;
        return {
          accountId: id,
          claims: () => ({
            sub: id,
            email: account.email,
            email_verified: account.emailVerified,
            groups: [...account.groups],
          }),
        };
      },
      claims: { openid: ["sub"], email: ["email", "email_verified"], groups: ["groups"], profile: [] },
      scopes: TEST_SCOPES.split(" "),
      features: { devInteractions: { enabled: true } },
      cookies: { keys: [randomBytes(16).toString("hex")] },
      pkce: { required: () => true },
      ttl: {
        IdToken: options.idTokenTtlSeconds ?? 600,
        AccessToken: 600,
        AuthorizationCode: 60,
        Interaction: 600,
        Session: 3600,
        Grant: 3600,
      },
      // The organisation's own app: consent is implied, so a sign-in is the login form alone.
      async loadExistingGrant(ctx: KoaContextWithOIDC) {
        const { oidc } = ctx;
        const clientId = oidc.client?.clientId;
        const accountId = oidc.session?.accountId;
        if (clientId === undefined || accountId === undefined) return undefined;
        const known = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(clientId);
        if (known !== undefined) return oidc.provider.Grant.find(known);
        const grant = new oidc.provider.Grant({ clientId, accountId });
        grant.addOIDCScope(TEST_SCOPES);
        grant.addOIDCClaims(["email", "email_verified", "groups"]);
        await grant.save();
        return grant;
      },
    });
    handler = provider.callback();
  };
  if (options.redirectUris !== undefined) allowRedirects(options.redirectUris);

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    allowRedirects,
    env: (id = "corp", groups = { "security-team": { program: "kitsu", role: "responder" } }) => {
      const prefix = `EMBARGO_OIDC_${id.toUpperCase().replaceAll("-", "_")}_`;
      return {
        EMBARGO_OIDC_PROVIDERS: id,
        [`${prefix}ISSUER`]: issuer,
        [`${prefix}CLIENT_ID`]: clientId,
        [`${prefix}CLIENT_SECRET`]: clientSecret,
        [`${prefix}NAME`]: "Corp SSO",
        [`${prefix}GROUPS`]: JSON.stringify(groups),
        [`${prefix}SCOPES`]: TEST_SCOPES,
      };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A browser's visit to the provider with fetch: its cookies, and redirects followed by hand. */
class ProviderVisit {
  readonly cookies = new Map<string, string>();

  async request(url: string, form?: Record<string, string>): Promise<Response> {
    const response = await fetch(url, {
      method: form === undefined ? "GET" : "POST",
      redirect: "manual",
      headers: {
        cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "),
        ...(form === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
      },
      ...(form === undefined ? {} : { body: new URLSearchParams(form).toString() }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === "" || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }
}

/**
 * Signs `login` in at the provider, starting from the authorization URL Embargo redirected to,
 * and returns the URL the provider sends the browser back to (Embargo's callback, with the code
 * and state). Each call is a new browser at the provider (no session there yet).
 */
export async function driveProviderSignIn(
  idp: Pick<TestIdentityProvider, "issuer">,
  authorizationUrl: string,
  login: string,
): Promise<string> {
  const visit = new ProviderVisit();
  let url = authorizationUrl;
  let form: Record<string, string> | undefined;
  for (let step = 0; step < 10; step += 1) {
    const response = await visit.request(url, form);
    form = undefined;
    const location = response.headers.get("location");
    if (location !== null) {
      const next = new URL(location, url).href;
      await response.arrayBuffer();
      if (!next.startsWith(idp.issuer)) return next; // back to the client
      url = next;
      continue;
    }
    const page = await response.text();
    if (response.status !== 200) throw new Error(`the provider answered ${response.status}:\n${page}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    if (action === undefined || !page.includes('name="prompt" value="login"'))
      throw new Error(`unexpected provider page:\n${page}`);
    url = new URL(action.replaceAll("&amp;", "&"), url).href;
    form = { prompt: "login", login, password: "any password" };
  }
  throw new Error("the provider did not send the browser back within 10 steps");
}
