import type { CasesTable } from "./schema.js";
import type { CvssValue } from "./staff-validation.js";

/**
 * The team's assessment as the reporter sees it on their page: the severity and the CVSS scores
 * the team assigned. Shown once the case was triaged (as HackerOne does), never before: a first
 * guess while the team is still looking is not an answer. Priority, due date, CWE and tags stay
 * the team's.
 */
export interface ReporterAssessment {
  severity: string | null;
  cvss31: CvssValue | null;
  cvss40: CvssValue | null;
}

type AssessmentColumns = Pick<
  CasesTable,
  "triaged_at" | "severity" | "cvss31_vector" | "cvss31_score" | "cvss40_vector" | "cvss40_score"
>;

const cvssOf = (vector: string | null, score: number | null): CvssValue | null =>
  vector === null || score === null ? null : { vector, score };

/** Null until the case was triaged (`triaged_at` stays set once it was, whatever follows). */
export function reporterAssessmentOf(row: AssessmentColumns): ReporterAssessment | null {
  if (row.triaged_at === null) return null;
  return {
    severity: row.severity,
    cvss31: cvssOf(row.cvss31_vector, row.cvss31_score),
    cvss40: cvssOf(row.cvss40_vector, row.cvss40_score),
  };
}
