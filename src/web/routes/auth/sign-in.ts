import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { hasPasskeys } from "../../../auth/passkeys.js";
import { logSecurityEvents } from "../../../auth/security-log.js";
import { deleteSession } from "../../../auth/sessions.js";
import { normalizeEmail, type UserRow } from "../../../auth/users.js";
import { type SignInDecision, signIn } from "../../../commands/sign-in.js";
import type { WebContext } from "../../context.js";
import {
  clearSessionCookie,
  safeNext,
  sessionCookieOf,
  sessionOf,
  setSessionCookie,
} from "../../staff-session.js";
import { LoginPage, TotpLoginPage } from "../../views/auth-pages.js";
import { ssoButtons, ssoRequiredMessage } from "./oidc.js";
import { fieldsOf, formRoute, html, redirect, tooMany } from "./shared.js";

const NextQuery = z.object({ next: z.string().max(2000).optional() });
const WRONG_CREDENTIALS = "Wrong email or password.";
const DEFAULT_NEXT = "/inbox";

/**
 * Sign-in (password, then TOTP, a recovery code or a passkey) and sign-out. A passkey's own
 * routes are in passkey-sign-in.ts. Each post reads the form, asks
 * the sign-in command (src/commands/sign-in.ts) and presents its decision: a cookie and a
 * redirect, or the form again with why.
 */
export async function signInRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const forms = formRoute(scope);

  /** Which second factors the member at the second step has: the page offers those. */
  const secondFactorsOf = async (user: UserRow) => ({
    totp: user.totp_enabled === 1,
    passkey: await hasPasskeys(ctx.store, user.id),
  });

  /** Signed in, or half-way: the browser gets the new session's cookie. */
  const startSession = (reply: FastifyReply, decision: SignInDecision) => {
    if (decision.outcome === "signed-in" || decision.outcome === "needs-second-factor")
      setSessionCookie(reply, ctx, decision.session.cookieValue, decision.session.expiresAt);
  };

  app.get("/login", { schema: { querystring: NextQuery, hide: true } }, async (request, reply) =>
    html(
      reply,
      200,
      LoginPage({
        csrfToken: reply.generateCsrf(),
        next: safeNext(request.query.next),
        errors: new Map(),
        sso: ssoButtons(ctx),
      }),
    ),
  );

  app.post("/login", { schema: { hide: true }, ...forms }, async (request, reply) => {
    const field = await fieldsOf(request);
    const email = normalizeEmail(field("email"));
    const next = safeNext(field("next"));
    const page = (status: number, errors: Map<string, string>) =>
      html(
        reply,
        status,
        LoginPage({ csrfToken: reply.generateCsrf(), next, email, errors, sso: ssoButtons(ctx) }),
      );

    const decision = await signIn(ctx, {
      email,
      password: field("password"),
      address: request.ip,
      previousSession: sessionCookieOf(request),
      clock: ctx.clock,
    });
    switch (decision.outcome) {
      case "throttled":
        return page(429, tooMany(reply, decision));
      case "refused":
        if (decision.reason === "sso-required")
          return page(403, new Map([["form", ssoRequiredMessage(ctx, decision.program)]]));
        return page(401, new Map([["form", WRONG_CREDENTIALS]]));
      case "needs-second-factor":
        startSession(reply, decision);
        return redirect(
          reply,
          next === undefined ? "/login/totp" : `/login/totp?next=${encodeURIComponent(next)}`,
        );
      case "signed-in":
        startSession(reply, decision);
        // A program of theirs requires a second factor (or a passkey) they do not have yet: enrol first.
        return redirect(
          reply,
          decision.mustUsePasskey
            ? "/account/passkeys"
            : decision.mustEnrolTotp
              ? "/account/totp"
              : (next ?? DEFAULT_NEXT),
        );
    }
  });

  app.get("/login/totp", { schema: { querystring: NextQuery, hide: true } }, async (request, reply) => {
    const found = await sessionOf(ctx, request);
    if (found === undefined || !found.pending) return redirect(reply, "/login");
    return html(
      reply,
      200,
      TotpLoginPage({
        csrfToken: reply.generateCsrf(),
        next: safeNext(request.query.next),
        ...(await secondFactorsOf(found.user)),
        errors: new Map(),
      }),
    );
  });

  app.post("/login/totp", { schema: { hide: true }, ...forms }, async (request, reply) => {
    const found = await sessionOf(ctx, request);
    if (found === undefined || !found.pending) return redirect(reply, "/login");
    const field = await fieldsOf(request);
    const next = safeNext(field("next"));
    const factors = await secondFactorsOf(found.user);
    const page = (status: number, errors: Map<string, string>) =>
      html(reply, status, TotpLoginPage({ csrfToken: reply.generateCsrf(), next, ...factors, errors }));

    const decision = await signIn(ctx, {
      user: found.user,
      secondFactor: field("code"),
      address: request.ip,
      previousSession: sessionCookieOf(request),
      clock: ctx.clock,
    });
    switch (decision.outcome) {
      case "throttled":
        return page(429, tooMany(reply, decision));
      case "refused":
        return page(
          401,
          new Map([
            [
              "code",
              decision.reason === "replayed" && decision.step === "totp"
                ? "That code was used already. Wait for the next one from your app."
                : "Wrong code.",
            ],
          ]),
        );
      case "needs-second-factor":
        // Not an answer to a second factor; the command never gives it here.
        return redirect(reply, "/login");
      case "signed-in": {
        startSession(reply, decision);
        // A program of theirs wants a passkey sign-in: the passkeys page says so (and adds one).
        if (decision.mustUsePasskey) return redirect(reply, "/account/passkeys");
        // Few recovery codes left: the account page, where new ones are made.
        const left = decision.recoveryCodesLeft;
        return redirect(reply, left !== undefined && left <= 3 ? "/account" : (next ?? DEFAULT_NEXT));
      }
    }
  });

  app.post("/logout", { schema: { hide: true }, ...forms }, async (request, reply) => {
    const found = await sessionOf(ctx, request);
    const old = sessionCookieOf(request);
    if (old !== undefined) await deleteSession(ctx.store, old);
    if (found !== undefined)
      await logSecurityEvents(ctx.store, {
        type: "signout",
        actor: `user:${found.user.id}`,
        subject: found.user.id,
        payload: {},
        at: ctx.clock(),
      });
    clearSessionCookie(reply, ctx);
    return redirect(reply, "/login");
  });
}
