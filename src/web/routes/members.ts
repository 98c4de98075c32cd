import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { listMembers, type MemberOverview } from "../../auth/members.js";
import {
  disableUser,
  enableUser,
  keepsProgram,
  removeMembership,
  removeUser,
  revokeUserTokens,
} from "../../auth/offboarding.js";
import { ALL_PROGRAMS, type Staff } from "../../auth/staff.js";
import { releaseCases } from "../../commands/offboarding-cases.js";
import type { WebContext } from "../context.js";
import { HttpError } from "../errors.js";
import { readFormBody, requireFormContentType } from "../form-body.js";
import { canAdmin, canManageAccount, canRemoveMembership, canSeeMember } from "../permissions.js";
import { requireSessionStaff } from "../staff-session.js";
import { type MemberRow, MembersPage } from "../views/members-page.js";
import { sendPage } from "./staff/send-page.js";

/**
 * The members page (/admin/members) and its actions: disable, enable, revoke API tokens, remove
 * a role on a program, remove the member. Administrators only, from a signed-in browser (not an
 * API token); who may act on whom is decided in src/web/permissions.ts. Each action is a plain
 * form with a CSRF token, answered with a redirect back to the page and a notice.
 */
const DONE = {
  disabled: "disabled: their sessions ended and their API tokens were revoked",
  enabled: "enabled: they can sign in with their password again",
  "tokens-revoked": "API tokens revoked",
  "membership-removed": "role removed; cases of programs they no longer see were unassigned",
  removed: "removed: every role, the password and second factor, sessions and API tokens are gone",
} as const;
type Done = keyof typeof DONE;

const PageQuery = z.object({
  done: z.enum(Object.keys(DONE) as [Done, ...Done[]]).optional(),
  member: z.string().max(64).optional(),
});
const MemberParams = z.object({ id: z.string().max(64) });

export async function memberRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const forms = { onRequest: requireFormContentType, preHandler: scope.csrfProtection };

  const requireAdmin = (request: FastifyRequest) => {
    const staff = requireSessionStaff(request);
    const administers =
      canAdmin(staff, ALL_PROGRAMS) || ctx.programs.all().some((p) => canAdmin(staff, p.policy.program.slug));
    if (!administers) throw new HttpError(403, "forbidden", "Only administrators manage members.");
    return staff;
  };

  const rowOf = (staff: Staff, member: MemberOverview): MemberRow => ({
    ...member,
    manageable: canManageAccount(staff, member.memberships),
    removable: new Set(
      member.memberships.map((m) => m.program).filter((program) => canRemoveMembership(staff, program)),
    ),
    self: member.id === staff.userId,
  });

  const page = async (
    reply: FastifyReply,
    staff: Staff,
    status: number,
    message: { notice?: { done: Done; member?: string }; error?: string },
  ) => {
    const members = (await listMembers(ctx.store))
      .filter((member) => canSeeMember(staff, member.memberships))
      .map((member) => rowOf(staff, member));
    const named = members.find((m) => m.id === message.notice?.member);
    // Named only when still listed (a member removed from one's last program is not).
    const notice =
      message.notice === undefined
        ? undefined
        : `${named?.email ?? "The member"} ${DONE[message.notice.done]}.`;
    return sendPage(
      reply,
      status,
      MembersPage({
        csrfToken: reply.generateCsrf(),
        email: staff.email,
        members,
        programNames: new Map(ctx.programs.all().map((p) => [p.policy.program.slug, p.policy.program.name])),
        ...(notice === undefined ? {} : { notice }),
        ...(message.error === undefined ? {} : { error: message.error }),
      }),
    );
  };

  /** The member behind `id`, if the administrator may see them; otherwise 404, as if there were none. */
  const memberFor = async (staff: Staff, id: string): Promise<MemberRow> => {
    const member = (await listMembers(ctx.store)).find((m) => m.id === id);
    if (member === undefined || !canSeeMember(staff, member.memberships))
      throw new HttpError(404, "not_found", "No such member.");
    return rowOf(staff, member);
  };
  const requireManageable = (member: MemberRow) => {
    if (!member.manageable)
      throw new HttpError(
        403,
        "forbidden",
        "This member has roles on programs you do not administer: ask an administrator of every program.",
      );
  };
  const done = (reply: FastifyReply, what: Done, member: MemberRow) =>
    reply
      .status(303)
      .header("cache-control", "no-store")
      .header("location", `/admin/members?done=${what}&member=${encodeURIComponent(member.id)}`)
      .send();
  /** Refused on one's own account: an administrator who locks themselves out needs the command line. */
  const notYourself = (reply: FastifyReply, staff: Staff, member: MemberRow) =>
    member.self
      ? page(reply, staff, 409, {
          error:
            "You cannot do this to your own account here; another administrator (or `embargo user`) can.",
        })
      : undefined;
  const command = (staff: Staff, member: MemberRow) => ({
    userId: member.id,
    actor: `user:${staff.userId}`,
    now: ctx.clock(),
  });
  const release = (staff: Staff, member: MemberRow, stillSees: (program: string) => boolean) =>
    releaseCases(ctx, {
      userId: member.id,
      stillSees,
      caseActor: `team:${staff.userId}`,
      actor: `user:${staff.userId}`,
      now: ctx.clock(),
    });

  app.get("/admin/members", { schema: { querystring: PageQuery, hide: true } }, async (request, reply) => {
    const staff = requireAdmin(request);
    const { done: what, member } = request.query;
    return page(
      reply,
      staff,
      200,
      what === undefined ? {} : { notice: { done: what, ...(member === undefined ? {} : { member }) } },
    );
  });

  // Actions on a whole account: an administrator of every program it has a role on.
  const accountAction = (
    path: string,
    what: Done,
    act: (store: WebContext["store"], command: Parameters<typeof disableUser>[1]) => Promise<unknown>,
    { refuseSelf }: { refuseSelf: boolean },
  ) =>
    app.post(path, { schema: { params: MemberParams, hide: true }, ...forms }, async (request, reply) => {
      const staff = requireSessionStaff(request);
      const member = await memberFor(staff, request.params.id);
      requireManageable(member);
      const refused = refuseSelf ? notYourself(reply, staff, member) : undefined;
      if (refused !== undefined) return refused;
      await act(ctx.store, command(staff, member));
      return done(reply, what, member);
    });
  // Disabling oneself would lock the last administrator out; enabling and revoking are harmless.
  accountAction("/admin/members/:id/disable", "disabled", disableUser, { refuseSelf: true });
  accountAction("/admin/members/:id/enable", "enabled", enableUser, { refuseSelf: false });
  accountAction("/admin/members/:id/revoke-tokens", "tokens-revoked", revokeUserTokens, {
    refuseSelf: false,
  });

  app.post(
    "/admin/members/:id/memberships/remove",
    { schema: { params: MemberParams, hide: true }, ...forms },
    async (request, reply) => {
      const staff = requireSessionStaff(request);
      const member = await memberFor(staff, request.params.id);
      const { fields } = await readFormBody(request, 0);
      const program = fields.program ?? "";
      if (!member.memberships.some((m) => m.program === program))
        return page(reply, staff, 400, { error: `${member.email} has no such role.` });
      if (!canRemoveMembership(staff, program))
        throw new HttpError(403, "forbidden", "Only an administrator of that program removes roles on it.");
      const refused = notYourself(reply, staff, member);
      if (refused !== undefined) return refused;
      const { remaining } = await removeMembership(ctx.store, { ...command(staff, member), program });
      await release(staff, member, (p) => keepsProgram(remaining, p));
      return done(reply, "membership-removed", member);
    },
  );

  app.post(
    "/admin/members/:id/remove",
    { schema: { params: MemberParams, hide: true }, ...forms },
    async (request, reply) => {
      const staff = requireSessionStaff(request);
      const member = await memberFor(staff, request.params.id);
      requireManageable(member);
      const refused = notYourself(reply, staff, member);
      if (refused !== undefined) return refused;
      const { fields } = await readFormBody(request, 0);
      if (fields.confirm !== "yes")
        return page(reply, staff, 400, {
          error: `Tick the box to confirm removing ${member.email}: it cannot be undone from this page.`,
        });
      await removeUser(ctx.store, command(staff, member));
      await release(staff, member, () => false);
      return done(reply, "removed", member);
    },
  );
}
