import { z } from "zod";
import type { Staff } from "../../auth/staff.js";
import { parseCaseReference } from "../../domain/cases/case-number.js";
import { CASE_STATES } from "../../domain/lifecycle/index.js";
import { type InboxFilter, type InboxRow, listInbox } from "../../store/inbox.js";
import { clockNeedsOf } from "../../workspace/inbox-clocks.js";
import type { WebContext } from "../context.js";

/**
 * The inbox's filters, as the page's GET form and the API's query string send them (one schema
 * for both): every value is text, empty meaning "any".
 */
const text = (max: number, description: string) =>
  z.string().trim().max(max).optional().meta({ description });

export const InboxQuery = z.object({
  program: text(64, "A program's slug."),
  state: text(
    20,
    `"open" (the default: every state but closed), "any", or one of ${CASE_STATES.join(", ")}.`,
  ),
  severity: text(20, "none, low, medium, high or critical."),
  assignee: text(64, `"me", "unassigned", a user id, or group:<id> for a team group of the policy.`),
  asset: text(64, "An in-scope asset's id."),
  source: text(10, "web, api, email, or staff (an incident the team opened)."),
  tag: text(48, "A tag."),
  overdue: text(5, `"yes": only cases past their next deadline; "no": only the others.`),
  q: text(
    200,
    "Words that must all be in the case: its title, its report, the reporter's messages, the team's replies or its internal notes (anywhere, through a keyed blind index); or a case's reference, KITSU-12 (any case), or #12 (that number in the programs the other filters cover).",
  ),
  after: text(300, "The `next` of the previous page."),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: "Rows per page (default 50)." }),
});
export type InboxQueryValue = z.infer<typeof InboxQuery>;

export const OPEN_STATES = CASE_STATES.filter((state) => state !== "closed");

/** The store's filter for a query, limited to the programs the user may see. */
export function inboxFilterOf(
  query: InboxQueryValue,
  staff: Pick<Staff, "userId">,
  viewable: readonly string[],
  now: Date,
  assignedOnly?: InboxFilter["assignedOnly"],
): InboxFilter {
  const filter: InboxFilter = {
    programs: query.program ? viewable.filter((slug) => slug === query.program) : viewable,
    now,
    limit: query.limit ?? 50,
    // Confidential cases only for the members named on them.
    member: staff.userId,
    ...(assignedOnly === undefined || Object.keys(assignedOnly).length === 0 ? {} : { assignedOnly }),
  };
  const state = query.state || "open";
  if (state === "open") filter.states = OPEN_STATES;
  else if (state !== "any") filter.states = [state];
  if (query.severity) filter.severity = [query.severity];
  if (query.assignee === "me") filter.assignee = staff.userId;
  else if (query.assignee === "unassigned") filter.assignee = null;
  else if (query.assignee) filter.assignee = query.assignee;
  if (query.asset) filter.asset = query.asset;
  if (query.source) filter.source = query.source;
  if (query.tag) filter.tag = query.tag;
  if (query.overdue === "yes" || query.overdue === "true") filter.overdue = true;
  else if (query.overdue === "no" || query.overdue === "false") filter.overdue = false;
  if (query.q) searchFor(filter, query.q);
  if (query.after) filter.after = query.after;
  return filter;
}

/**
 * `q` as a case's reference (src/domain/cases/case-number.ts) when it reads as one: `#12` in the
 * programs already chosen, `KITSU-12` in Kitsu when the member may see it; else as search words
 * (so `CVE-2026`, whose "program" is none of theirs, is still searched as words).
 */
function searchFor(filter: InboxFilter, q: string): void {
  const reference = parseCaseReference(q);
  const programs = filter.programs === "*" ? undefined : filter.programs;
  if (reference?.program === undefined) {
    if (reference === undefined) filter.text = q;
    else filter.number = reference.number;
  } else if (programs === undefined || programs.includes(reference.program)) {
    filter.number = reference.number;
    filter.programs = [reference.program];
  } else {
    filter.text = q;
  }
}

/** One page of the inbox for a query (the page and the API list the same rows). */
export function inboxPageOf(
  ctx: Pick<WebContext, "store" | "keyring" | "programs">,
  query: InboxQueryValue,
  staff: Pick<Staff, "userId">,
  viewable: readonly string[],
  now: Date,
  assignedOnly?: InboxFilter["assignedOnly"],
): Promise<{ rows: InboxRow[]; next?: string }> {
  return listInbox(ctx.store, ctx.keyring, {
    ...inboxFilterOf(query, staff, viewable, now, assignedOnly),
    clockNeeds: clockNeedsOf(ctx.programs),
  });
}
