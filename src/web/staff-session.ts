import type { FastifyReply, FastifyRequest } from "fastify";
import { authenticateApiToken } from "../auth/api-tokens.js";
import { assignedOnlyPrograms } from "../auth/assigned-scope.js";
import { findSession, type SessionRow, touchSession } from "../auth/sessions.js";
import { withoutSsoPrograms } from "../auth/sso-rules.js";
import {
  higherRole,
  type ProgramTwoFactor,
  type Role,
  roleFor,
  type Staff,
  type TwoFactorLevel,
  usableRoles,
} from "../auth/staff.js";
import { getUser, membershipsOf, type UserRow } from "../auth/users.js";
import type { WebContext } from "./context.js";
import { HttpError } from "./errors.js";

/**
 * Who is making a request: `loadStaff` (an onRequest hook on the whole app) sets `request.staff`
 * from the session cookie or from an `Authorization: Bearer embargo_…` API token; routes call
 * `requireStaff`. Pages without a session redirect to the sign-in page (the app's error handler
 * turns LoginRequired into a 303 to /login?next=…); the JSON API answers 401.
 */
export const SESSION_COOKIE = "embargo-session";

/** Thrown by requireStaff: a 401 for the API, a redirect to /login for pages. */
export class LoginRequired extends HttpError {
  constructor() {
    super(401, "login_required", "Sign in to continue.");
  }
}

declare module "fastify" {
  interface FastifyRequest {
    /** The member of staff making the request, when signed in or sending an API token. */
    staff?: Staff;
    /** The browser session behind `staff` (absent for API tokens). */
    staffSession?: { idHash: string };
    /** An `Authorization: Bearer` token was sent and is not valid (only staff routes refuse it). */
    apiTokenRejected?: boolean;
  }
}

/** The signed-in member of staff, or LoginRequired (or 401 invalid_token for a bad API token). */
export function requireStaff(request: FastifyRequest): Staff {
  if (request.staff === undefined)
    throw request.apiTokenRejected === true
      ? new HttpError(401, "invalid_token", "The API token is not valid.")
      : new LoginRequired();
  return request.staff;
}

/** A signed-in browser session (account pages are not for API tokens). */
export function requireSessionStaff(request: FastifyRequest): Staff & { sessionIdHash: string } {
  const staff = requireStaff(request);
  if (request.staffSession === undefined)
    throw new HttpError(403, "session_required", "This needs a signed-in browser session, not an API token.");
  return { ...staff, sessionIdHash: request.staffSession.idHash };
}

/**
 * `next` after sign-in: only a path on this site. Anything that a browser could read as
 * another origin (`//host`, `/\host`, a scheme, control characters) is refused: no open redirect.
 */
export function safeNext(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0 || value.length > 2000) return undefined;
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return undefined;
  return value;
}

/** Where a page request without a session is sent. */
export function loginRedirect(request: FastifyRequest): string {
  const next = request.method === "GET" || request.method === "HEAD" ? safeNext(request.url) : undefined;
  return next === undefined ? "/login" : `/login?next=${encodeURIComponent(next)}`;
}

export function programsTwoFactor(ctx: WebContext): ProgramTwoFactor[] {
  return ctx.programs
    .all()
    .map((p) => ({ slug: p.policy.program.slug, requireTwoFactor: p.policy.team.requireTwoFactor }));
}

export function setSessionCookie(reply: FastifyReply, ctx: WebContext, value: string, expiresAt: Date): void {
  reply.setCookie(SESSION_COOKIE, value, {
    path: "/",
    httpOnly: true,
    sameSite: "strict",
    secure: ctx.config.publicUrl.startsWith("https:"),
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply, ctx: WebContext): void {
  reply.clearCookie(SESSION_COOKIE, {
    path: "/",
    httpOnly: true,
    sameSite: "strict",
    secure: ctx.config.publicUrl.startsWith("https:"),
  });
}

/** The session cookie's value, if the browser sent one. */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const value = request.cookies?.[SESSION_COOKIE];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A live session and its user, whichever sign-in step it is at. */
export async function sessionOf(
  ctx: WebContext,
  request: FastifyRequest,
): Promise<{ session: SessionRow; user: UserRow; pending: boolean } | undefined> {
  const value = sessionCookieOf(request);
  if (value === undefined) return undefined;
  const session = await findSession(ctx.store, value, ctx.clock());
  if (session === undefined) return undefined;
  const user = await getUser(ctx.store, session.user_id);
  if (user === undefined || user.disabled_at !== null) return undefined;
  // No password yet: only a session from an identity provider (single sign-on) is theirs.
  if (user.password_hash === null && (session.sso_provider ?? null) === null) return undefined;
  // Pending: the password was right and a second factor (TOTP, or a passkey) is still to come.
  const pending = session.two_factor_passed !== 1 && (user.totp_enabled === 1 || session.pending === 1);
  return { session, user, pending };
}

/** How strongly a session signed in: a password, a second factor, or a passkey. */
export function sessionLevel(
  session: Pick<SessionRow, "two_factor_passed" | "second_factor">,
): TwoFactorLevel {
  if (session.two_factor_passed !== 1) return false;
  return session.second_factor === "passkey" ? "passkey" : true;
}

/** Builds the Staff of a signed-in user (roles narrowed by the two-factor rule). */
export async function staffOf(ctx: WebContext, user: UserRow, level: TwoFactorLevel): Promise<Staff> {
  const memberships = await membershipsOf(ctx.store.db, user.id);
  const roles = usableRoles(memberships, programsTwoFactor(ctx), level);
  const assignedOnly = assignedOnlyPrograms(
    memberships,
    roles,
    user,
    (slug) => ctx.programs.get(slug)?.policy,
  );
  return {
    userId: user.id,
    email: user.email,
    twoFactor: level !== false,
    ...(level === "passkey" ? { passkey: true } : {}),
    roles,
    ...(assignedOnly.size > 0 ? { assignedOnly } : {}),
  };
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The onRequest hook that sets `request.staff`. Static files and the health check skip it. */
export function loadStaff(ctx: WebContext) {
  return async function loadStaffHook(request: FastifyRequest): Promise<void> {
    if (request.url.startsWith("/assets/") || request.url === "/healthz") return;
    const bearer = BEARER.exec(request.headers.authorization ?? "")?.[1];
    if (bearer !== undefined) {
      const identity = await authenticateApiToken(ctx.store, bearer, ctx.clock());
      // Not a refusal here: a public page stays public whatever Authorization header comes
      // with it (a browser extension's, a proxy's); routes that need staff refuse it.
      if (identity === undefined) {
        request.apiTokenRejected = true;
        return;
      }
      // A token never grants more than its creator still has on its program.
      const creator = await membershipsOf(ctx.store.db, identity.userId);
      // A token is a credential of its own, never typed into a page: it meets every sign-in
      // requirement, passkey included (its creator met the program's when they made it).
      const creatorRole = roleFor(
        { roles: usableRoles(creator, programsTwoFactor(ctx), "passkey") },
        identity.program,
      );
      const role: Role | undefined =
        creatorRole === undefined ? undefined : lowerRole(identity.role, creatorRole);
      const roles = role === undefined ? new Map<string, Role>() : new Map([[identity.program, role]]);
      // A token of a member limited to assigned cases is limited the same way.
      const assignedOnly = assignedOnlyPrograms(
        creator,
        roles,
        { id: identity.userId, email: identity.email },
        (slug) => ctx.programs.get(slug)?.policy,
      );
      request.staff = {
        userId: identity.userId,
        email: identity.email,
        twoFactor: true,
        roles,
        ...(assignedOnly.size > 0 ? { assignedOnly } : {}),
        apiTokenId: identity.tokenId,
      };
      return;
    }
    const found = await sessionOf(ctx, request);
    if (found === undefined || found.pending) return;
    await touchSession(ctx.store, found.session, ctx.clock());
    const staff = await staffOf(ctx, found.user, sessionLevel(found.session));
    // Policy team.requireSso: a session that did not come through single sign-on cannot use those programs.
    const sso = ctx.programs
      .all()
      .map((p) => ({ slug: p.policy.program.slug, requireSso: p.policy.team.requireSso }));
    request.staff = {
      ...staff,
      roles: withoutSsoPrograms(staff.roles, sso, found.session.sso_provider ?? null),
    };
    request.staffSession = { idHash: found.session.id_hash };
  };
}

function lowerRole(a: Role, b: Role): Role {
  return higherRole(a, b) === a ? b : a;
}
