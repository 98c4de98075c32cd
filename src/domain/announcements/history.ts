import { z } from "zod";

/**
 * A case's public announcement, as its hash-chained events record it (all internal: the reporter
 * never sees them; their payloads are encrypted like every event's):
 *
 * - `announcement.drafted` {title, slug, body}: a revision of the draft, named by its event's seq.
 *   The current draft is the latest one: the events are the draft's store (no table of drafts
 *   with encrypted columns to keep in step with the chain, and every revision stays on record).
 * - `announcement.approved` {revision}: a second member of the team approved that revision. An
 *   approval counts only for the revision it names, so a later edit needs a new approval.
 * - `announcement.published` {revision, slug, announcementId}: the approved revision went public
 *   (its text is then copied to the `announcements` table, which the public pages read).
 */
export const ANNOUNCEMENT_EVENTS = [
  "announcement.drafted",
  "announcement.approved",
  "announcement.published",
] as const;
export type AnnouncementEventType = (typeof ANNOUNCEMENT_EVENTS)[number];

export const draftedPayload = z.object({ title: z.string(), slug: z.string(), body: z.string() });
export const approvedPayload = z.object({ revision: z.number().int() });
export const publishedPayload = z.object({
  revision: z.number().int(),
  slug: z.string(),
  announcementId: z.string(),
});

/** An event as the store reads it (structurally its DecryptedEvent and StaffEvent). */
export interface AnnouncementEvent {
  seq: number;
  type: string;
  actor: string;
  at: Date;
  payload: unknown;
}

export interface AnnouncementRevision {
  /** The seq of the event that saved it. */
  seq: number;
  title: string;
  slug: string;
  body: string;
  author: string;
  at: Date;
}

export interface AnnouncementHistory {
  revisions: AnnouncementRevision[];
  /** The current draft: the latest revision. */
  latest: AnnouncementRevision | null;
  /** The approval of the latest revision, if any (approvals of earlier revisions do not count). */
  approval: { revision: number; by: string; at: Date } | null;
  published: { revision: number; slug: string; announcementId: string; by: string; at: Date } | null;
}

export function announcementHistory(events: readonly AnnouncementEvent[]): AnnouncementHistory {
  const revisions: AnnouncementRevision[] = [];
  const approvals: { revision: number; by: string; at: Date }[] = [];
  let published: AnnouncementHistory["published"] = null;
  for (const event of events) {
    const { seq, actor, at } = event;
    if (event.type === "announcement.drafted")
      revisions.push({ seq, ...draftedPayload.parse(event.payload), author: actor, at });
    else if (event.type === "announcement.approved")
      approvals.push({ revision: approvedPayload.parse(event.payload).revision, by: actor, at });
    else if (event.type === "announcement.published" && published === null)
      published = { ...publishedPayload.parse(event.payload), by: actor, at };
  }
  const latest = revisions.at(-1) ?? null;
  const approval = latest === null ? null : (approvals.find((a) => a.revision === latest.seq) ?? null);
  return { revisions, latest, approval, published };
}
