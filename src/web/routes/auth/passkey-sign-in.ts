import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { CHALLENGE_TTL_MS } from "../../../auth/passkey-challenges.js";
import { AuthenticationResponse, relyingPartyOf } from "../../../auth/webauthn.js";
import {
  beginPasskeySignIn,
  type PasskeyRefusal,
  type PasskeySignInDecision,
  type PasskeyStep,
  signInWithPasskey,
} from "../../../commands/passkey-sign-in.js";
import { sha256Hex } from "../../../store/ids.js";
import { takeTokens } from "../../../store/rate-counters.js";
import { rateLimitKeys } from "../../abuse/rate-limit-keys.js";
import { passkeyOptionsTake } from "../../abuse/sign-in-start-limits.js";
import type { WebContext } from "../../context.js";
import { safeNext, sessionCookieOf, sessionOf, setSessionCookie } from "../../staff-session.js";
import { json, jsonRoute, refusal } from "./passkey-json.js";

/**
 * Signing in with a passkey, for /assets/passkeys.js on the sign-in pages:
 * - /login/passkey/options, /login/passkey: a passkey alone (discoverable, user verification
 *   required). No session yet, so the challenge is bound to a cookie of its own, set with the
 *   options and good for one attempt.
 * - /login/totp/passkey/options, /login/totp/passkey: the second step after a password, bound
 *   to the pending session; only that member's passkeys count.
 * The answer is JSON: where to go (a path on this site), or why not.
 */
export const PASSKEY_COOKIE = "embargo-passkey";
const DEFAULT_NEXT = "/inbox";

const SignInBody = z.object({ response: AuthenticationResponse, next: z.string().max(2000).optional() });

const MESSAGES: Record<PasskeyRefusal, string> = {
  challenge: "The sign-in expired or was used already. Try again.",
  "unknown-credential":
    "That passkey is not registered here (it may have been removed). Sign in with your password.",
  invalid: "That passkey did not sign you in.",
  cloned: "That passkey was refused.",
};

export async function passkeySignInRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const posts = jsonRoute(scope);
  const rp = relyingPartyOf(ctx.config.publicUrl);
  const secure = ctx.config.publicUrl.startsWith("https:");
  const deps = { ...ctx, rp };
  const counterKeys = rateLimitKeys(ctx.powKey);

  /** The decision as the script wants it; a new session's cookie when signed in. */
  const answer = (reply: FastifyReply, decision: PasskeySignInDecision, next: string | undefined) => {
    switch (decision.outcome) {
      case "throttled": {
        const seconds = decision.retryAfterSeconds;
        reply.header("retry-after", String(seconds));
        return refusal(
          reply,
          429,
          "rate_limited",
          `Too many failed attempts. Wait ${seconds} seconds and try again.`,
        );
      }
      case "refused":
        return refusal(reply, 401, "passkey_refused", MESSAGES[decision.reason]);
      case "signed-in":
        setSessionCookie(reply, ctx, decision.session.cookieValue, decision.session.expiresAt);
        return json(reply, 200, { redirect: next ?? DEFAULT_NEXT });
    }
  };

  const noPendingSignIn = (reply: FastifyReply) =>
    refusal(reply, 401, "login_required", "Your sign-in expired. Start again with your email and password.");

  /** The pending session at the second step, or undefined. */
  const pendingOf = async (request: FastifyRequest) => {
    const found = await sessionOf(ctx, request);
    return found?.pending === true ? found : undefined;
  };

  app.post("/login/passkey/options", { schema: { hide: true }, ...posts }, async (request, reply) => {
    // Anonymous, and each answer stores a challenge: limited per address before anything is stored.
    const taken = await takeTokens(ctx.store, [passkeyOptionsTake(counterKeys, request.ip)], ctx.clock());
    if (!taken.ok) {
      reply.header("retry-after", String(taken.retryAfterSeconds));
      return refusal(
        reply,
        429,
        "rate_limited",
        `Too many passkey sign-ins from your address. Wait ${taken.retryAfterSeconds} seconds and try again.`,
      );
    }
    const value = randomBytes(32).toString("base64url");
    reply.setCookie(PASSKEY_COOKIE, value, {
      path: "/login",
      httpOnly: true,
      sameSite: "strict",
      secure,
      maxAge: CHALLENGE_TTL_MS / 1000,
    });
    const options = await beginPasskeySignIn(deps, {
      step: { kind: "alone" },
      bindingHash: sha256Hex(value),
      now: ctx.clock(),
    });
    return json(reply, 200, options);
  });

  app.post(
    "/login/passkey",
    { schema: { body: SignInBody, hide: true }, ...posts },
    async (request, reply) => {
      const value = request.cookies[PASSKEY_COOKIE];
      // Used or not, the cookie has done its job.
      reply.clearCookie(PASSKEY_COOKIE, { path: "/login", httpOnly: true, sameSite: "strict", secure });
      const step: PasskeyStep = { kind: "alone" };
      const decision = await signInWithPasskey(deps, {
        step,
        response: request.body.response,
        // Without the cookie no stored challenge can match: "-" is no sha-256.
        bindingHash: typeof value === "string" && value !== "" ? sha256Hex(value) : "-",
        address: request.ip,
        ...previous(request),
        clock: ctx.clock,
      });
      return answer(reply, decision, safeNext(request.body.next));
    },
  );

  app.post("/login/totp/passkey/options", { schema: { hide: true }, ...posts }, async (request, reply) => {
    const found = await pendingOf(request);
    if (found === undefined) return noPendingSignIn(reply);
    const options = await beginPasskeySignIn(deps, {
      step: { kind: "second-factor", user: found.user },
      bindingHash: found.session.id_hash,
      now: ctx.clock(),
    });
    return json(reply, 200, options);
  });

  app.post(
    "/login/totp/passkey",
    { schema: { body: SignInBody, hide: true }, ...posts },
    async (request, reply) => {
      const found = await pendingOf(request);
      if (found === undefined) return noPendingSignIn(reply);
      const decision = await signInWithPasskey(deps, {
        step: { kind: "second-factor", user: found.user },
        response: request.body.response,
        bindingHash: found.session.id_hash,
        address: request.ip,
        ...previous(request),
        clock: ctx.clock,
      });
      return answer(reply, decision, safeNext(request.body.next));
    },
  );
}

/** The browser's current session, ended when the sign-in succeeds (a new id at every step). */
function previous(request: FastifyRequest): { previousSession?: string } {
  const value = sessionCookieOf(request);
  return value === undefined ? {} : { previousSession: value };
}
