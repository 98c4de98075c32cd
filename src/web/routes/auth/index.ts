import type { FastifyInstance } from "fastify";
import type { WebContext } from "../../context.js";
import { accountRoutes } from "./account.js";
import { oidcRoutes } from "./oidc.js";
import { passkeySignInRoutes } from "./passkey-sign-in.js";
import { passkeyRoutes } from "./passkeys.js";
import { setupRoutes } from "./setup.js";
import { signInRoutes } from "./sign-in.js";
import { tokenRoutes } from "./tokens.js";

/**
 * Sign-in (password, then TOTP, a recovery code or a passkey; or a passkey alone), sign-out,
 * account setup from a one-time link, the account page (TOTP enrolment, recovery codes,
 * passkeys) and API tokens. Everything works without JavaScript except using or adding a passkey
 * (the browser's WebAuthn API); every form carries a CSRF token; nothing here is cached.
 */
export async function authRoutes(scope: FastifyInstance, ctx: WebContext) {
  await signInRoutes(scope, ctx);
  await setupRoutes(scope, ctx);
  await accountRoutes(scope, ctx);
  await passkeySignInRoutes(scope, ctx);
  await passkeyRoutes(scope, ctx);
  await tokenRoutes(scope, ctx);
  await oidcRoutes(scope, ctx);
}
