import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  listPasskeys,
  MAX_PASSKEYS,
  PASSKEY_NAME_MAX,
  removePasskey,
  renamePasskey,
} from "../../../auth/passkeys.js";
import { ALL_PROGRAMS } from "../../../auth/staff.js";
import { membershipsOf } from "../../../auth/users.js";
import { AuthenticationResponse, RegistrationResponse, relyingPartyOf } from "../../../auth/webauthn.js";
import {
  beginRecoveryCodesWithPasskey,
  recoveryCodesWithPasskey,
} from "../../../commands/passkey-confirm.js";
import {
  beginPasskeyRegistration,
  finishPasskeyRegistration,
} from "../../../commands/passkey-registration.js";
import type { WebContext } from "../../context.js";
import { notFound } from "../../errors.js";
import { requireSessionStaff } from "../../staff-session.js";
import { PasskeysPage } from "../../views/passkey-pages.js";
import { json, jsonRoute, refusal } from "./passkey-json.js";
import { currentUser, fieldsOf, formRoute, html, redirect } from "./shared.js";

/** A credential id in a URL: base64url, as long as WebAuthn allows (1023 bytes). */
const IdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(1400)
    .regex(/^[A-Za-z0-9_-]+$/),
});
const RegisterBody = z.object({
  name: z
    .string()
    .max(PASSKEY_NAME_MAX * 4)
    .default(""),
  response: RegistrationResponse,
});

const ConfirmBody = z.object({ response: AuthenticationResponse });

const CONFIRM_REFUSED: Record<string, [number, string]> = {
  "no-passkey": [409, "You have no passkey to confirm with. Use your authenticator app's code."],
  challenge: [400, "This page's request expired or was used already. Reload the page and try again."],
  "unknown-credential": [400, "That passkey is not one of yours here. Use one you added to this account."],
  invalid: [400, "That passkey did not confirm it. Try again."],
  cloned: [400, "That passkey was refused."],
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** A name as typed: control characters out, runs of white space as one space, at most PASSKEY_NAME_MAX. */
export function passkeyName(typed: string): string {
  return typed.replace(CONTROL, " ").replace(/\s+/g, " ").trim().slice(0, PASSKEY_NAME_MAX);
}

const REFUSED: Record<string, [number, string]> = {
  challenge: [400, "This page's request expired or was used already. Reload the page and try again."],
  invalid: [400, "The browser's answer did not check out, so no passkey was added. Try again."],
  exists: [409, "That passkey is registered already."],
  "too-many": [409, `You have ${MAX_PASSKEYS} passkeys, the most one account may have. Remove one first.`],
};

/**
 * The member's passkeys (/account/passkeys): the list, rename and remove (plain forms), and
 * adding one, which needs the page's script: options from a JSON endpoint, the browser's
 * WebAuthn ceremony, the answer posted back. Every change is in the security log
 * (src/auth/passkeys.ts). Another member's passkey is "not found", whatever its id.
 */
export async function passkeyRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const forms = formRoute(scope);
  const posts = jsonRoute(scope);
  const rp = relyingPartyOf(ctx.config.publicUrl);

  const page = async (
    reply: FastifyReply,
    request: FastifyRequest,
    status: number,
    errors: Map<string, string>,
  ) => {
    const staff = requireSessionStaff(request);
    const user = await currentUser(ctx, staff.userId);
    const passkeys = await listPasskeys(ctx.store, user.id);
    // Programs of theirs that want a passkey sign-in, which this session was not.
    const memberships = await membershipsOf(ctx.store.db, user.id);
    const everywhere = memberships.some((m) => m.program === ALL_PROGRAMS);
    const required =
      staff.passkey === true
        ? []
        : ctx.programs
            .all()
            .filter(
              (p) =>
                p.policy.team.requireTwoFactor === "passkey" &&
                (everywhere || memberships.some((m) => m.program === p.policy.program.slug)),
            )
            .map((p) => p.policy.program.name);
    return html(
      reply,
      status,
      PasskeysPage({
        csrfToken: reply.generateCsrf(),
        email: user.email,
        passkeys: passkeys.map((p) => ({
          id: p.id,
          name: p.name,
          createdAt: p.createdAt,
          lastUsedAt: p.lastUsedAt,
        })),
        required,
        errors,
      }),
    );
  };

  app.get("/account/passkeys", { schema: { hide: true } }, async (request, reply) =>
    page(reply, request, 200, new Map()),
  );

  app.post("/account/passkeys/options", { schema: { hide: true }, ...posts }, async (request, reply) => {
    const staff = requireSessionStaff(request);
    const user = await currentUser(ctx, staff.userId);
    const begun = await beginPasskeyRegistration(
      { store: ctx.store, rp },
      { user, sessionIdHash: staff.sessionIdHash, now: ctx.clock() },
    );
    if (begun.outcome === "too-many") {
      const [status, message] = REFUSED["too-many"] ?? [409, ""];
      return refusal(reply, status, "too_many", message);
    }
    return json(reply, 200, begun.options);
  });

  app.post(
    "/account/passkeys",
    { schema: { body: RegisterBody, hide: true }, ...posts },
    async (request, reply) => {
      const staff = requireSessionStaff(request);
      const user = await currentUser(ctx, staff.userId);
      const existing = await listPasskeys(ctx.store, user.id);
      const name = passkeyName(request.body.name) || `Passkey ${existing.length + 1}`;
      const decision = await finishPasskeyRegistration(
        { store: ctx.store, rp },
        { user, sessionIdHash: staff.sessionIdHash, response: request.body.response, name, now: ctx.clock() },
      );
      if (decision.outcome === "refused") {
        const [status, message] = REFUSED[decision.reason] ?? [400, "No passkey was added."];
        return refusal(reply, status, decision.reason.replace("-", "_"), message);
      }
      return json(reply, 200, {
        redirect: "/account/passkeys",
        ...(decision.recoveryCodes === undefined ? {} : { recoveryCodes: decision.recoveryCodes }),
      });
    },
  );

  // New recovery codes, confirmed with a passkey (the account page's script; src/commands/passkey-confirm.ts).
  app.post(
    "/account/recovery-codes/passkey/options",
    { schema: { hide: true }, ...posts },
    async (request, reply) => {
      const staff = requireSessionStaff(request);
      const user = await currentUser(ctx, staff.userId);
      const begun = await beginRecoveryCodesWithPasskey(
        { store: ctx.store, rp },
        { user, sessionIdHash: staff.sessionIdHash, now: ctx.clock() },
      );
      if (begun.outcome === "refused") {
        const [status, message] = CONFIRM_REFUSED[begun.reason] ?? [409, ""];
        return refusal(reply, status, "no_passkey", message);
      }
      return json(reply, 200, begun.options);
    },
  );

  app.post(
    "/account/recovery-codes/passkey",
    { schema: { body: ConfirmBody, hide: true }, ...posts },
    async (request, reply) => {
      const staff = requireSessionStaff(request);
      const user = await currentUser(ctx, staff.userId);
      const decision = await recoveryCodesWithPasskey(
        { store: ctx.store, rp },
        { user, sessionIdHash: staff.sessionIdHash, response: request.body.response, now: ctx.clock() },
      );
      if (decision.outcome === "refused") {
        const [status, message] = CONFIRM_REFUSED[decision.reason] ?? [400, "No new codes were made."];
        return refusal(reply, status, decision.reason.replace("-", "_"), message);
      }
      return json(reply, 200, { redirect: "/account", recoveryCodes: decision.recoveryCodes });
    },
  );

  app.post(
    "/account/passkeys/:id/rename",
    { schema: { params: IdParams, hide: true }, ...forms },
    async (request, reply) => {
      const staff = requireSessionStaff(request);
      const field = await fieldsOf(request);
      const name = passkeyName(field("name"));
      if (name === "")
        return page(
          reply,
          request,
          400,
          new Map([["form", "Give the passkey a name (it may not be empty)."]]),
        );
      const renamed = await renamePasskey(ctx.store, {
        userId: staff.userId,
        id: request.params.id,
        name,
        now: ctx.clock(),
      });
      if (!renamed) throw notFound("Passkey");
      return redirect(reply, "/account/passkeys");
    },
  );

  app.post(
    "/account/passkeys/:id/remove",
    { schema: { params: IdParams, hide: true }, ...forms },
    async (request, reply) => {
      const staff = requireSessionStaff(request);
      const removed = await removePasskey(ctx.store, {
        userId: staff.userId,
        id: request.params.id,
        now: ctx.clock(),
      });
      if (!removed) throw notFound("Passkey");
      return redirect(reply, "/account/passkeys");
    },
  );
}
