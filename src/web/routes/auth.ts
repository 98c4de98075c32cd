import { hkdfSync } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { createApiToken, getApiToken, listApiTokens, revokeApiToken } from "../../auth/api-tokens.js";
import {
  hashPassword,
  PASSWORD_MAX_LENGTH,
  passwordProblem,
  verifyNothing,
  verifyPassword,
} from "../../auth/passwords.js";
import { newRecoveryCodes, parseRecoveryHashes, useRecoveryCode } from "../../auth/recovery-codes.js";
import { logSecurityEvents, pseudonym, type SecurityEvent } from "../../auth/security-log.js";
import { createSession, deleteSession, markTwoFactorPassed } from "../../auth/sessions.js";
import { SigninLimits } from "../../auth/signin-limits.js";
import type { AttemptDecision } from "../../auth/signin-throttle.js";
import { ALL_PROGRAMS, isRole, ROLES, type Staff, twoFactorRequired } from "../../auth/staff.js";
import {
  checkTotp,
  formatTotpSecret,
  looksLikeTotpCode,
  newTotpSecret,
  totpQrSvg,
  totpUri,
} from "../../auth/totp.js";
import {
  acceptTotpStep,
  completeSetup,
  consumeRecoveryCode,
  emailProblem,
  enableTotp,
  findSetupToken,
  findUserByEmail,
  getUser,
  membershipsOf,
  normalizeEmail,
  openTotpSecret,
  pendingTotpSecret,
  replaceRecoveryCodes,
  type SetupToken,
  setupTotpSecret,
  type UserRow,
} from "../../auth/users.js";
import { ApiError } from "../../intake/report-schema.js";
import type { WebContext } from "../context.js";
import { HttpError, notFound } from "../errors.js";
import { readFormBody, requireFormContentType } from "../form-body.js";
import { canAdmin } from "../permissions.js";
import {
  clearSessionCookie,
  LoginRequired,
  programsTwoFactor,
  requireSessionStaff,
  requireStaff,
  safeNext,
  sessionCookieOf,
  sessionOf,
  setSessionCookie,
} from "../staff-session.js";
import {
  AccountPage,
  ApiTokensPage,
  LinkInvalidPage,
  LoginPage,
  RecoveryCodesPage,
  SetupDonePage,
  SetupPage,
  TotpEnrolPage,
  TotpLoginPage,
} from "../views/auth-pages.js";
import { renderPage } from "../views/layout.js";

const NextQuery = z.object({ next: z.string().max(2000).optional() });
const TokenParams = z.object({ token: z.string().max(100) });
const IdParams = z.object({ id: z.string().max(64) });
const Me = z.object({
  email: z.string(),
  twoFactor: z.boolean(),
  roles: z.array(z.object({ program: z.string(), role: z.enum(ROLES) })),
  via: z.enum(["session", "api-token"]),
});
const WRONG_CREDENTIALS = "Wrong email or password.";
const DEFAULT_NEXT = "/inbox";
/** Form fields are short; a body this size is already suspicious (formbody allows 1 MB). */
const MAX_FIELD = 4 * PASSWORD_MAX_LENGTH;

/**
 * Sign-in (password, then TOTP or a recovery code), sign-out, account setup from a one-time link,
 * the account page (TOTP enrolment, recovery codes) and API tokens. Everything works without
 * JavaScript; every form carries a CSRF token; nothing here is cached.
 *
 * Setup links carry their token in the path, so those routes log only warnings and errors: the
 * request log (which records URLs) never sees them.
 */
export async function authRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const throttle = new SigninLimits(ctx.store, ctx.powKey, ctx.clock);
  const pseudonymKey = Buffer.from(
    hkdfSync("sha256", ctx.powKey, Buffer.alloc(0), "embargo:security-log", 32),
  );
  const forms = { onRequest: requireFormContentType, preHandler: scope.csrfProtection };
  const quiet = { logLevel: "warn" } as const;

  const html = (reply: FastifyReply, status: number, page: preact.VNode) =>
    reply
      .status(status)
      .header("cache-control", "no-store")
      .type("text/html; charset=utf-8")
      .send(renderPage(page));
  const svg = (reply: FastifyReply, body: string) =>
    reply.header("cache-control", "no-store").type("image/svg+xml").send(body);
  const redirect = (reply: FastifyReply, location: string) =>
    reply.status(303).header("cache-control", "no-store").header("location", location).send();
  const fieldsOf = async (request: FastifyRequest) => {
    const { fields } = await readFormBody(request, 0);
    const get = (name: string) => {
      const value = fields[name] ?? "";
      if (value.length > MAX_FIELD) throw new HttpError(413, "too_large", "A field is too long.");
      return value;
    };
    return get;
  };
  const address = (request: FastifyRequest) => pseudonym(pseudonymKey, "address", request.ip);
  const log = (...events: SecurityEvent[]) => logSecurityEvents(ctx.store, ...events);
  const tooMany = (reply: FastifyReply, refused: Extract<AttemptDecision, { ok: false }>) => {
    const seconds = refused.retryAfterSeconds;
    reply.header("retry-after", String(seconds));
    const wait = `Wait ${seconds} second${seconds === 1 ? "" : "s"} and try again`;
    return new Map([
      [
        "form",
        refused.limit === "account"
          ? `Too many failed attempts on this account from places it has not signed in from. ${wait}, or sign in from a network you used before.`
          : `Too many failed attempts. ${wait}.`,
      ],
    ]);
  };
  const signedIn = async (reply: FastifyReply, user: UserRow, twoFactor: boolean) => {
    const { cookieValue, expiresAt } = await createSession(ctx.store, {
      userId: user.id,
      twoFactorPassed: twoFactor,
      now: ctx.clock(),
    });
    setSessionCookie(reply, ctx, cookieValue, expiresAt);
  };
  const dropBrowserSession = async (request: FastifyRequest) => {
    const old = sessionCookieOf(request);
    if (old !== undefined) await deleteSession(ctx.store, old);
  };
  const requiresTotp = async (userId: string | null) =>
    twoFactorRequired(
      userId === null ? [{ program: ALL_PROGRAMS }] : await membershipsOf(ctx.store.db, userId),
      programsTwoFactor(ctx),
    );

  // -------------------------------------------------------------------------------------------
  // Sign-in

  app.get("/login", { schema: { querystring: NextQuery, hide: true } }, async (request, reply) =>
    html(
      reply,
      200,
      LoginPage({ csrfToken: reply.generateCsrf(), next: safeNext(request.query.next), errors: new Map() }),
    ),
  );

  app.post("/login", { schema: { hide: true }, ...forms }, async (request, reply) => {
    const field = await fieldsOf(request);
    const email = normalizeEmail(field("email"));
    const password = field("password");
    const next = safeNext(field("next"));
    const page = (status: number, errors: Map<string, string>) =>
      html(reply, status, LoginPage({ csrfToken: reply.generateCsrf(), next, email, errors }));

    // Counted before the password is checked: a burst cannot get more checks than the rules allow.
    const gate = await throttle.reserve(email, request.ip);
    if (!gate.ok) return page(429, tooMany(reply, gate));

    const user = email === "" ? undefined : await findUserByEmail(ctx.store, email);
    const hash = user !== undefined && user.disabled_at === null ? user.password_hash : null;
    const ok =
      hash !== null && password.length <= PASSWORD_MAX_LENGTH * 2
        ? await verifyPassword(hash, password)
        : await verifyNothing(password.slice(0, PASSWORD_MAX_LENGTH));
    if (!ok || user === undefined) {
      await log({
        type: "signin.failed",
        actor: "anonymous",
        subject: user?.id ?? null,
        payload: {
          step: "password",
          address: address(request),
          ...(user === undefined ? { emailPseudonym: pseudonym(pseudonymKey, "email", email) } : {}),
        },
        at: ctx.clock(),
      });
      return page(401, new Map([["form", WRONG_CREDENTIALS]]));
    }
    await dropBrowserSession(request);

    if (user.totp_enabled === 1) {
      // The password alone clears nothing: the second factor's failures keep counting.
      await throttle.settle(gate.reservation, "refund");
      const { cookieValue, expiresAt } = await createSession(ctx.store, {
        userId: user.id,
        twoFactorPassed: false,
        pending: true,
        now: ctx.clock(),
      });
      setSessionCookie(reply, ctx, cookieValue, expiresAt);
      return redirect(
        reply,
        next === undefined ? "/login/totp" : `/login/totp?next=${encodeURIComponent(next)}`,
      );
    }
    await throttle.settle(gate.reservation, "signed-in");
    await signedIn(reply, user, false);
    await log({
      type: "signin.succeeded",
      actor: `user:${user.id}`,
      subject: user.id,
      payload: { method: "password", address: address(request) },
      at: ctx.clock(),
    });
    // A program of theirs requires a second factor they do not have yet: enrol first.
    if (await requiresTotp(user.id)) return redirect(reply, "/account/totp");
    return redirect(reply, next ?? DEFAULT_NEXT);
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
        errors: new Map(),
      }),
    );
  });

  app.post("/login/totp", { schema: { hide: true }, ...forms }, async (request, reply) => {
    const found = await sessionOf(ctx, request);
    if (found === undefined || !found.pending) return redirect(reply, "/login");
    const { user } = found;
    const field = await fieldsOf(request);
    const code = field("code").trim();
    const next = safeNext(field("next"));
    const page = (status: number, errors: Map<string, string>) =>
      html(reply, status, TotpLoginPage({ csrfToken: reply.generateCsrf(), next, errors }));

    const gate = await throttle.reserve(user.email, request.ip);
    if (!gate.ok) return page(429, tooMany(reply, gate));

    const now = ctx.clock();
    let method: "totp" | "recovery-code" = "totp";
    let failure: "invalid" | "replayed" | undefined;
    let recoveryLeft: number | undefined;
    if (looksLikeTotpCode(code) && user.totp_secret_ct !== null) {
      const secret = openTotpSecret(ctx.keyring, user.id, user.totp_secret_ct);
      const check = await checkTotp(secret, code, now, user.totp_last_step);
      if (!check.ok) failure = check.reason;
      else if (!(await acceptTotpStep(ctx.store, user.id, check.step))) failure = "replayed";
    } else {
      method = "recovery-code";
      const used = await useRecoveryCode(user.recovery_codes_json, code);
      if (used === undefined) failure = "invalid";
      else if (!(await consumeRecoveryCode(ctx.store, user.id, user.recovery_codes_json, used.remainingJson)))
        failure = "replayed";
      else recoveryLeft = used.remaining;
    }

    if (failure !== undefined) {
      await log({
        type: "signin.failed",
        actor: "anonymous",
        subject: user.id,
        payload: { step: method, reason: failure, address: address(request) },
        at: now,
      });
      const message =
        failure === "replayed" && method === "totp"
          ? "That code was used already. Wait for the next one from your app."
          : "Wrong code.";
      return page(401, new Map([["code", message]]));
    }
    await throttle.settle(gate.reservation, "signed-in");
    await dropBrowserSession(request);
    await signedIn(reply, user, true);
    const events: SecurityEvent[] = [
      {
        type: "signin.succeeded",
        actor: `user:${user.id}`,
        subject: user.id,
        payload: { method, address: address(request) },
        at: now,
      },
    ];
    if (recoveryLeft !== undefined)
      events.push({
        type: "recovery-code.used",
        actor: `user:${user.id}`,
        subject: user.id,
        payload: { left: recoveryLeft },
        at: now,
      });
    await log(...events);
    return redirect(
      reply,
      recoveryLeft !== undefined && recoveryLeft <= 3 ? "/account" : (next ?? DEFAULT_NEXT),
    );
  });

  app.post("/logout", { schema: { hide: true }, ...forms }, async (request, reply) => {
    const found = await sessionOf(ctx, request);
    await dropBrowserSession(request);
    if (found !== undefined)
      await log({
        type: "signout",
        actor: `user:${found.user.id}`,
        subject: found.user.id,
        payload: {},
        at: ctx.clock(),
      });
    clearSessionCookie(reply, ctx);
    return redirect(reply, "/login");
  });

  // -------------------------------------------------------------------------------------------
  // Setup from a one-time link

  interface SetupContext {
    row: SetupToken;
    user: UserRow | undefined;
    /** Offer TOTP enrolment (not when the account already has it, e.g. a password reset). */
    offerTotp: boolean;
    totpRequired: boolean;
  }
  const setupContext = async (token: string): Promise<SetupContext | undefined> => {
    const row = await findSetupToken(ctx.store, token, ctx.clock());
    if (row === undefined) return undefined;
    const user = row.user_id === null ? undefined : await getUser(ctx.store, row.user_id);
    if (row.user_id !== null && (user === undefined || user.disabled_at !== null)) return undefined;
    return {
      row,
      user,
      offerTotp: user?.totp_enabled !== 1,
      totpRequired: await requiresTotp(row.user_id),
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

  // -------------------------------------------------------------------------------------------
  // The account page

  const accountPage = async (
    reply: FastifyReply,
    request: FastifyRequest,
    status: number,
    errors: Map<string, string>,
  ) => {
    const staff = requireSessionStaff(request);
    const user = await currentUser(staff.userId);
    const memberships = await membershipsOf(ctx.store.db, user.id);
    const programs = ctx.programs.all();
    const withheld = staff.twoFactor
      ? []
      : memberships
          .map((m) => m.program)
          .filter((p) =>
            p === ALL_PROGRAMS
              ? programs.some((x) => x.policy.team.requireTwoFactor)
              : ctx.programs.get(p)?.policy.team.requireTwoFactor === true,
          );
    return html(
      reply,
      status,
      AccountPage({
        csrfToken: reply.generateCsrf(),
        email: user.email,
        memberships,
        programNames: new Map(programs.map((p) => [p.policy.program.slug, p.policy.program.name])),
        withheld,
        totpEnabled: user.totp_enabled === 1,
        totpRequired: await requiresTotp(user.id),
        recoveryCodesLeft: parseRecoveryHashes(user.recovery_codes_json).length,
        canManageTokens: adminPrograms(staff).length > 0,
        errors,
      }),
    );
  };
  const currentUser = async (userId: string): Promise<UserRow> => {
    const user = await getUser(ctx.store, userId);
    if (user === undefined) throw new LoginRequired();
    return user;
  };
  const adminPrograms = (staff: Pick<Staff, "roles">) =>
    ctx.programs
      .all()
      .filter((p) => canAdmin(staff, p.policy.program.slug))
      .map((p) => ({ slug: p.policy.program.slug, name: p.policy.program.name }));

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
    const user = await currentUser(staff.userId);
    if (user.totp_enabled === 1) return redirect(reply, "/account");
    return enrolPage(reply, 200, user, new Map());
  });

  // Only the pending secret, never an enabled one: that is shown once, while enrolling.
  app.get("/account/totp.svg", { schema: { hide: true } }, async (request, reply) => {
    const staff = requireSessionStaff(request);
    const user = await currentUser(staff.userId);
    if (user.totp_enabled === 1) throw notFound("Image");
    const secret = await pendingTotpSecret(ctx.store, ctx.keyring, user, newTotpSecret);
    return svg(reply, await totpQrSvg(totpUri(secret, user.email, ctx.config.publicUrl)));
  });

  app.post("/account/totp", { schema: { hide: true }, ...forms }, async (request, reply) => {
    const staff = requireSessionStaff(request);
    const user = await currentUser(staff.userId);
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
    const user = await currentUser(staff.userId);
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

  // -------------------------------------------------------------------------------------------
  // Who am I (the staff API's first endpoint: lets a client check its token)

  app.get(
    "/api/v1/me",
    {
      schema: {
        summary: "The member of staff the request acts as (session or bearer API token)",
        response: { 200: Me, 401: ApiError },
      },
    },
    async (request, reply) => {
      const staff = requireStaff(request);
      return reply.header("cache-control", "no-store").send({
        email: staff.email,
        twoFactor: staff.twoFactor,
        roles: [...staff.roles].map(([program, role]) => ({ program, role })),
        via: staff.apiTokenId === undefined ? "session" : "api-token",
      });
    },
  );

  // -------------------------------------------------------------------------------------------
  // API tokens (administrators, for the programs they administer)

  const tokensPage = async (
    reply: FastifyReply,
    request: FastifyRequest,
    status: number,
    extra: {
      created?: { name: string; token: string };
      values?: Record<string, string>;
      errors?: Map<string, string>;
    },
  ) => {
    const staff = requireSessionStaff(request);
    const programs = adminPrograms(staff);
    if (programs.length === 0)
      throw new HttpError(403, "forbidden", "Only administrators of a program manage its API tokens.");
    const tokens = await listApiTokens(ctx.store, { programs: programs.map((p) => p.slug) });
    return html(
      reply,
      status,
      ApiTokensPage({
        csrfToken: reply.generateCsrf(),
        tokens,
        programs,
        created: extra.created,
        values: extra.values ?? {},
        errors: extra.errors ?? new Map(),
      }),
    );
  };

  app.get("/account/tokens", { schema: { hide: true } }, async (request, reply) =>
    tokensPage(reply, request, 200, {}),
  );

  app.post("/account/tokens", { schema: { hide: true }, ...forms }, async (request, reply) => {
    const staff = requireSessionStaff(request);
    const field = await fieldsOf(request);
    const values = { name: field("name").trim(), program: field("program"), role: field("role") };
    const errors = new Map<string, string>();
    if (values.name === "" || values.name.length > 100)
      errors.set("name", "Give the token a name (at most 100 characters).");
    if (!adminPrograms(staff).some((p) => p.slug === values.program))
      errors.set("program", "Choose a program you administer.");
    if (!isRole(values.role)) errors.set("role", "Choose a role.");
    if (errors.size > 0 || !isRole(values.role)) return tokensPage(reply, request, 400, { values, errors });
    const { token } = await createApiToken(ctx.store, {
      name: values.name,
      program: values.program,
      role: values.role,
      createdBy: staff.userId,
      now: ctx.clock(),
    });
    return tokensPage(reply, request, 200, { created: { name: values.name, token } });
  });

  app.post(
    "/account/tokens/:id/revoke",
    { schema: { params: IdParams, hide: true }, ...forms },
    async (request, reply) => {
      const staff = requireSessionStaff(request);
      const token = await getApiToken(ctx.store, request.params.id);
      if (token === undefined || !canAdmin(staff, token.program)) throw notFound("Token");
      await revokeApiToken(ctx.store, { id: token.id, actorUserId: staff.userId, now: ctx.clock() });
      return redirect(reply, "/account/tokens");
    },
  );
}
