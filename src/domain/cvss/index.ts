import { CvssError } from "./cvss-error.js";
import { type Cvss31Result, scoreCvss31 } from "./cvss31.js";
import { type Cvss40Result, scoreCvss40 } from "./cvss40.js";

export { CvssError } from "./cvss-error.js";
export type { Cvss31Result } from "./cvss31.js";
export { scoreCvss31 } from "./cvss31.js";
export type { Cvss40Result } from "./cvss40.js";
export { scoreCvss40 } from "./cvss40.js";
export { type CvssSeverity, severityOf } from "./severity.js";

export type CvssResult = Cvss31Result | Cvss40Result;

/**
 * Scores a CVSS 3.1 or 4.0 vector string, dispatching on its `CVSS:3.1/` or `CVSS:4.0/` prefix.
 * Surrounding whitespace is ignored; `vector` in the result is the trimmed input.
 * @throws CvssError for an unsupported prefix or an invalid vector (with `metric` naming the culprit).
 */
export function scoreCvss(vector: string): CvssResult {
  const trimmed = vector.trim();
  if (trimmed.startsWith("CVSS:3.1/")) return scoreCvss31(trimmed);
  if (trimmed.startsWith("CVSS:4.0/")) return scoreCvss40(trimmed);
  if (trimmed === "") throw new CvssError("CVSS vector: empty string");
  const head = trimmed.split("/", 1)[0] ?? trimmed;
  throw new CvssError(`CVSS vector: unsupported prefix '${head}' (expected CVSS:3.1/ or CVSS:4.0/)`);
}
