import * as client from "openid-client";
import type { OidcProviderSetting } from "../oidc-setting.js";

/**
 * Embargo as an OpenID Connect relying party, with openid-client: the authorization code flow
 * with PKCE (S256), state and nonce. This module talks to the providers (discovery, the token
 * and userinfo endpoints) and checks their answers (issuer, audience, signature, nonce, state);
 * what a verified identity may do here is src/commands/sso-sign-in.ts's to decide.
 *
 * One OidcClients per app: each provider's metadata is discovered at its first sign-in and kept
 * (a failed discovery is tried again at the next).
 */

/** Why a sign-in through a provider failed, in words for the person (never a token or a code). */
export class OidcFailure extends Error {
  constructor(
    /**
     * `unreachable`: discovery or an endpoint did not answer; `denied`: the provider answered the
     * browser with an error (the person cancelled, or may not use Embargo there); `rejected`: the
     * token endpoint refused the code (used already, expired, another client's); `invalid`: an
     * answer failed a check (nonce, issuer, signature…).
     */
    readonly kind: "unreachable" | "denied" | "rejected" | "invalid",
    /** A short machine-readable reason for the security log (an OAuth error code, a check's name). */
    readonly reason: string,
  ) {
    super(`${kind}: ${reason}`);
  }
}

/** What a provider says about the person, once its answer passed every check. */
export interface OidcIdentity {
  subject: string;
  email: string | undefined;
  emailVerified: boolean;
  groups: string[];
  /** When the provider's ID token expires: no session outlasts it. */
  expiresAt: Date;
}

const LOOPBACK_HTTP = (url: URL) => url.protocol === "http:";

export class OidcClients {
  readonly #configurations = new Map<string, Promise<client.Configuration>>();

  constructor(
    readonly providers: readonly OidcProviderSetting[],
    /** The public URL: the provider sends the browser back to {publicUrl}/login/oidc/{id}/callback. */
    readonly publicUrl: string,
  ) {}

  find(id: string): OidcProviderSetting | undefined {
    return this.providers.find((provider) => provider.id === id);
  }

  redirectUri(provider: OidcProviderSetting): string {
    return `${this.publicUrl}/login/oidc/${provider.id}/callback`;
  }

  /** The URL of the provider's sign-in page for this attempt. */
  async authorizationUrl(
    provider: OidcProviderSetting,
    checks: { state: string; nonce: string; codeVerifier: string },
  ): Promise<URL> {
    const configuration = await this.#configuration(provider);
    return client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri(provider),
      scope: provider.scopes,
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: "S256",
    });
  }

  /**
   * Takes the provider's answer (the callback URL as the browser requested it): exchanges the
   * code with the verifier, checks the ID token (signature, issuer, audience, expiry, nonce) and
   * reads the userinfo endpoint for the claims a provider keeps out of the ID token.
   */
  async finish(
    provider: OidcProviderSetting,
    callbackUrl: URL,
    checks: { state: string; nonce: string; codeVerifier: string },
  ): Promise<OidcIdentity> {
    const configuration = await this.#configuration(provider);
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw failureOf(error);
    }
    const idToken = tokens.claims();
    if (idToken === undefined) throw new OidcFailure("invalid", "no_id_token");
    let claims: Record<string, unknown> = { ...idToken };
    if (configuration.serverMetadata().userinfo_endpoint !== undefined) {
      try {
        // The subject is checked: userinfo about someone else is refused.
        const userinfo = await client.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
        claims = { ...claims, ...userinfo };
      } catch (error) {
        throw failureOf(error);
      }
    }
    return {
      subject: idToken.sub,
      email: typeof claims.email === "string" ? claims.email : undefined,
      // Some providers send the string "true"; anything else is not a verified address.
      emailVerified: claims.email_verified === true || claims.email_verified === "true",
      groups: groupsOf(claims, provider.groupsClaim),
      expiresAt: new Date(idToken.exp * 1000),
    };
  }

  #configuration(provider: OidcProviderSetting): Promise<client.Configuration> {
    const known = this.#configurations.get(provider.id);
    if (known !== undefined) return known;
    const discovered = client
      .discovery(
        provider.issuer,
        provider.clientId,
        undefined,
        // The default of OpenID Connect (and what every provider must take, RFC 6749 2.3.1).
        client.ClientSecretBasic(provider.clientSecret.reveal()),
        // Plain http only for a provider on this machine (src/oidc-setting.ts refuses others).
        {
          timeout: 10,
          ...(LOOPBACK_HTTP(provider.issuer) ? { execute: [client.allowInsecureRequests] } : {}),
        },
      )
      .catch((error: unknown) => {
        this.#configurations.delete(provider.id); // the next sign-in tries again
        throw new OidcFailure("unreachable", errorCode(error));
      });
    this.#configurations.set(provider.id, discovered);
    return discovered;
  }
}

/**
 * The groups in `claim`: an array of strings or one string. A dotted name reaches into an
 * object (Keycloak's `realm_access.roles`) when no claim has the whole name.
 */
export function groupsOf(claims: Record<string, unknown>, claim: string): string[] {
  let value: unknown = claims[claim];
  if (value === undefined && claim.includes("."))
    value = claim
      .split(".")
      .reduce<unknown>(
        (at, key) =>
          typeof at === "object" && at !== null ? (at as Record<string, unknown>)[key] : undefined,
        claims,
      );
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === "string");
  return [];
}

function failureOf(error: unknown): OidcFailure {
  if (error instanceof OidcFailure) return error;
  if (error instanceof client.AuthorizationResponseError)
    return new OidcFailure("denied", safeCode(error.error));
  if (error instanceof client.ResponseBodyError) return new OidcFailure("rejected", safeCode(error.error));
  const code = errorCode(error);
  // fetch failed (connection refused, timeout): the provider is not reachable from here.
  if (error instanceof TypeError || code === "TimeoutError" || code === "AbortError")
    return new OidcFailure("unreachable", code);
  return new OidcFailure("invalid", code);
}

/** An error's code or name, never its message (which may quote what the provider sent). */
function errorCode(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string") return safeCode(code);
    const name = (error as { name?: unknown }).name;
    if (typeof name === "string") return safeCode(name);
  }
  return "unknown";
}

/** OAuth error codes are short ASCII words; anything else is cut to that shape. */
function safeCode(code: string): string {
  return code.replace(/[^A-Za-z0-9_.-]/g, "").slice(0, 60) || "unknown";
}

/** A fresh state, nonce and PKCE verifier for one sign-in (random, from openid-client). */
export function newSignInChecks(): { state: string; nonce: string; codeVerifier: string } {
  return {
    state: client.randomState(),
    nonce: client.randomNonce(),
    codeVerifier: client.randomPKCECodeVerifier(),
  };
}
