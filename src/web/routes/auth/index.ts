import type { FastifyInstance } from "fastify";
import type { WebContext } from "../../context.js";
import { accountRoutes } from "./account.js";
import { setupRoutes } from "./setup.js";
import { signInRoutes } from "./sign-in.js";
import { tokenRoutes } from "./tokens.js";

/**
 * Sign-in (password, then TOTP or a recovery code), sign-out, account setup from a one-time link,
 * the account page (TOTP enrolment, recovery codes) and API tokens. Everything works without
 * JavaScript; every form carries a CSRF token; nothing here is cached.
 */
export async function authRoutes(scope: FastifyInstance, ctx: WebContext) {
  await signInRoutes(scope, ctx);
  await setupRoutes(scope, ctx);
  await accountRoutes(scope, ctx);
  await tokenRoutes(scope, ctx);
}
