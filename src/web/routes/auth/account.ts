import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { listPasskeys } from "../../../auth/passkeys.js";
import { newRecoveryCodes, parseRecoveryHashes } from "../../../auth/recovery-codes.js";
import { markTwoFactorPassed } from "../../../auth/sessions.js";
import { SigninLimits } from "../../../auth/signin-limits.js";
import {
  ALL_PROGRAMS,
  meetsTwoFactor,
  type TwoFactorLevel,
  twoFactorLevelOf,
  twoFactorRequirement,
} from "../../../auth/staff.js";
import { checkTotp, formatTotpSecret, newTotpSecret, totpQrSvg, totpUri } from "../../../auth/totp.js";
import {
  acceptTotpStep,
  enableTotp,
  openTotpSecret,
  pendingTotpSecret,
  replaceRecoveryCodes,
} from "../../../auth/user-totp.js";
import { membershipsOf, type UserRow } from "../../../auth/users.js";
import { requiresTotp } from "../../../commands/sign-in.js";
import type { WebContext } from "../../context.js";
import { notFound } from "../../errors.js";
import { programsTwoFactor, requireSessionStaff } from "../../staff-session.js";
import { AccountPage, RecoveryCodesPage, TotpEnrolPage } from "../../views/account-pages.js";
import { adminPrograms, currentUser, fieldsOf, formRoute, html, redirect, svg, tooMany } from "./shared.js";

/**
 * The signed-in member's account page: roles, TOTP enrolment, new recovery codes. Making new
 * codes asks for a current TOTP code, so it goes through the sign-in throttle like a sign-in.
 */
export async function accountRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const forms = formRoute(scope);
  const throttle = new SigninLimits(ctx.store, ctx.powKey, ctx.clock);

  const accountPage = async (
    reply: FastifyReply,
    request: FastifyRequest,
    status: number,
    errors: Map<string, string>,
  ) => {
    const staff = requireSessionStaff(request);
    const user = await currentUser(ctx, staff.userId);
    const memberships = await membershipsOf(ctx.store.db, user.id);
    const programs = ctx.programs.all();
    // Programs this session cannot use, by what they ask for: a second factor, or a passkey.
    const requirementOf = (program: string): TwoFactorLevel =>
      program === ALL_PROGRAMS
        ? twoFactorRequirement([{ program }], programsTwoFactor(ctx))
        : (ctx.programs.get(program)?.policy.team.requireTwoFactor ?? false);
    const unmet = memberships
      .map((m) => m.program)
      .filter((p) => !meetsTwoFactor(requirementOf(p), twoFactorLevelOf(staff)));
    const withheld = unmet.filter((p) => requirementOf(p) !== "passkey");
    const passkeyWithheld = unmet.filter((p) => requirementOf(p) === "passkey");
    return html(
      reply,
      status,
      AccountPage({
        csrfToken: reply.generateCsrf(),
        email: user.email,
        memberships,
        programNames: new Map(programs.map((p) => [p.policy.program.slug, p.policy.program.name])),
        withheld,
        passkeyWithheld,
        passkeys: (await listPasskeys(ctx.store, user.id)).length,
        totpEnabled: user.totp_enabled === 1,
        totpRequired: await requiresTotp(ctx, user.id),
        recoveryCodesLeft: parseRecoveryHashes(user.recovery_codes_json).length,
        canManageTokens: adminPrograms(ctx, staff).length > 0,
        errors,
      }),
    );
  };

  app.get("/account", { schema: { hide: true } }, async (request, reply) =>
    accountPage(reply, request, 200, new Map()),
  );

  const enrolPage = async (reply: FastifyReply, status: number, user: UserRow, errors: Map<string, string>) =>
    html(
      reply,
      status,
      TotpEnrolPage({
        csrfToken: reply.generateCsrf(),
        enrolment: {
          secretText: formatTotpSecret(await pendingTotpSecret(ctx.store, ctx.keyring, user, newTotpSecret)),
          qrUrl: "/account/totp.svg",
          required: true,
        },
        errors,
      }),
    );

  app.get("/account/totp", { schema: { hide: true } }, async (request, reply) => {
    const staff = requireSessionStaff(request);
    const user = await currentUser(ctx, staff.userId);
    if (user.totp_enabled === 1) return redirect(reply, "/account");
    return enrolPage(reply, 200, user, new Map());
  });

  // Only the pending secret, never an enabled one: that is shown once, while enrolling.
  app.get("/account/totp.svg", { schema: { hide: true } }, async (request, reply) => {
    const staff = requireSessionStaff(request);
    const user = await currentUser(ctx, staff.userId);
    if (user.totp_enabled === 1) throw notFound("Image");
    const secret = await pendingTotpSecret(ctx.store, ctx.keyring, user, newTotpSecret);
    return svg(reply, await totpQrSvg(totpUri(secret, user.email, ctx.config.publicUrl)));
  });

  app.post("/account/totp", { schema: { hide: true }, ...forms }, async (request, reply) => {
    const staff = requireSessionStaff(request);
    const user = await currentUser(ctx, staff.userId);
    if (user.totp_enabled === 1) return redirect(reply, "/account");
    const field = await fieldsOf(request);
    const secret = await pendingTotpSecret(ctx.store, ctx.keyring, user, newTotpSecret);
    const now = ctx.clock();
    const check = await checkTotp(secret, field("code"), now, user.totp_last_step);
    if (!check.ok)
      return enrolPage(reply, 400, user, new Map([["code", "That code does not match. Try the next one."]]));
    const recovery = await newRecoveryCodes();
    await enableTotp(ctx.store, {
      userId: user.id,
      step: check.step,
      recoveryHashesJson: recovery.hashesJson,
      now,
    });
    // This browser just proved the second factor.
    await markTwoFactorPassed(ctx.store, staff.sessionIdHash);
    return html(reply, 200, RecoveryCodesPage({ title: "Two-factor sign-in is on", codes: recovery.codes }));
  });

  app.post("/account/recovery-codes", { schema: { hide: true }, ...forms }, async (request, reply) => {
    const staff = requireSessionStaff(request);
    const user = await currentUser(ctx, staff.userId);
    if (user.totp_enabled !== 1 || user.totp_secret_ct === null) return redirect(reply, "/account");
    const field = await fieldsOf(request);
    const gate = await throttle.reserve(user.email, request.ip);
    if (!gate.ok) return accountPage(reply, request, 429, tooMany(reply, gate));
    const now = ctx.clock();
    const secret = openTotpSecret(ctx.keyring, user.id, user.totp_secret_ct);
    const check = await checkTotp(secret, field("code"), now, user.totp_last_step);
    if (!check.ok || !(await acceptTotpStep(ctx.store, user.id, check.step))) {
      return accountPage(reply, request, 400, new Map([["code", "Wrong code."]]));
    }
    await throttle.settle(gate.reservation, "refund");
    const recovery = await newRecoveryCodes();
    await replaceRecoveryCodes(ctx.store, { userId: user.id, recoveryHashesJson: recovery.hashesJson, now });
    return html(reply, 200, RecoveryCodesPage({ title: "New recovery codes", codes: recovery.codes }));
  });
}
