/**
 * Versions and version ranges, as the affected-release matrix writes them and as a product
 * instance asks about them (`GET /api/v1/programs/{program}/affected?version=…`). Pure: text in,
 * values or a precise refusal out. Hand-written scanners, no regular expressions: every input,
 * a stranger's included, is read once, left to right, and bounded in length first.
 *
 * A version is either
 * - numeric: one to four dot-separated numbers ("7", "7.0", "7.0.3", "2024.1.15.2"), optionally
 *   led by "v" ("v1.2"), with an optional pre-release ("-rc.1") and build ("+abc.5") as semver
 *   writes them. Missing numbers count as 0 ("1.2" = "1.2.0"); a pre-release comes before its
 *   release ("7.1.0-rc.1" < "7.1.0"); the build is ignored when comparing; leading zeros are
 *   read as numbers ("1.02" = "1.2").
 * - a label: a name that starts with a letter ("live", "main", "nightly"), for services and
 *   branches without numbers. A label equals only itself (case-insensitively) and is neither
 *   before nor after anything.
 *
 * A range is one or more alternatives separated by "||" (at most 8); an alternative is one or
 * more comparators separated by spaces, all of which must hold:
 * - a version alone, or "=version": that version ("7.0.3", "=1.2.3", "live");
 * - "<", "<=", ">", ">=" and a numeric version: ordered as above, so ">=7.0.0 <7.1.0" holds for
 *   "7.0.5" and for "7.1.0-rc.1" (pre-releases are ordered, not excluded as npm does: a
 *   pre-release of a range's versions counts as in the range);
 * - a wildcard: "6.x", "6.*", "6.1.x" (the versions whose leading numbers are those), "x" or "*"
 *   (every numeric version).
 * A label stands alone in its alternative ("live || >=7.0.0 <7.1.0").
 */

/** Longest accepted version text. */
export const VERSION_MAX = 64;
/** Longest accepted range text. */
export const RANGE_MAX = 100;
/** Most alternatives ("||") in a range. */
export const ALTERNATIVES_MAX = 8;
/** Most numbers in a numeric version ("1.2.3.4"). */
const NUMBERS_MAX = 4;
/** Most digits in one number: below 2^53, so every number is exact. */
const DIGITS_MAX = 15;

export interface NumericVersion {
  readonly kind: "numeric";
  readonly numbers: readonly number[];
  /** Pre-release identifiers: numbers where they are all digits. Empty for a release. */
  readonly prerelease: readonly (string | number)[];
  readonly build: readonly string[];
}

export interface LabelVersion {
  readonly kind: "label";
  /** Lower case. */
  readonly label: string;
}

export type Version = NumericVersion | LabelVersion;

export type Operator = "<" | "<=" | ">" | ">=" | "=";

export type Comparator =
  | { readonly kind: "compare"; readonly op: Operator; readonly version: Version }
  /** "6.x": the numeric versions whose leading numbers are `numbers` (none: every one). */
  | { readonly kind: "prefix"; readonly numbers: readonly number[] };

export interface Range {
  /** Every alternative is a list of comparators that must all hold. */
  readonly alternatives: readonly (readonly Comparator[])[];
}

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

// ---------------------------------------------------------------------------------------------
// Characters

const isDigit = (c: string) => c >= "0" && c <= "9";
const isLetter = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
/** Semver's identifier characters. */
const isIdentifierChar = (c: string) => isDigit(c) || isLetter(c) || c === "-";
const isLabelChar = (c: string) => isDigit(c) || isLetter(c) || c === "-" || c === "." || c === "_";
const isSpace = (c: string) => c === " " || c === "\t";
const isWildcard = (text: string) => text === "x" || text === "X" || text === "*";
const RANGE_CHARS = "<>=|*";

/** Position of the first character that is not printable ASCII, or -1. */
function firstNonAscii(text: string, allowSpace: boolean): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x20 || code === 0x09) {
      if (!allowSpace) return i;
    } else if (code < 0x21 || code > 0x7e) return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Versions

/** Reads a version ("7.0.3", "v1.2", "7.1.0-rc.1+build.5", "live"); a range is refused. */
export function parseVersion(text: string): Parsed<Version> {
  if (text.length === 0) return fail("is empty");
  if (text.length > VERSION_MAX) return fail(`is longer than ${VERSION_MAX} characters`);
  for (let i = 0; i < text.length; i++) {
    if (RANGE_CHARS.includes(text[i] ?? ""))
      return fail(`has "${text[i]}" at position ${i + 1}: that makes a range, not a version`);
  }
  const bad = firstNonAscii(text, false);
  if (bad >= 0) {
    return fail(
      isSpace(text[bad] ?? "")
        ? `has a space at position ${bad + 1}: a version is one word`
        : `has a character at position ${bad + 1} that is not an ASCII letter, digit, ".", "-" or "+"`,
    );
  }
  const first = text[0] ?? "";
  if (isDigit(first)) return parseNumeric(text, 0);
  if ((first === "v" || first === "V") && isDigit(text[1] ?? "")) return parseNumeric(text, 1);
  if (isLetter(first)) return parseLabel(text);
  return fail('must start with a digit, "v" and a digit, or a letter');
}

function parseLabel(text: string): Parsed<Version> {
  for (let i = 0; i < text.length; i++) {
    if (!isLabelChar(text[i] ?? ""))
      return fail(
        `has "${text[i]}" at position ${i + 1}: a label (such as "live") holds only letters, digits, ".", "-" and "_"`,
      );
  }
  return ok({ kind: "label", label: text.toLowerCase() });
}

/** A numeric version from `start` (after a "v"), to the end of `text`. */
function parseNumeric(text: string, start: number): Parsed<Version> {
  const numbers: number[] = [];
  let i = start;
  for (;;) {
    const from = i;
    while (i < text.length && isDigit(text[i] ?? "")) i++;
    if (i === from) {
      const here = text[i];
      if (here !== undefined && isWildcard(here))
        return fail(`has a wildcard at position ${i + 1}: "6.x" is a range, not a version`);
      return fail(`needs a number at position ${i + 1}`);
    }
    if (i - from > DIGITS_MAX) return fail(`has a number longer than ${DIGITS_MAX} digits`);
    numbers.push(Number(text.slice(from, i)));
    if (text[i] !== ".") break;
    if (numbers.length === NUMBERS_MAX) return fail(`has more than ${NUMBERS_MAX} numbers`);
    i++;
  }
  let prerelease: (string | number)[] = [];
  let build: string[] = [];
  if (text[i] === "-") {
    const read = readIdentifiers(text, i + 1, "pre-release", true);
    if (!read.ok) return read;
    prerelease = read.value.identifiers.map((id) => (isAllDigits(id) ? Number(id) : id));
    i = read.value.end;
  }
  if (text[i] === "+") {
    const read = readIdentifiers(text, i + 1, "build", false);
    if (!read.ok) return read;
    build = read.value.identifiers;
    i = read.value.end;
  }
  if (i < text.length) {
    return fail(
      `has "${text[i]}" at position ${i + 1} where a ".", "-" (pre-release), "+" (build) or the end was expected`,
    );
  }
  return ok({ kind: "numeric", numbers, prerelease, build });
}

function isAllDigits(text: string): boolean {
  for (const c of text) if (!isDigit(c)) return false;
  return text.length > 0;
}

/** Dot-separated identifiers from `start`; stops before "+" (pre-release) or at the end. */
function readIdentifiers(
  text: string,
  start: number,
  what: string,
  stopAtPlus: boolean,
): Parsed<{ identifiers: string[]; end: number }> {
  const identifiers: string[] = [];
  let i = start;
  for (;;) {
    const from = i;
    while (i < text.length && isIdentifierChar(text[i] ?? "")) i++;
    if (i === from) return fail(`has an empty ${what} part at position ${i + 1}`);
    const identifier = text.slice(from, i);
    if (isAllDigits(identifier) && identifier.length > DIGITS_MAX)
      return fail(`has a ${what} number longer than ${DIGITS_MAX} digits`);
    identifiers.push(identifier);
    if (text[i] !== ".") break;
    i++;
  }
  if (i < text.length && !(stopAtPlus && text[i] === "+"))
    return fail(`has "${text[i]}" at position ${i + 1} in its ${what} part`);
  return ok({ identifiers, end: i });
}

/** The version as text, in a normal form: numbers as written without leading zeros, labels lower case. */
export function formatVersion(version: Version): string {
  if (version.kind === "label") return version.label;
  let text = version.numbers.join(".");
  if (version.prerelease.length > 0) text += `-${version.prerelease.join(".")}`;
  if (version.build.length > 0) text += `+${version.build.join(".")}`;
  return text;
}

/**
 * Negative when `a` comes before `b`, 0 when they are the same version, positive after;
 * undefined when they cannot be ordered (a label and anything but the same label).
 */
export function compareVersions(a: Version, b: Version): number | undefined {
  if (a.kind === "label" || b.kind === "label") {
    return a.kind === "label" && b.kind === "label" && a.label === b.label ? 0 : undefined;
  }
  const length = Math.max(a.numbers.length, b.numbers.length);
  for (let i = 0; i < length; i++) {
    const difference = (a.numbers[i] ?? 0) - (b.numbers[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  // A release comes after its pre-releases.
  if (a.prerelease.length === 0 || b.prerelease.length === 0)
    return Math.sign(b.prerelease.length - a.prerelease.length);
  const shared = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < shared; i++) {
    const order = compareIdentifiers(a.prerelease[i] ?? 0, b.prerelease[i] ?? 0);
    if (order !== 0) return order;
  }
  return Math.sign(a.prerelease.length - b.prerelease.length);
}

/** Semver: numbers numerically, before words; words in ASCII order. */
function compareIdentifiers(a: string | number, b: string | number): number {
  if (typeof a === "number" && typeof b === "number") return Math.sign(a - b);
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Ranges

/** Reads a range (">=7.0.0 <7.1.0 || 6.x", "live"); see the top of this file. */
export function parseRange(text: string): Parsed<Range> {
  if (text.length > RANGE_MAX) return fail(`is longer than ${RANGE_MAX} characters`);
  const bad = firstNonAscii(text, true);
  if (bad >= 0) return fail(`has a character at position ${bad + 1} that is not printable ASCII or a space`);
  const parts = text.split("||");
  if (parts.length > ALTERNATIVES_MAX) return fail(`has more than ${ALTERNATIVES_MAX} alternatives ("||")`);
  if (text.trim() === "") return fail("is empty");
  const alternatives: Comparator[][] = [];
  for (const [index, part] of parts.entries()) {
    const read = parseAlternative(part);
    if (!read.ok)
      return fail(parts.length === 1 ? read.error : `alternative ${index + 1} (between "||") ${read.error}`);
    alternatives.push(read.value);
  }
  return ok({ alternatives });
}

function parseAlternative(text: string): Parsed<Comparator[]> {
  if (text.includes("|")) return fail('has a single "|": alternatives are separated by "||"');
  const words = splitWords(text);
  if (words.length === 0) return fail("is empty");
  const comparators: Comparator[] = [];
  for (let i = 0; i < words.length; i++) {
    let word = words[i] ?? "";
    // ">= 7.0.0": an operator alone takes the next word as its version.
    if (isOperator(word)) {
      const next = words[i + 1];
      if (next === undefined) return fail(`ends with "${word}" and no version after it`);
      word += next;
      i++;
    }
    const read = parseComparator(word);
    if (!read.ok) return read;
    comparators.push(read.value);
  }
  const label = comparators.find((c) => c.kind === "compare" && c.version.kind === "label");
  if (label !== undefined && comparators.length > 1)
    return fail(`mixes a label with other comparators: a label such as "live" stands alone`);
  return ok(comparators);
}

function splitWords(text: string): string[] {
  return text
    .replaceAll("\t", " ")
    .split(" ")
    .filter((word) => word !== "");
}

const OPERATORS: readonly Operator[] = [">=", "<=", ">", "<", "="];
const isOperator = (word: string): word is Operator => (OPERATORS as readonly string[]).includes(word);

function parseComparator(word: string): Parsed<Comparator> {
  if (word === "-") return fail('has a hyphen range ("A - B"), which is not supported: write ">=A <=B"');
  const op = OPERATORS.find((candidate) => word.startsWith(candidate));
  const rest = op === undefined ? word : word.slice(op.length);
  const wildcard = wildcardPrefix(rest);
  if (wildcard === "malformed")
    return fail(`has "${word}": a wildcard ("x" or "*") ends a version, as in "6.x"`);
  if (wildcard !== undefined) {
    if (op !== undefined) return fail(`has "${word}": a wildcard such as "6.x" takes no operator`);
    return ok({ kind: "prefix", numbers: wildcard });
  }
  const version = parseVersion(rest);
  if (!version.ok) return fail(`has "${word}", whose version ${version.error}`);
  if (version.value.kind === "label" && op !== undefined && op !== "=")
    return fail(`has "${word}": "${op}" needs a numeric version, and "${rest}" is a label`);
  return ok({ kind: "compare", op: op ?? "=", version: version.value });
}

/**
 * The numbers before a wildcard ("6.1.x" → [6, 1], "x" → []), undefined when `text` has no
 * wildcard, "malformed" when it has one anywhere but at the end ("6.x.1", "6x").
 */
function wildcardPrefix(text: string): number[] | undefined | "malformed" {
  if (!text.includes("x") && !text.includes("X") && !text.includes("*")) return undefined;
  const parts = text.split(".");
  const first = parts.findIndex(isWildcard);
  if (first < 0) {
    // A wildcard glued to something else ("6x", "6.1*").
    for (const c of text) if (c === "*") return "malformed";
    const last = parts.at(-1) ?? "";
    if (parts.length > 1 && last.length > 1 && isAllDigits(last.slice(0, -1)) && isWildcard(last.slice(-1)))
      return "malformed";
    return undefined;
  }
  // "6.x.x" is "6.x"; a number after a wildcard is not.
  if (!parts.slice(first).every(isWildcard)) return "malformed";
  const numbers: number[] = [];
  for (const part of parts.slice(0, first)) {
    let digits = part;
    if (numbers.length === 0 && (digits.startsWith("v") || digits.startsWith("V"))) digits = digits.slice(1);
    if (!isAllDigits(digits) || digits.length > DIGITS_MAX) return "malformed";
    numbers.push(Number(digits));
  }
  if (numbers.length >= NUMBERS_MAX) return "malformed";
  return numbers;
}

/** Whether `version` is in `range`. A label is only in a range that names it. */
export function matches(range: Range, version: Version): boolean {
  return range.alternatives.some((comparators) => comparators.every((c) => satisfies(c, version)));
}

function satisfies(comparator: Comparator, version: Version): boolean {
  if (comparator.kind === "prefix") {
    if (version.kind !== "numeric") return false;
    return comparator.numbers.every((n, i) => (version.numbers[i] ?? 0) === n);
  }
  const order = compareVersions(version, comparator.version);
  if (order === undefined) return false;
  switch (comparator.op) {
    case "=":
      return order === 0;
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
  }
}
