/**
 * What a closed case's retention rules (`retention` in the policy) say must be erased now. Pure:
 * the policy's days, the case's dates and a clock in; the erasures due out, the widest first (a
 * content erasure takes the contact details and the files with it).
 */
export type RetentionErasure = "content" | "contact" | "files";

export interface RetentionRules {
  contactDetailsAfterClose?: { days: number } | undefined;
  attachmentsAfterClose?: { days: number } | undefined;
  caseAfterClose?: { days: number } | undefined;
}

export interface RetentionFacts {
  closedAt: Date | null;
  erasedAt: Date | null;
  contactErasedAt: Date | null;
  filesErasedAt: Date | null;
}

const DAY_MS = 86_400_000;

export function dueErasures(rules: RetentionRules, facts: RetentionFacts, now: Date): RetentionErasure[] {
  if (facts.closedAt === null || facts.erasedAt !== null) return [];
  const closed = facts.closedAt.getTime();
  const due = (rule: { days: number } | undefined) =>
    rule !== undefined && now.getTime() >= closed + rule.days * DAY_MS;
  if (due(rules.caseAfterClose)) return ["content"];
  const erasures: RetentionErasure[] = [];
  if (facts.contactErasedAt === null && due(rules.contactDetailsAfterClose)) erasures.push("contact");
  if (facts.filesErasedAt === null && due(rules.attachmentsAfterClose)) erasures.push("files");
  return erasures;
}

/** The longest a case may stay closed before one of `rules` applies to it: which cases to look at. */
export function shortestRetentionDays(rules: RetentionRules): number | undefined {
  const days = [rules.caseAfterClose, rules.contactDetailsAfterClose, rules.attachmentsAfterClose]
    .filter((rule): rule is { days: number } => rule !== undefined)
    .map((rule) => rule.days);
  return days.length === 0 ? undefined : Math.min(...days);
}
