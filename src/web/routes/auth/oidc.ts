import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { newSignInChecks, OidcClients, OidcFailure } from "../../../auth/oidc-client.js";
import { LOGIN_TTL_MS, savePendingLogin, takePendingLogin } from "../../../auth/oidc-logins.js";
import { logSsoFailure, type SsoRefusal, signInWithSso } from "../../../commands/sso-sign-in.js";
import type { OidcProviderSetting } from "../../../oidc-setting.js";
import { sha256Hex } from "../../../store/ids.js";
import { takeTokens } from "../../../store/rate-counters.js";
import { rateLimitKeys } from "../../abuse/rate-limit-keys.js";
import { ssoStartTake } from "../../abuse/sign-in-start-limits.js";
import type { WebContext } from "../../context.js";
import { safeNext, sessionCookieOf, setSessionCookie } from "../../staff-session.js";
import { type SsoButton, SsoProblemPage, SsoSignedInPage } from "../../views/sso-pages.js";
import { html, quiet, redirect } from "./shared.js";

/**
 * Single sign-on with OpenID Connect (the authorization code flow, PKCE, state and nonce):
 * - GET /login/oidc/{provider}: makes the attempt's checks, keeps them in the database
 *   (src/auth/oidc-logins.ts) bound to a cookie of this browser's, and sends the browser to the
 *   provider's sign-in page;
 * - GET /login/oidc/{provider}/callback: the provider sends the browser back here; the attempt
 *   is taken (once), the code exchanged and checked (src/auth/oidc-client.ts), and the member
 *   signed in (src/commands/sso-sign-in.ts), or a page says why not.
 * The callback's URL holds the code: the request log, which records URLs, skips it.
 */
export const SSO_COOKIE = "embargo-sso";
const COOKIE_PATH = "/login/oidc";
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;
const DEFAULT_NEXT = "/inbox";

const ProviderParams = z.object({ provider: z.string().max(64) });
const StartQuery = z.object({ next: z.string().max(2000).optional() });
const CallbackQuery = z.object({ state: z.string().max(2000).optional() });

/** The login page's buttons: one per configured provider. */
export function ssoButtons(ctx: Pick<WebContext, "config">): SsoButton[] {
  return ctx.config.oidcProviders.map((provider) => ({ id: provider.id, name: provider.name }));
}

/** Why a password did not sign a member in (policy `team.requireSso`), and which button to use. */
export function ssoRequiredMessage(
  ctx: Pick<WebContext, "config" | "programs">,
  program: string | undefined,
): string {
  const policy = program === undefined ? undefined : ctx.programs.get(program)?.policy;
  const required = policy?.team.requireSso;
  const provider =
    typeof required === "string" ? ctx.config.oidcProviders.find((p) => p.id === required) : undefined;
  const who = policy === undefined ? "Your team" : policy.program.name;
  const how =
    provider !== undefined
      ? `the “Sign in with ${provider.name}” button below`
      : typeof required !== "string" && ctx.config.oidcProviders.length > 0
        ? "a single sign-on button below"
        : "single sign-on, which is not set up here yet: ask an administrator";
  return `${who} signs its members in through single sign-on, not with a password. Use ${how}.`;
}

const REFUSALS: Record<SsoRefusal, { status: number; message: (name: string) => string }> = {
  "email-unverified": {
    status: 403,
    message: (name) =>
      `${name} has not verified your email address, so it cannot sign you in here. Verify the address with ${name} (or ask its administrators to), then sign in again.`,
  },
  disabled: {
    status: 403,
    message: () => "This account is disabled here. Ask an administrator of Embargo if you need it back.",
  },
  "no-role": {
    status: 403,
    message: (name) =>
      `${name} signed you in, but none of your groups there gives you a role in Embargo. Ask your administrators to add you to the security team's group.`,
  },
  expired: {
    status: 400,
    message: (name) => `The sign-in from ${name} has expired already. Sign in again.`,
  },
};

const FAILURES: Record<OidcFailure["kind"], { status: number; message: (name: string) => string }> = {
  denied: {
    status: 400,
    message: (name) => `${name} did not sign you in (it was cancelled or refused there).`,
  },
  rejected: {
    status: 400,
    message: (name) =>
      `${name} did not accept this sign-in: its code was used already or has expired. Start again from the sign-in page.`,
  },
  invalid: {
    status: 400,
    message: (name) =>
      `The answer from ${name} did not pass Embargo's checks. Start again from the sign-in page.`,
  },
  unreachable: {
    status: 502,
    message: (name) =>
      `${name} cannot be reached from Embargo just now. Try again in a minute, or sign in another way.`,
  },
};

export async function oidcRoutes(scope: FastifyInstance, ctx: WebContext) {
  if (ctx.config.oidcProviders.length === 0) return;
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const clients = new OidcClients(ctx.config.oidcProviders, ctx.config.publicUrl);
  const secure = ctx.config.publicUrl.startsWith("https:");
  const counterKeys = rateLimitKeys(ctx.powKey);

  const problem = (reply: FastifyReply, status: number, title: string, message: string) =>
    html(reply, status, SsoProblemPage({ title, message }));
  const unknown = (reply: FastifyReply) =>
    problem(reply, 404, "Unknown sign-in provider", "There is no single sign-on provider of that name here.");

  /** The browser's binding cookie: kept while it lasts (several tabs may sign in at once). */
  const bindingOf = (request: FastifyRequest): string | undefined => {
    const value = request.cookies?.[SSO_COOKIE];
    return typeof value === "string" && COOKIE_VALUE.test(value) ? value : undefined;
  };

  app.get(
    "/login/oidc/:provider",
    { schema: { params: ProviderParams, querystring: StartQuery, hide: true } },
    async (request, reply) => {
      const provider = clients.find(request.params.provider);
      if (provider === undefined) return unknown(reply);
      // Anonymous, and each start stores its checks: limited per address before anything is stored.
      const taken = await takeTokens(ctx.store, [ssoStartTake(counterKeys, request.ip)], ctx.clock());
      if (!taken.ok) {
        reply.header("retry-after", String(taken.retryAfterSeconds));
        return problem(
          reply,
          429,
          "Too many sign-ins",
          `Too many single sign-ons from your address. Wait ${taken.retryAfterSeconds} seconds and try again.`,
        );
      }
      const checks = newSignInChecks();
      let url: URL;
      try {
        url = await clients.authorizationUrl(provider, checks);
      } catch (error) {
        if (!(error instanceof OidcFailure)) throw error;
        request.log.warn({ provider: provider.id, reason: error.reason }, "identity provider unreachable");
        return problem(
          reply,
          502,
          "Single sign-on is not available",
          FAILURES.unreachable.message(provider.name),
        );
      }
      const binding = bindingOf(request) ?? randomBytes(32).toString("base64url");
      const now = ctx.clock();
      await savePendingLogin(
        ctx.store,
        {
          provider: provider.id,
          ...checks,
          bindingHash: sha256Hex(binding),
          next: safeNext(request.query.next) ?? null,
        },
        now,
      );
      // Lax, not Strict: the provider sends the browser back with a cross-site navigation.
      reply.setCookie(SSO_COOKIE, binding, {
        path: COOKIE_PATH,
        httpOnly: true,
        sameSite: "lax",
        secure,
        expires: new Date(now.getTime() + LOGIN_TTL_MS),
      });
      return redirect(reply, url.href);
    },
  );

  app.get(
    "/login/oidc/:provider/callback",
    { schema: { params: ProviderParams, querystring: CallbackQuery, hide: true }, ...quiet },
    async (request, reply) => {
      const provider = clients.find(request.params.provider);
      if (provider === undefined) return unknown(reply);
      const failed = (reason: string) =>
        logSsoFailure(ctx, { provider: provider.id, reason, address: request.ip, clock: ctx.clock });

      const binding = bindingOf(request);
      const state = request.query.state;
      const login =
        binding === undefined || state === undefined
          ? undefined
          : await takePendingLogin(ctx.store, {
              provider: provider.id,
              state,
              bindingHash: sha256Hex(binding),
              now: ctx.clock(),
            });
      if (login === undefined) {
        await failed("state");
        return problem(
          reply,
          400,
          "Sign-in not recognised",
          `This answer from ${provider.name} does not match a sign-in this browser started (or it took longer than ${LOGIN_TTL_MS / 60_000} minutes). Start again from the sign-in page.`,
        );
      }

      let identity: Awaited<ReturnType<OidcClients["finish"]>>;
      try {
        identity = await clients.finish(provider, callbackUrl(clients, provider, request.url), login);
      } catch (error) {
        if (!(error instanceof OidcFailure)) throw error;
        await failed(`${error.kind}:${error.reason}`);
        const failure = FAILURES[error.kind];
        return problem(reply, failure.status, "Single sign-on did not work", failure.message(provider.name));
      }

      const decision = await signInWithSso(ctx, {
        provider,
        identity,
        address: request.ip,
        previousSession: sessionCookieOf(request),
        clock: ctx.clock,
      });
      reply.clearCookie(SSO_COOKIE, { path: COOKIE_PATH, httpOnly: true, sameSite: "lax", secure });
      if (decision.outcome === "refused") {
        const refusal = REFUSALS[decision.reason];
        return problem(reply, refusal.status, "Not signed in", refusal.message(provider.name));
      }
      setSessionCookie(reply, ctx, decision.session.cookieValue, decision.session.expiresAt);
      const next = decision.mustUsePasskey ? "/account/passkeys" : (login.next ?? DEFAULT_NEXT);
      return continueTo(reply, next);
    },
  );
}

/**
 * The URL the provider sent the browser to, for openid-client: the registered redirect URI (it
 * sends that, without the query, to the token endpoint) with the query as it came.
 */
function callbackUrl(clients: OidcClients, provider: OidcProviderSetting, requestUrl: string): URL {
  const url = new URL(clients.redirectUri(provider));
  url.search = new URL(requestUrl, "http://callback.invalid").search;
  return url;
}

/**
 * Signed in: on to `next` with a page of this site rather than a redirect. The browser came here
 * from the provider's site, so a redirect would still be part of that cross-site navigation and
 * the session cookie (SameSite=Strict) would stay behind; a refresh from this page is this site's own.
 */
function continueTo(reply: FastifyReply, next: string) {
  reply.header("refresh", `0; url=${next}`);
  return html(reply, 200, SsoSignedInPage({ next }));
}
