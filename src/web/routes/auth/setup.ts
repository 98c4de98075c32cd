import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  completeSetup,
  findSetupToken,
  type SetupToken,
  setupTotpSecret,
} from "../../../auth/account-setup.js";
import { hashPassword, passwordProblem } from "../../../auth/passwords.js";
import { newRecoveryCodes } from "../../../auth/recovery-codes.js";
import { checkTotp, formatTotpSecret, newTotpSecret, totpQrSvg, totpUri } from "../../../auth/totp.js";
import { emailProblem, getUser, normalizeEmail, type UserRow } from "../../../auth/users.js";
import { requiresTotp } from "../../../commands/sign-in.js";
import type { WebContext } from "../../context.js";
import { notFound } from "../../errors.js";
import { LinkInvalidPage, SetupDonePage, SetupPage } from "../../views/auth-pages.js";
import { fieldsOf, formRoute, html, quiet, svg } from "./shared.js";

const TokenParams = z.object({ token: z.string().max(100) });

interface SetupContext {
  row: SetupToken;
  user: UserRow | undefined;
  /** Offer TOTP enrolment (not when the account already has it, e.g. a password reset). */
  offerTotp: boolean;
  totpRequired: boolean;
}

/**
 * Account setup from a one-time link (a new member, a password reset, the first administrator).
 * The links carry their token in the path, so these routes log only warnings and errors: the
 * request log (which records URLs) never sees them.
 */
export async function setupRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const forms = formRoute(scope);

  const setupContext = async (token: string): Promise<SetupContext | undefined> => {
    const row = await findSetupToken(ctx.store, token, ctx.clock());
    if (row === undefined) return undefined;
    const user = row.user_id === null ? undefined : await getUser(ctx.store, row.user_id);
    if (row.user_id !== null && (user === undefined || user.disabled_at !== null)) return undefined;
    return {
      row,
      user,
      offerTotp: user?.totp_enabled !== 1,
      totpRequired: await requiresTotp(ctx, row.user_id),
    };
  };
  const setupSecret = (setup: SetupContext) =>
    setupTotpSecret(ctx.store, ctx.keyring, setup.row, newTotpSecret);
  const setupPage = async (
    reply: FastifyReply,
    status: number,
    token: string,
    setup: SetupContext,
    errors: Map<string, string>,
    emailValue?: string,
  ) =>
    html(
      reply,
      status,
      SetupPage({
        csrfToken: reply.generateCsrf(),
        action: `/setup/${token}`,
        email: setup.user?.email,
        emailValue,
        purpose: setup.row.purpose,
        totp: setup.offerTotp
          ? {
              secretText: formatTotpSecret(await setupSecret(setup)),
              qrUrl: `/setup/${token}/totp.svg`,
              required: setup.totpRequired,
            }
          : undefined,
        errors,
      }),
    );

  app.get(
    "/setup/:token",
    { schema: { params: TokenParams, hide: true }, ...quiet },
    async (request, reply) => {
      const setup = await setupContext(request.params.token);
      if (setup === undefined) return html(reply, 404, LinkInvalidPage());
      return setupPage(reply, 200, request.params.token, setup, new Map());
    },
  );

  app.get(
    "/setup/:token/totp.svg",
    { schema: { params: TokenParams, hide: true }, ...quiet },
    async (request, reply) => {
      const setup = await setupContext(request.params.token);
      if (setup === undefined || !setup.offerTotp) throw notFound("Image");
      const email = setup.user?.email ?? "administrator";
      return svg(reply, await totpQrSvg(totpUri(await setupSecret(setup), email, ctx.config.publicUrl)));
    },
  );

  app.post(
    "/setup/:token",
    { schema: { params: TokenParams, hide: true }, ...quiet, ...forms },
    async (request, reply) => {
      const { token } = request.params;
      const setup = await setupContext(token);
      if (setup === undefined) return html(reply, 404, LinkInvalidPage());
      const field = await fieldsOf(request);
      const errors = new Map<string, string>();
      const typedEmail = normalizeEmail(field("email"));
      const email = setup.user?.email ?? typedEmail;
      if (setup.user === undefined) {
        const problem = emailProblem(typedEmail);
        if (problem !== undefined) errors.set("email", problem);
      }
      const password = field("password");
      const problem = passwordProblem(password, email);
      if (problem !== undefined) errors.set("password", problem);
      else if (field("password2") !== password) errors.set("password2", "The two passwords differ.");

      const now = ctx.clock();
      let totp: { secret: string; step: number } | undefined;
      const code = field("code").trim();
      if (setup.offerTotp && code !== "") {
        const secret = await setupSecret(setup);
        const check = await checkTotp(secret, code, now, null);
        if (check.ok) totp = { secret, step: check.step };
        else errors.set("code", "That code does not match. Check the app's clock and try the next code.");
      } else if (setup.offerTotp && setup.totpRequired) {
        errors.set("code", "Enter the code from your authenticator app: two-factor sign-in is required.");
      }
      if (errors.size > 0) return setupPage(reply, 400, token, setup, errors, typedEmail);

      const passwordHash = await hashPassword(password);
      const recovery = totp === undefined ? undefined : await newRecoveryCodes();
      const outcome = await completeSetup(ctx.store, ctx.keyring, {
        token,
        ...(setup.user === undefined ? { email: typedEmail } : {}),
        passwordHash,
        ...(totp === undefined || recovery === undefined
          ? {}
          : { totp: { ...totp, recoveryHashesJson: recovery.hashesJson } }),
        now,
      });
      if (!outcome.ok) return html(reply, outcome.reason === "invalid_link" ? 404 : 409, LinkInvalidPage());
      return html(reply, 200, SetupDonePage({ email: outcome.email, recoveryCodes: recovery?.codes }));
    },
  );
}
