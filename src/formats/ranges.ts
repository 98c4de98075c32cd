/**
 * Reads an advisory range's `versions` text into the shapes the formats need: an exact version
 * (or label), bounds (">=7.0.0 <7.1.0"), or a wildcard prefix ("6.x"). Pure and lenient: a range
 * in Embargo's syntax (src/domain/disclosure/versions.ts) reads as that syntax means it, and the
 * text of an imported document that Embargo's syntax does not accept (a Debian version
 * "1:2.3-4", a CSAF product version "10.1 SP2") is kept whole as one opaque version, so that an
 * import followed by an export gives back the same text. No regular expressions.
 */
import { parseRange, parseVersion } from "../domain/disclosure/versions.js";

export interface Bound {
  version: string;
  inclusive: boolean;
}

export type RangePart =
  /** One version or label, as written. */
  | { kind: "exact"; version: string }
  /** The versions between the bounds; a missing bound is open. */
  | { kind: "bounds"; lower: Bound | null; upper: Bound | null }
  /** "6.x": the versions whose leading numbers are these; none: every version. */
  | { kind: "prefix"; numbers: number[] };

const OPERATORS = [">=", "<=", ">", "<", "="] as const;

/** The alternatives of a range, each read as one part. */
export function readRange(text: string): RangePart[] {
  const trimmed = text.trim();
  const alternatives = trimmed.split("||");
  // Foreign versions in comparators (">=1:2.3-4 <1:2.5", "<466af81…") read as bounds too.
  if (parseRange(trimmed).ok || alternatives.every(onlyComparators))
    return alternatives.map((alternative) => readAlternative(alternative));
  return [{ kind: "exact", version: trimmed }];
}

function onlyComparators(alternative: string): boolean {
  const words = alternative.split(" ").filter((word) => word !== "");
  return words.length > 0 && words.every((word) => word.startsWith("<") || word.startsWith(">"));
}

function readAlternative(text: string): RangePart {
  const words = text
    .replaceAll("\t", " ")
    .split(" ")
    .filter((word) => word !== "");
  // ">= 7.0.0": an operator alone takes the next word.
  const comparators: { op: string; version: string }[] = [];
  for (let i = 0; i < words.length; i++) {
    let word = words[i] ?? "";
    if ((OPERATORS as readonly string[]).includes(word)) {
      word += words[i + 1] ?? "";
      i++;
    }
    const op = OPERATORS.find((candidate) => word.startsWith(candidate)) ?? "=";
    const version = word.startsWith(op) ? word.slice(op.length) : word;
    comparators.push({ op, version });
  }
  const only = comparators[0];
  if (comparators.length === 1 && only !== undefined && only.op === "=") {
    const prefix = wildcardPrefix(only.version);
    return prefix === undefined
      ? { kind: "exact", version: only.version }
      : { kind: "prefix", numbers: prefix };
  }
  let lower: Bound | null = null;
  let upper: Bound | null = null;
  for (const { op, version } of comparators) {
    if (op === ">=" || op === ">") lower = { version, inclusive: op === ">=" };
    else if (op === "<=" || op === "<") upper = { version, inclusive: op === "<=" };
    else {
      lower = { version, inclusive: true };
      upper = { version, inclusive: true };
    }
  }
  return { kind: "bounds", lower, upper };
}

function wildcardPrefix(version: string): number[] | undefined {
  const parts = version.split(".");
  const last = parts.at(-1);
  if (last !== "x" && last !== "X" && last !== "*") return undefined;
  const numbers: number[] = [];
  for (const part of parts.slice(0, -1)) {
    if (part === "x" || part === "X" || part === "*") break;
    const digits =
      numbers.length === 0 && (part.startsWith("v") || part.startsWith("V")) ? part.slice(1) : part;
    numbers.push(Number(digits));
  }
  return numbers;
}

/** Whether a version is numeric in Embargo's syntax ("7.0.3", "v1.2"); labels and foreign text are not. */
export function isNumericVersion(version: string): boolean {
  const parsed = parseVersion(version);
  return parsed.ok && parsed.value.kind === "numeric";
}

/** Whether every version is a semver "MAJOR.MINOR.PATCH" (optionally with pre-release and build). */
export function isSemver(version: string): boolean {
  const parsed = parseVersion(version);
  return (
    parsed.ok &&
    parsed.value.kind === "numeric" &&
    parsed.value.numbers.length === 3 &&
    !version.startsWith("v")
  );
}

/** Writes bounds back in Embargo's syntax (">=1.2.0 <1.3.0", "<2.0.0", "*" when both are open). */
export function writeBounds(lower: Bound | null, upper: Bound | null): string {
  const words: string[] = [];
  if (lower !== null) words.push(`${lower.inclusive ? ">=" : ">"}${lower.version}`);
  if (upper !== null) words.push(`${upper.inclusive ? "<=" : "<"}${upper.version}`);
  return words.length === 0 ? "*" : words.join(" ");
}

/** "6.x" for [6]; "*" for none. */
export function writePrefix(numbers: readonly number[]): string {
  return numbers.length === 0 ? "*" : `${numbers.join(".")}.x`;
}
