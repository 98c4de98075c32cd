import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Staff } from "../../auth/staff.js";
import { hourStart } from "../../domain/limits/mail-cap-hour.js";
import { mailIntakeDeps } from "../../mail/from-config.js";
import { handleStoredMail } from "../../mail/ingest.js";
import {
  automaticMail,
  inboundMailRaw,
  inboundMailRow,
  mailNeedingAttention,
  markInboundMail,
} from "../../store/inbound-mail.js";
import { readMailCapTallies } from "../../store/mail-cap-tally.js";
import type { WebContext } from "../context.js";
import { HttpError } from "../errors.js";
import { canWorkCase } from "../permissions.js";
import { requireStaff } from "../staff-session.js";
import { MailQueuePage } from "../views/mail-queue-page.js";
import { sendPage } from "./staff/send-page.js";

const Params = z.object({ id: z.string().max(64) });
const QueueQuery = z.object({ notice: z.enum(["dismissed", "retried", "still"]).optional() });
const NOTICES = {
  dismissed: "The message is dismissed (it stays stored).",
  retried: "The message was taken in.",
  still: "The message still cannot be taken in; the reason is below.",
} as const;

/**
 * The queue of mail a person must look at. Responders of a program see its mail; mail for no
 * known program is for those who work on every program.
 */
export async function mailQueueRoutes(scope: FastifyInstance, ctx: WebContext) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const forms = { preHandler: scope.csrfProtection };
  const workable = (staff: Staff) =>
    ctx.programs
      .all()
      .map((p) => p.policy.program.slug)
      .filter((slug) => canWorkCase(staff, slug));
  const everywhere = (staff: Staff) => canWorkCase(staff, "*");
  /** The message, if `staff` may handle it; 404 otherwise (as if it did not exist). */
  const visible = async (staff: Staff, id: string) => {
    const row = await inboundMailRow(ctx.store, id);
    const allowed =
      row !== undefined && (row.program === null ? everywhere(staff) : canWorkCase(staff, row.program));
    if (!allowed) throw new HttpError(404, "not_found", "No such message.");
    return row;
  };
  const back = (reply: FastifyReply, notice: keyof typeof NOTICES) =>
    reply.status(303).header("location", `/mail/queue?notice=${notice}`).send();

  app.get("/mail/queue", { schema: { querystring: QueueQuery, hide: true } }, async (request, reply) => {
    const staff = requireStaff(request);
    const rows = await mailNeedingAttention(ctx.store, workable(staff), everywhere(staff));
    const automatic = await automaticMail(ctx.store, workable(staff), everywhere(staff));
    const notice = request.query.notice;
    // Each program's hourly mail cap, when the SMTP listener (the only door it guards) is on:
    // the cap as configured, and the tally of this UTC hour.
    const now = ctx.clock();
    const listening = ctx.config.smtpPort !== undefined;
    const tallies = await readMailCapTallies(ctx.store, listening ? workable(staff) : [], now);
    const caps = [...tallies].map(([program, tally]) => ({
      program,
      capPerHour: ctx.config.rateLimits.perProgramPerHour,
      taken: tally.takenThisHour,
      refused: tally.refusedThisHour,
      hourMs: hourStart(now),
    }));
    return sendPage(
      reply,
      200,
      MailQueuePage({
        csrfToken: reply.generateCsrf(),
        email: staff.email,
        rows,
        automatic,
        caps,
        ...(notice === undefined ? {} : { notice: NOTICES[notice] }),
      }),
    );
  });

  // The raw message, for a mail program: always a download, never rendered by the browser.
  app.get("/mail/queue/:id/raw", { schema: { params: Params, hide: true } }, async (request, reply) => {
    const staff = requireStaff(request);
    const row = await visible(staff, request.params.id);
    const raw = await inboundMailRaw(ctx.store, ctx.keyring, row.id);
    if (raw === undefined) throw new HttpError(404, "not_found", "No such message.");
    return reply
      .header("cache-control", "no-store")
      .header("content-type", "application/octet-stream")
      .header("content-disposition", `attachment; filename="message-${row.id}.eml"`)
      .header("x-content-type-options", "nosniff")
      .header("content-security-policy", "sandbox")
      .send(raw);
  });

  app.post(
    "/mail/queue/:id/dismiss",
    { schema: { params: Params, hide: true }, ...forms },
    async (request, reply) => {
      const staff = requireStaff(request);
      const row = await visible(staff, request.params.id);
      await markInboundMail(ctx.store.db, row.id, {
        status: "dismissed",
        problem: `${row.problem ?? ""} (dismissed by ${staff.email})`.trim(),
        at: ctx.clock(),
      });
      return back(reply, "dismissed");
    },
  );

  // After the cause is fixed (a key imported, a limit raised), the stored message is handled again;
  // mail too costly to read is read again only so, by a person, in the pool under the same budget.
  app.post(
    "/mail/queue/:id/retry",
    { schema: { params: Params, hide: true }, ...forms },
    async (request, reply) => {
      const staff = requireStaff(request);
      const row = await visible(staff, request.params.id);
      const raw = await inboundMailRaw(ctx.store, ctx.keyring, row.id);
      if (raw === undefined || (row.status !== "needs-attention" && row.status !== "too-costly"))
        throw new HttpError(409, "conflict", "This message was already handled.");
      const deps = mailIntakeDeps(ctx);
      const outcome = await handleStoredMail(deps, row.id, raw, {
        via: row.via,
        rcptTo: [],
        storedFor: row.program,
      });
      const taken = outcome.status !== "needs-attention" && outcome.status !== "too-costly";
      return back(reply, taken ? "retried" : "still");
    },
  );
}
