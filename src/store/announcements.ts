import type { Kysely, Transaction } from "kysely";
import type { AnnouncementsTable, DatabaseSchema } from "./schema.js";

/**
 * Published announcements (migration 2026120802_announcements): written once, by the publish
 * command in its case's transaction; read by the public pages. The public read never selects
 * `case_id`: nothing public may lead back to the case.
 */

type Db = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;

export interface PublishedAnnouncement {
  id: string;
  slug: string;
  title: string;
  body: string;
  publishedAt: Date;
}

const PUBLIC_COLUMNS = ["id", "slug", "title", "body", "published_at"] as const;

const toPublished = (
  row: Pick<AnnouncementsTable, (typeof PUBLIC_COLUMNS)[number]>,
): PublishedAnnouncement => ({
  id: row.id,
  slug: row.slug,
  title: row.title,
  body: row.body,
  publishedAt: new Date(row.published_at),
});

/** A program's announcements, newest first (at most `limit`). */
export async function publishedAnnouncements(
  db: Db,
  program: string,
  limit = 100,
): Promise<PublishedAnnouncement[]> {
  const rows = await db
    .selectFrom("announcements")
    .select(PUBLIC_COLUMNS)
    .where("program", "=", program)
    .orderBy("published_at", "desc")
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map(toPublished);
}

export async function publishedAnnouncement(
  db: Db,
  program: string,
  slug: string,
): Promise<PublishedAnnouncement | undefined> {
  const row = await db
    .selectFrom("announcements")
    .select(PUBLIC_COLUMNS)
    .where("program", "=", program)
    .where("slug", "=", slug)
    .executeTakeFirst();
  return row === undefined ? undefined : toPublished(row);
}

/** Whether another case's announcement of the program already has this slug. */
export async function slugTakenByAnotherCase(
  db: Db,
  program: string,
  slug: string,
  caseId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom("announcements")
    .select("id")
    .where("program", "=", program)
    .where("slug", "=", slug)
    .where("case_id", "!=", caseId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Inserts the published announcement; false when its slug (or its case) was published meanwhile
 * by a concurrent transaction: the unique index settles the race the earlier check cannot.
 */
export async function insertAnnouncement(
  trx: Transaction<DatabaseSchema>,
  row: AnnouncementsTable,
): Promise<boolean> {
  const inserted = await trx
    .insertInto("announcements")
    .values(row)
    .onConflict((conflict) => conflict.doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
}
