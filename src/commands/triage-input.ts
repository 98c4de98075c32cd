import { normaliseVector } from "../domain/cvss/calculator.js";
import { CvssError, scoreCvss31, scoreCvss40, severityOf } from "../domain/cvss/index.js";
import { findCwe, parseCweId } from "../domain/cwe/index.js";
import type { LoadedPolicy } from "../policy/loader.js";
import type { Policy } from "../policy/schema.js";
import type { StaffCase } from "../store/staff-case-read.js";
import { InvalidCaseCommandError } from "../store/staff-errors.js";
import type { CvssValue, Priority, Severity, TeamActor } from "../store/staff-validation.js";
import { parseDueDate } from "../workspace/local-time.js";
import type { CommandDeps } from "./case-change.js";
import { type TriageChanges, updateTriage } from "./triage.js";

/** Triage as a person or a client asks for it; a field left out stays as it is, null clears it. */
export interface TriageInput {
  priority?: Priority | null;
  /** "YYYY-MM-DD" (the end of that day in the program's time zone) or an ISO 8601 instant. */
  dueDate?: string | null;
  assetId?: string | null;
  tags?: string[];
  /** "CWE-79" or "79". */
  cwe?: string | null;
  /** Vectors; their scores are computed here. */
  cvss31?: string | null;
  cvss40?: string | null;
  /** Used only while the case has no CVSS score: a score decides the severity. */
  severity?: Severity | null;
}

/**
 * Checks triage against the policy and the catalogues and applies it (one event with the diff).
 * Throws InvalidCaseCommandError naming the field.
 */
export async function triageCase(
  deps: CommandDeps,
  program: LoadedPolicy,
  current: StaffCase,
  actor: TeamActor,
  input: TriageInput,
) {
  const changes = triageChanges(program.policy, current, input);
  return updateTriage(deps, current.id, actor, changes, deps.clock());
}

export function triageChanges(policy: Policy, current: StaffCase, input: TriageInput): TriageChanges {
  const changes: TriageChanges = {};
  if (input.priority !== undefined) {
    // The register's priorities (`incident.register.priorities`) are the only ones the program uses.
    const used = policy.incident.register?.priorities;
    if (input.priority !== null && used !== undefined && !used.includes(input.priority)) {
      throw new InvalidCaseCommandError("priority", `one of this program's priorities: ${used.join(", ")}`);
    }
    changes.priority = input.priority;
  }
  if (input.dueDate !== undefined)
    changes.dueAt =
      input.dueDate === null ? null : parseDueDate(input.dueDate, policy.serviceLevels.calendar.timeZone);
  if (input.assetId !== undefined) {
    if (input.assetId !== null && !policy.scope.inScope.some((asset) => asset.id === input.assetId)) {
      throw new InvalidCaseCommandError("assetId", "not one of this program's in-scope assets");
    }
    changes.assetId = input.assetId;
  }
  if (input.tags !== undefined) changes.tags = input.tags;
  if (input.cwe !== undefined) changes.cwe = input.cwe === null ? null : checkCwe(input.cwe);
  if (input.cvss31 !== undefined) changes.cvss31 = input.cvss31 === null ? null : cvssOf("3.1", input.cvss31);
  if (input.cvss40 !== undefined) changes.cvss40 = input.cvss40 === null ? null : cvssOf("4.0", input.cvss40);

  const cvss31 = changes.cvss31 !== undefined ? changes.cvss31 : current.triage.cvss31;
  const cvss40 = changes.cvss40 !== undefined ? changes.cvss40 : current.triage.cvss40;
  const scored = cvss40 ?? cvss31;
  if (scored !== null) changes.severity = severityOfScore(scored.score);
  else if (input.severity !== undefined) changes.severity = input.severity;
  else if (changes.cvss31 === null || changes.cvss40 === null) changes.severity = null;
  return changes;
}

/** The severity a CVSS score implies ("critical" for 9.0 and up, …). */
export function severityOfScore(score: number): Severity {
  switch (severityOf(score)) {
    case "None":
      return "none";
    case "Low":
      return "low";
    case "Medium":
      return "medium";
    case "High":
      return "high";
    case "Critical":
      return "critical";
  }
}

/** A CWE id of the catalogue, as "CWE-79". */
export function checkCwe(value: string): string {
  const number = parseCweId(value);
  if (number === undefined) throw new InvalidCaseCommandError("cwe", "a CWE id looks like CWE-79 or 79");
  const entry = findCwe(number);
  if (entry === undefined) {
    throw new InvalidCaseCommandError("cwe", `CWE-${number} is not in the CWE catalogue (search it at /cwe)`);
  }
  return entry.id;
}

/** A vector of the given version in canonical form, with its score. */
export function cvssOf(version: "3.1" | "4.0", vector: string): CvssValue {
  const field = version === "3.1" ? "cvss31" : "cvss40";
  const trimmed = vector.trim();
  if (!trimmed.startsWith(`CVSS:${version}/`)) {
    throw new InvalidCaseCommandError(field, `a CVSS ${version} vector starts with "CVSS:${version}/"`);
  }
  try {
    const canonical = normaliseVector(trimmed);
    const score = (version === "3.1" ? scoreCvss31(canonical) : scoreCvss40(canonical)).score;
    return { vector: canonical, score };
  } catch (error) {
    if (error instanceof CvssError) throw new InvalidCaseCommandError(field, error.message);
    throw error;
  }
}

/** Which version a vector is, by its prefix; undefined for neither. */
export function cvssVersionOf(vector: string): "3.1" | "4.0" | undefined {
  const trimmed = vector.trim();
  if (trimmed.startsWith("CVSS:3.1/")) return "3.1";
  if (trimmed.startsWith("CVSS:4.0/")) return "4.0";
  return undefined;
}
