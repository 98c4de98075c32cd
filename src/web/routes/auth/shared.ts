import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { PASSWORD_MAX_LENGTH } from "../../../auth/passwords.js";
import type { Limit } from "../../../auth/signin-throttle.js";
import type { Staff } from "../../../auth/staff.js";
import { getUser, type UserRow } from "../../../auth/users.js";
import type { WebContext } from "../../context.js";
import { HttpError } from "../../errors.js";
import { readFormBody, requireFormContentType } from "../../form-body.js";
import { canAdmin } from "../../permissions.js";
import { LoginRequired } from "../../staff-session.js";
import { sendPage } from "../staff/send-page.js";

/**
 * What the sign-in, setup, account and token routes share: their replies (never cached), form
 * fields with a length cap, the throttle's "wait" message, the signed-in user.
 */

/** Form fields are short; a body this size is already suspicious (formbody allows 1 MB). */
const MAX_FIELD = 4 * PASSWORD_MAX_LENGTH;

/** Route options of a form post: a form body, and a CSRF token checked before the handler. */
export const formRoute = (scope: FastifyInstance) =>
  ({ onRequest: requireFormContentType, preHandler: scope.csrfProtection }) as const;

/** Routes whose URL holds a secret (setup links): the request log, which records URLs, skips them. */
export const quiet = { logLevel: "warn" } as const;

/** A page of the sign-in and account routes: never cached; account pages get the staff chrome. */
export const html = sendPage;

export const svg = (reply: FastifyReply, body: string) =>
  reply.header("cache-control", "no-store").type("image/svg+xml").send(body);

export const redirect = (reply: FastifyReply, location: string) =>
  reply.status(303).header("cache-control", "no-store").header("location", location).send();

/** Reads the form; the getter returns "" for a missing field and refuses one that is too long. */
export const fieldsOf = async (request: FastifyRequest) => {
  const { fields } = await readFormBody(request, 0);
  const get = (name: string) => {
    const value = fields[name] ?? "";
    if (value.length > MAX_FIELD) throw new HttpError(413, "too_large", "A field is too long.");
    return value;
  };
  return get;
};

/** The throttle said wait: sets Retry-After and returns the form error that says how long. */
export const tooMany = (reply: FastifyReply, refused: { limit: Limit; retryAfterSeconds: number }) => {
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

/** The signed-in user's row; gone (deleted meanwhile) means signing in again. */
export const currentUser = async (ctx: WebContext, userId: string): Promise<UserRow> => {
  const user = await getUser(ctx.store, userId);
  if (user === undefined) throw new LoginRequired();
  return user;
};

/** The programs `staff` administers, whose API tokens they manage. */
export const adminPrograms = (ctx: WebContext, staff: Pick<Staff, "roles">) =>
  ctx.programs
    .all()
    .filter((p) => canAdmin(staff, p.policy.program.slug))
    .map((p) => ({ slug: p.policy.program.slug, name: p.policy.program.name }));
