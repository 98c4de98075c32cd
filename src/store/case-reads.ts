import { sql } from "kysely";
import type { Store } from "./database.js";

/**
 * When each member last opened each case (migration 2026121203), and which cases have news from
 * the reporter since: the inbox's "New activity" mark. News is any event whose actor is the
 * reporter (the report itself, their messages, answers, feedback, a publication date) after the
 * last event the member's case page showed them; a case they never opened has news from the start.
 * Events count, not times (see the migration), and the team's own events are never news.
 */

/** The member opened the case and saw its events up to `seenSeq`; never moves back (two tabs). */
export async function markCaseRead(
  store: Store,
  read: { userId: string; caseId: string; seenSeq: number; at: Date },
): Promise<void> {
  await store.db
    .insertInto("case_reads")
    .values({
      user_id: read.userId,
      case_id: read.caseId,
      seen_seq: read.seenSeq,
      read_at: read.at.toISOString(),
    })
    .onConflict((conflict) =>
      conflict.columns(["user_id", "case_id"]).doUpdateSet({
        seen_seq: sql<number>`case when excluded.seen_seq > case_reads.seen_seq then excluded.seen_seq else case_reads.seen_seq end`,
        read_at: (eb) => eb.ref("excluded.read_at"),
      }),
    )
    .execute();
}

/** Of `caseIds`, those with an event by the reporter the member has not seen on the case page. */
export async function casesWithReporterNews(
  store: Store,
  userId: string,
  caseIds: readonly string[],
): Promise<Set<string>> {
  if (caseIds.length === 0) return new Set();
  const rows = await store.db
    .selectFrom("case_events")
    .leftJoin("case_reads", (join) =>
      join.onRef("case_reads.case_id", "=", "case_events.case_id").on("case_reads.user_id", "=", userId),
    )
    .select("case_events.case_id")
    .where("case_events.case_id", "in", caseIds)
    .where("case_events.actor", "=", "reporter")
    .where((eb) =>
      eb.or([
        eb("case_reads.seen_seq", "is", null),
        eb("case_events.seq", ">", eb.ref("case_reads.seen_seq")),
      ]),
    )
    .groupBy("case_events.case_id")
    .execute();
  return new Set(rows.map((row) => row.case_id));
}
