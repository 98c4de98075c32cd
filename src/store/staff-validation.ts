import { CvssError, scoreCvss31, scoreCvss40 } from "../domain/cvss/index.js";
import { PRIORITIES, SEVERITIES } from "../policy/schema.js";
import { InvalidCaseCommandError } from "./staff-errors.js";

/**
 * Checks and normal forms for what staff commands store. The store checks shapes (so the database
 * never holds a malformed tag or a vector whose score does not match); whether a user may act on
 * a case is decided above it.
 */
export type TeamActor = `team:${string}`;
export type Priority = (typeof PRIORITIES)[number];
export type Severity = (typeof SEVERITIES)[number];

/** User ids are made by src/auth (randomId); accept the same conservative alphabet. */
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const TAG = /^[a-z0-9][a-z0-9._:-]{0,47}$/;
const MAX_TAGS = 30;
const CWE = /^(?:CWE-)?([1-9][0-9]{0,5})$/i;
/** A reply or note: no more than this many characters. */
export const MAX_MESSAGE_LENGTH = 100_000;

export function checkUserId(userId: string, field = "userId"): string {
  if (!USER_ID.test(userId))
    throw new InvalidCaseCommandError(field, `invalid user id "${userId.slice(0, 80)}"`);
  return userId;
}

export function checkActor(actor: string): TeamActor {
  if (!actor.startsWith("team:"))
    throw new InvalidCaseCommandError("actor", "the actor must be team:<userId>");
  checkUserId(actor.slice("team:".length), "actor");
  return actor as TeamActor;
}

export function teamActor(userId: string): TeamActor {
  return `team:${checkUserId(userId)}`;
}

export function checkDate(value: Date, field: string): string {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidCaseCommandError(field, `${field} is not a valid date`);
  }
  return value.toISOString();
}

export function checkMessage(text: string, attachments: number, field = "text"): string {
  if (text.length > MAX_MESSAGE_LENGTH) {
    throw new InvalidCaseCommandError(field, `at most ${MAX_MESSAGE_LENGTH} characters`);
  }
  if (text.trim() === "" && attachments === 0) {
    throw new InvalidCaseCommandError(field, "write something, or attach a file");
  }
  return text;
}

export function checkPriority(value: string): Priority {
  const found = PRIORITIES.find((priority) => priority === value);
  if (found === undefined) {
    throw new InvalidCaseCommandError("priority", `priority must be one of ${PRIORITIES.join(", ")}`);
  }
  return found;
}

export function checkSeverity(value: string): Severity {
  const found = SEVERITIES.find((severity) => severity === value);
  if (found === undefined) {
    throw new InvalidCaseCommandError("severity", `severity must be one of ${SEVERITIES.join(", ")}`);
  }
  return found;
}

/** `CWE-79`, `cwe-79` and `79` all become `CWE-79`. */
export function normaliseCwe(value: string): string {
  const match = CWE.exec(value.trim());
  if (match?.[1] === undefined) throw new InvalidCaseCommandError("cwe", "a CWE id looks like CWE-79");
  return `CWE-${match[1]}`;
}

/** Tags: trimmed, lower case, distinct, sorted; letters, digits and . _ : - only. */
export function normaliseTags(tags: readonly string[]): string[] {
  const clean = [...new Set(tags.map((tag) => tag.trim().toLowerCase()))].sort();
  const bad = clean.find((tag) => !TAG.test(tag));
  if (bad !== undefined) {
    throw new InvalidCaseCommandError(
      "tags",
      `invalid tag "${bad.slice(0, 60)}": up to 48 letters, digits, ".", "_", ":" or "-"`,
    );
  }
  if (clean.length > MAX_TAGS) throw new InvalidCaseCommandError("tags", `at most ${MAX_TAGS} tags`);
  return clean;
}

/** A type, not an interface, so it is JSON for event payloads. */
export type CvssValue = { vector: string; score: number };

/** The vector must be valid for its version and the score must be the one it computes to. */
export function checkCvss(version: "3.1" | "4.0", value: CvssValue): CvssValue {
  const field = version === "3.1" ? "cvss31" : "cvss40";
  const vector = value.vector.trim();
  let computed: number;
  try {
    computed = (version === "3.1" ? scoreCvss31(vector) : scoreCvss40(vector)).score;
  } catch (error) {
    if (error instanceof CvssError) throw new InvalidCaseCommandError(field, error.message);
    throw error;
  }
  if (value.score !== computed) {
    throw new InvalidCaseCommandError(field, `the vector scores ${computed}, not ${value.score}`);
  }
  return { vector, score: computed };
}
