import type { ReporterAssessment } from "../../store/reporter-assessment.js";

/** The severity and scores the team assigned, once the case was triaged (src/store/reporter-assessment.ts). */
export function AssessmentFacts({ assessment }: { assessment: ReporterAssessment | null }) {
  if (assessment === null) return null;
  const scores = [
    ["CVSS 3.1", assessment.cvss31],
    ["CVSS 4.0", assessment.cvss40],
  ] as const;
  return (
    <>
      <dt>Severity</dt>
      <dd>
        {assessment.severity === null
          ? "Not rated"
          : (SEVERITY_NAMES[assessment.severity] ?? assessment.severity)}
      </dd>
      {scores.map(([label, value]) =>
        value === null ? null : (
          <>
            <dt>{label}</dt>
            <dd>
              {value.score.toFixed(1)} <code class="vector">{value.vector}</code>
            </dd>
          </>
        ),
      )}
    </>
  );
}

const SEVERITY_NAMES: Record<string, string> = {
  none: "None",
  low: "Low",
  medium: "Medium",
  high: "High",
  critical: "Critical",
};
