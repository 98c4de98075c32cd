import type { ExpressionBuilder, Kysely } from "kysely";
import { caseReference } from "../domain/cases/case-number.js";
import type { DatabaseSchema } from "./schema.js";

/**
 * What `embargo guard` must not let a public fix name: the identifiers of the cases still under
 * embargo. A case is under embargo until it is disclosed: not in state `disclosed`, nothing of it
 * in `published_affected`, and not closed with an outcome other than `resolved` (a duplicate, spam
 * or out-of-scope report has nothing to protect; a case closed as resolved without a disclosure
 * keeps its secret). Its identifiers are its rows of `case_identifiers` (CVE id, aliases), its
 * own id and its number (`KITSU-12`: as telling in a commit message as the id), all upper case.
 * Reads plaintext columns only: no key is needed.
 */
export interface EmbargoedIdentifier {
  program: string;
  /** Upper case: `CVE-2026-12345`, `GHSA-…`, the case id, or its number (`KITSU-12`). */
  value: string;
  kind: "cve" | "alias" | "case" | "number";
  caseId: string;
}

function underEmbargo(eb: ExpressionBuilder<DatabaseSchema, "cases">) {
  return eb.and([
    eb("cases.state", "!=", "disclosed"),
    eb.not(
      eb.and([
        eb("cases.state", "=", "closed"),
        eb("cases.outcome", "is not", null),
        eb("cases.outcome", "!=", "resolved"),
      ]),
    ),
    eb.not(
      eb.exists(
        eb
          .selectFrom("published_affected")
          .select("published_affected.id")
          .whereRef("published_affected.case_id", "=", "cases.id"),
      ),
    ),
  ]);
}

/** The identifiers under embargo of `program`, or of every program; sorted by program and value. */
export async function embargoedIdentifiers(
  db: Kysely<DatabaseSchema>,
  program?: string,
): Promise<EmbargoedIdentifier[]> {
  let identifiers = db
    .selectFrom("case_identifiers")
    .innerJoin("cases", "cases.id", "case_identifiers.case_id")
    .select(["case_identifiers.program", "case_identifiers.value", "case_identifiers.kind", "cases.id"])
    .where(underEmbargo);
  let cases = db
    .selectFrom("cases")
    .select(["cases.program", "cases.id", "cases.number"])
    .where(underEmbargo);
  if (program !== undefined) {
    identifiers = identifiers.where("case_identifiers.program", "=", program);
    cases = cases.where("cases.program", "=", program);
  }
  const [identifierRows, caseRows] = await Promise.all([identifiers.execute(), cases.execute()]);
  const all: EmbargoedIdentifier[] = [
    ...identifierRows.map((row) => ({
      program: row.program,
      value: row.value.toUpperCase(),
      kind: row.kind,
      caseId: row.id,
    })),
    ...caseRows.flatMap((row) => [
      { program: row.program, value: row.id.toUpperCase(), kind: "case" as const, caseId: row.id },
      ...(row.number === null || row.number === undefined
        ? []
        : [
            {
              program: row.program,
              value: caseReference(row.program, row.number),
              kind: "number" as const,
              caseId: row.id,
            },
          ]),
    ]),
  ];
  return all.sort((a, b) =>
    a.program === b.program
      ? a.value < b.value
        ? -1
        : a.value > b.value
          ? 1
          : 0
      : a.program < b.program
        ? -1
        : 1,
  );
}
