import { z } from "zod";

/**
 * A case's link to a problem, as the case's own history tells it: linking and unlinking are case
 * events (internal: the reporter does not see them), so the case page and an audit of the chain
 * say when a case was tied to a problem and by whom. The payload carries the problem's number and
 * title (a title never changes), so the case page needs nothing else to name it.
 */
export const PROBLEM_LINKED = "case.problem_linked";
export const PROBLEM_UNLINKED = "case.problem_unlinked";

const linkPayload = z.object({
  problemId: z.string(),
  number: z.number(),
  title: z.string(),
  /** The problem was opened from this case. */
  opened: z.boolean().optional(),
});
export type ProblemLinkPayload = z.infer<typeof linkPayload>;

export interface CaseProblemLink {
  problemId: string;
  number: number;
  title: string;
}

/** The problem a case is linked to now: its last link, unless an unlink of it came after. */
export function currentProblemLink(
  events: readonly { type: string; payload: unknown }[],
): CaseProblemLink | null {
  let link: CaseProblemLink | null = null;
  for (const event of events) {
    if (event.type !== PROBLEM_LINKED && event.type !== PROBLEM_UNLINKED) continue;
    const parsed = linkPayload.safeParse(event.payload);
    if (!parsed.success) continue;
    const { problemId, number, title } = parsed.data;
    if (event.type === PROBLEM_LINKED) link = { problemId, number, title };
    else if (link?.problemId === problemId) link = null;
  }
  return link;
}
