import type { StaffCase, StaffEvent } from "../../store/staff-case-read.js";

/** One event of a case's timeline for the staff JSON API (internal notes included). */
export const eventOf = (event: StaffEvent) => ({
  seq: event.seq,
  type: event.type,
  actor: event.actor,
  at: event.at.toISOString(),
  reporterVisible: event.reporterVisible,
  // Left out rather than null: only messages have a text, only events with files their ids.
  ...(event.text === undefined ? {} : { text: event.text }),
  ...(event.attachmentIds === undefined ? {} : { attachmentIds: event.attachmentIds }),
  payload: event.payload,
});

/**
 * Everyone the case page names, by user id: the team members behind events, assignees now and
 * before, followers. The page shows their email addresses (looked up in one go).
 */
export function userIdsNamedBy(found: StaffCase): string[] {
  const ids = found.events.flatMap((event) => {
    const named = event.actor.startsWith("team:") ? [event.actor.slice("team:".length)] : [];
    if (event.type === "case.assigned" && typeof event.payload === "object" && event.payload !== null)
      for (const who of Object.values(event.payload)) if (typeof who === "string") named.push(who);
    return named;
  });
  if (found.assignee !== null) ids.push(found.assignee);
  return [...ids, ...found.followers];
}
