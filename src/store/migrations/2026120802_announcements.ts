import type { Kysely } from "kysely";

/**
 * `announcements`: a program's published security announcements (src/commands/announcements.ts),
 * read by its public pages and Atom feed. Published text is public, so it is stored in plain text
 * (drafts are not: they live in the case's encrypted events). One announcement per case, one
 * slug per program. `id` is the announcement's own random id (its feed entry's urn:uuid), never
 * shown with the case id. Times are ISO-8601 text, as elsewhere.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("announcements")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("program", "text", (c) => c.notNull())
    .addColumn("slug", "text", (c) => c.notNull())
    .addColumn("case_id", "text", (c) => c.notNull().unique().references("cases.id"))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("published_at", "text", (c) => c.notNull())
    .addUniqueConstraint("announcements_program_slug", ["program", "slug"])
    .execute();
  // The list and the feed: a program's announcements, newest first.
  await db.schema
    .createIndex("announcements_program_published_at")
    .on("announcements")
    .columns(["program", "published_at"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("announcements").execute();
}
