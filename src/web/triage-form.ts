import type { TriageInput } from "../commands/triage-input.js";
import {
  CVSS_FORM_FIELDS,
  CVSS_VERSIONS,
  type CvssFormBody,
  type CvssVersion,
  cvssMetricGroups,
  parseCvssForm,
} from "../domain/cvss/calculator.js";
import { PRIORITIES, SEVERITIES } from "../policy/schema.js";
import type { Priority, Severity } from "../store/staff-validation.js";

/**
 * Reads the triage form of a case page (no JavaScript: radio groups, a date input, checkboxes).
 * Every field is sent every time, so the result names every field; the store writes only what
 * changed. The CVSS calculators:
 * - a pasted vector wins over the radio buttons (parseCvssForm);
 * - otherwise each calculator in which something is chosen gives its version's vector, so both
 *   can be pre-filled with the stored vectors and either changed;
 * - "clear" checkboxes remove a stored vector.
 */
export const TRIAGE_FIELDS = {
  priority: "priority",
  dueDate: "due-date",
  severity: "severity",
  asset: "asset",
  tags: "tags",
  sourceTags: "source-tag",
  cwe: "cwe",
  clear: (version: CvssVersion) => `cvss${version.replace(".", "")}-clear`,
} as const;

export type TriageFormResult =
  | { ok: true; input: TriageInput }
  | { ok: false; field: string; message: string };

export function readTriageForm(
  fields: Record<string, string>,
  lists: Record<string, string[]>,
): TriageFormResult {
  const text = (name: string) => (fields[name] ?? "").trim();
  const input: TriageInput = {};

  const priority = text(TRIAGE_FIELDS.priority);
  if (priority === "") input.priority = null;
  else {
    const known = PRIORITIES.find((p): p is Priority => p === priority);
    if (known === undefined)
      return { ok: false, field: TRIAGE_FIELDS.priority, message: `Choose ${PRIORITIES.join(", ")}.` };
    input.priority = known;
  }

  const severity = text(TRIAGE_FIELDS.severity);
  if (severity === "") input.severity = null;
  else {
    const known = SEVERITIES.find((s): s is Severity => s === severity);
    if (known === undefined)
      return { ok: false, field: TRIAGE_FIELDS.severity, message: `Choose ${SEVERITIES.join(", ")}.` };
    input.severity = known;
  }

  const due = text(TRIAGE_FIELDS.dueDate);
  input.dueDate = due === "" ? null : due;
  const asset = text(TRIAGE_FIELDS.asset);
  input.assetId = asset === "" ? null : asset;
  const cwe = text(TRIAGE_FIELDS.cwe);
  input.cwe = cwe === "" ? null : cwe;
  input.tags = [
    ...text(TRIAGE_FIELDS.tags)
      .split(",")
      .map((tag) => tag.trim())
      .filter((tag) => tag !== ""),
    ...(lists[TRIAGE_FIELDS.sourceTags] ?? []),
  ];

  const body: CvssFormBody = lists;
  const pasted = text(CVSS_FORM_FIELDS.vector);
  if (pasted !== "") {
    const parsed = parseCvssForm(body);
    if (!parsed.ok) return { ok: false, field: parsed.field, message: sentence(parsed.message) };
    if (parsed.cvss !== null) input[parsed.cvss.version === "3.1" ? "cvss31" : "cvss40"] = parsed.cvss.vector;
  } else {
    for (const version of CVSS_VERSIONS) {
      const key = version === "3.1" ? "cvss31" : "cvss40";
      if (fields[TRIAGE_FIELDS.clear(version)] !== undefined) {
        input[key] = null;
        continue;
      }
      // This calculator alone, as if it were the only one on the page.
      const own: Record<string, readonly string[]> = { [CVSS_FORM_FIELDS.version]: [version] };
      let chosen = false;
      for (const group of cvssMetricGroups(version)) {
        for (const metric of group.metrics) {
          const name = CVSS_FORM_FIELDS.metric(version, metric.abbreviation);
          const values = lists[name];
          if (values === undefined) continue;
          own[name] = values;
          if (values.some((value) => value !== "" && value !== "X")) chosen = true;
        }
      }
      if (!chosen) continue;
      const parsed = parseCvssForm(own);
      if (!parsed.ok) return { ok: false, field: parsed.field, message: sentence(parsed.message) };
      if (parsed.cvss !== null) input[key] = parsed.cvss.vector;
    }
  }
  return { ok: true, input };
}

function sentence(text: string): string {
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
