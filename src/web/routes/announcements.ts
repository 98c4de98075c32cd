import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { isValidSlug } from "../../domain/announcements/slug.js";
import { publishedAnnouncement, publishedAnnouncements } from "../../store/announcements.js";
import type { WebContext } from "../context.js";
import { notFound } from "../errors.js";
import { AnnouncementList, AnnouncementPage, announcementFeed } from "../views/announcement-pages.js";
import { renderPage } from "../views/layout.js";

const ProgramParams = z.object({ program: z.string().max(64) });
const AnnouncementParams = ProgramParams.extend({ slug: z.string() });

/**
 * Public announcements of the programs whose policy sets `disclosure.publicAnnouncement`: the
 * list (newest first), each announcement's page, and the Atom feed. Other programs, unknown
 * slugs and malformed ones are 404. Published text is public and final, so caches may keep it a
 * few minutes; the app's CSP (no scripts but ours, no inline anything) applies as everywhere.
 */
export async function announcementRoutes(app: FastifyInstance, ctx: WebContext) {
  const program = (slug: string) => {
    const loaded = ctx.programs.get(slug);
    if (loaded === undefined || !loaded.policy.disclosure.publicAnnouncement) throw notFound("Announcements");
    return loaded;
  };
  const publicCache = (reply: FastifyReply) => reply.header("cache-control", "public, max-age=300");

  app.get(
    "/p/:program/announcements",
    { schema: { params: ProgramParams, hide: true } },
    async (request, reply) => {
      const loaded = program((request.params as z.infer<typeof ProgramParams>).program);
      const announcements = await publishedAnnouncements(ctx.store.db, loaded.policy.program.slug);
      return publicCache(reply)
        .type("text/html; charset=utf-8")
        .send(renderPage(AnnouncementList({ program: loaded, announcements })));
    },
  );

  app.get(
    "/p/:program/announcements.atom",
    { schema: { params: ProgramParams, hide: true } },
    async (request, reply) => {
      const loaded = program((request.params as z.infer<typeof ProgramParams>).program);
      const announcements = await publishedAnnouncements(ctx.store.db, loaded.policy.program.slug);
      const feed = announcementFeed({
        program: loaded,
        announcements,
        publicUrl: ctx.config.publicUrl,
        now: ctx.clock(),
      });
      return publicCache(reply).type("application/atom+xml; charset=utf-8").send(feed);
    },
  );

  app.get(
    "/p/:program/announcements/:slug",
    { schema: { params: AnnouncementParams, hide: true } },
    async (request, reply) => {
      const params = request.params as z.infer<typeof AnnouncementParams>;
      const loaded = program(params.program);
      const announcement = isValidSlug(params.slug)
        ? await publishedAnnouncement(ctx.store.db, loaded.policy.program.slug, params.slug)
        : undefined;
      if (announcement === undefined) throw notFound("Announcement");
      return publicCache(reply)
        .type("text/html; charset=utf-8")
        .send(renderPage(AnnouncementPage({ program: loaded, announcement })));
    },
  );
}
