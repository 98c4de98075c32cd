import type { ExpressionBuilder, SelectQueryBuilder } from "kysely";
import type { DatabaseSchema } from "./schema.js";

/**
 * Which cases a member may see, as the store applies it to any list of cases (the inbox, search,
 * counts, the likely duplicates beside a case): the decision itself is src/web/permissions.ts
 * `canSeeCase`; this is its SQL. Absent (the CLI, audits): every case.
 */
export interface CaseViewer {
  /**
   * Programs where the member sees only the cases assigned to them: the assignee values that count
   * (their user id, `group:<id>` of their team groups).
   */
  assignedOnly?: Readonly<Record<string, readonly string[]>>;
  /** The member (a user id): a confidential case is theirs to see only when they are named on it. */
  member?: string;
}

/** Keeps only the cases `viewer` may see (a query over `cases`). */
export function visibleTo<O>(
  query: SelectQueryBuilder<DatabaseSchema, "cases", O>,
  viewer: CaseViewer,
): SelectQueryBuilder<DatabaseSchema, "cases", O> {
  const limited = Object.entries(viewer.assignedOnly ?? {});
  const member = viewer.member;
  return query
    .$if(limited.length > 0, (q) =>
      q.where((eb) =>
        eb.and(
          limited.map(([program, mine]) =>
            mine.length === 0
              ? eb("program", "!=", program)
              : eb.or([eb("program", "!=", program), eb("assignee", "in", mine)]),
          ),
        ),
      ),
    )
    .$if(member !== undefined, (q) => q.where(namedIfConfidential(member ?? "")));
}

/**
 * A case that is not confidential, or one `member` is named on: for queries that join `cases` to
 * other tables (a problem's linked cases), where `visibleTo` does not fit.
 */
export function namedIfConfidential(member: string) {
  return (eb: ExpressionBuilder<DatabaseSchema, "cases">) =>
    eb.or([
      eb("cases.confidential", "=", 0),
      eb(
        "cases.id",
        "in",
        eb
          .selectFrom("case_members")
          .select("case_members.case_id")
          .where("case_members.user_id", "=", member),
      ),
    ]);
}
