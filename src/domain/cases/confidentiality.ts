/**
 * Confidential cases (issue 16): a case only the members named on it may see. Pure: the case's
 * current list and the requested one in, the change (or a refusal) out.
 *
 * - Whoever marks a case confidential (or changes its list) is always on it: nobody can lock the
 *   case away from everyone, themselves included.
 * - Only members with a role on the case's program can be named (`eligible`).
 * - Unmarking clears the list: the case is again visible to every member of the program.
 * - Only someone who can see the case can reach this, so once confidential only a named member
 *   (who can work the program) changes or lifts it; an administrator who is not named cannot.
 */
export interface Confidentiality {
  confidential: boolean;
  /** User ids named on the case (empty when not confidential). */
  members: readonly string[];
}

export type ConfidentialityDecision =
  | { kind: "refused"; field: "members"; message: string }
  | { kind: "unchanged" }
  | { kind: "changed"; next: Confidentiality; added: string[]; removed: string[] };

/** At most this many names on one case: a list for people, not a whole team. */
export const MAX_CASE_MEMBERS = 50;

export function decideConfidentiality(
  current: Confidentiality,
  requested: Confidentiality,
  actor: string,
  eligible: ReadonlySet<string>,
): ConfidentialityDecision {
  const wanted = requested.confidential ? [...new Set([actor, ...requested.members])].sort() : [];
  const unknown = wanted.filter((id) => !eligible.has(id));
  if (unknown.length > 0)
    return { kind: "refused", field: "members", message: "Name only members of the case's program." };
  if (wanted.length > MAX_CASE_MEMBERS)
    return { kind: "refused", field: "members", message: `Name at most ${MAX_CASE_MEMBERS} members.` };
  const before = new Set(current.members);
  const after = new Set(wanted);
  const added = wanted.filter((id) => !before.has(id));
  const removed = [...before].filter((id) => !after.has(id)).sort();
  if (current.confidential === requested.confidential && added.length === 0 && removed.length === 0)
    return { kind: "unchanged" };
  return { kind: "changed", next: { confidential: requested.confidential, members: wanted }, added, removed };
}

/** May the member with `userId` see a case with this confidentiality (their role aside)? */
export function namedOn(confidentiality: Confidentiality, userId: string): boolean {
  return !confidentiality.confidential || confidentiality.members.includes(userId);
}

/**
 * The case's confidentiality as its events tell it (each `case.confidentiality_changed` adds and
 * removes names): what the case page shows, from the same log the list was written with.
 */
export function confidentialityFromEvents(
  events: readonly { type: string; payload: unknown }[],
): Confidentiality {
  let confidential = false;
  const members = new Set<string>();
  for (const event of events) {
    if (event.type !== "case.confidentiality_changed") continue;
    const payload = event.payload as { confidential?: unknown; added?: unknown; removed?: unknown };
    confidential = payload.confidential === true;
    for (const id of Array.isArray(payload.added) ? payload.added : [])
      if (typeof id === "string") members.add(id);
    for (const id of Array.isArray(payload.removed) ? payload.removed : [])
      if (typeof id === "string") members.delete(id);
  }
  return { confidential, members: [...members].sort() };
}
