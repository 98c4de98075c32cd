/** Qualitative severity rating scale, shared by CVSS 3.1 (spec section 5) and CVSS 4.0. */
export type CvssSeverity = "None" | "Low" | "Medium" | "High" | "Critical";

/**
 * Maps a CVSS score (0.0 to 10.0) to its qualitative rating:
 * None 0.0, Low 0.1-3.9, Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0.
 * Throws a RangeError for NaN or a score outside 0..10.
 */
export function severityOf(score: number): CvssSeverity {
  if (!Number.isFinite(score) || score < 0 || score > 10) {
    throw new RangeError(`CVSS score must be between 0.0 and 10.0, got ${score}`);
  }
  if (score === 0) return "None";
  if (score < 4) return "Low";
  if (score < 7) return "Medium";
  if (score < 9) return "High";
  return "Critical";
}
