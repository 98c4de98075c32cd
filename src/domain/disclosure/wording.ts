import { createHash } from "node:crypto";

/**
 * The leak guard's rules (`embargo guard`, and public announcements where the policy's
 * `disclosure.wording.appliesTo` is `all`): which words a public text must not use, and which
 * identifiers (CVE ids, aliases, case ids) it must not name while their case is under embargo.
 * Pure: text and rules in, findings with their line and column out.
 *
 * Both scans walk the text once, code point by code point, without regular expressions over the
 * text: a 10 MB diff costs time in proportion to its size, and a hostile text cannot make them
 * backtrack. Each scan reports at most `limit` findings and counts the rest.
 */

/** Where a finding starts: 1-based; columns count code points (what an editor shows). */
export interface Position {
  line: number;
  column: number;
}

export interface WordFinding extends Position {
  /** The policy's word (or phrase), as the policy writes it. */
  word: string;
  /** The text as written where it was found. */
  found: string;
}

export interface IdentifierFinding extends Position {
  /**
   * The identifier (upper case) when the list of identifiers under embargo was given in the
   * clear; null when it was given as hashes: the scan then knows only that one matched.
   */
  value: string | null;
}

export interface Findings<T> {
  /** The first `limit` findings, in text order. */
  findings: T[];
  /** All of them, including those past `limit`. */
  total: number;
}

export const FINDINGS_LIMIT = 1_000;

export interface WordingRules {
  /** `disclosure.wording.forbiddenWords`: whole words (or phrases), case-insensitive. */
  forbiddenWords: readonly string[];
  /** `disclosure.wording.exceptions`: phrases in which a forbidden word is allowed. */
  exceptions?: readonly string[] | undefined;
}

// ---------------------------------------------------------------------------------------------
// Walking a text in runs of characters of one class.

type RunVisitor = (start: number, end: number, line: number, column: number) => void;

/** A letter, mark, digit or connector (`_`): what a word is made of, in any script. */
const WORD_CHAR = /^[\p{L}\p{M}\p{N}\p{Pc}]$/u;

function isWordCode(code: number): boolean {
  if (code < 0x80) {
    return (
      (code >= 0x30 && code <= 0x39) ||
      (code >= 0x41 && code <= 0x5a) ||
      (code >= 0x61 && code <= 0x7a) ||
      code === 0x5f
    );
  }
  return WORD_CHAR.test(String.fromCodePoint(code));
}

/** `A-Z a-z 0-9 . _ : # -`: what identifiers are made of (CVE-2026-1234, GHSA-…, case ids). */
function isIdentifierCode(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x2e ||
    code === 0x5f ||
    code === 0x3a ||
    code === 0x23 ||
    code === 0x2d
  );
}

/** Calls `visit` for each maximal run of characters `inRun` accepts, with where it starts. */
function eachRun(text: string, inRun: (code: number) => boolean, visit: RunVisitor): void {
  let line = 1;
  let column = 1;
  let runStart = -1;
  let runLine = 0;
  let runColumn = 0;
  let index = 0;
  while (index < text.length) {
    const code = text.codePointAt(index) ?? 0;
    const width = code > 0xffff ? 2 : 1;
    if (inRun(code)) {
      if (runStart < 0) {
        runStart = index;
        runLine = line;
        runColumn = column;
      }
    } else if (runStart >= 0) {
      visit(runStart, index, runLine, runColumn);
      runStart = -1;
    }
    if (code === 0x0a) {
      line++;
      column = 1;
    } else column++;
    index += width;
  }
  if (runStart >= 0) visit(runStart, text.length, runLine, runColumn);
}

const fold = (word: string) => word.normalize("NFC").toLowerCase();

/** The words of a policy entry, folded: "Exploit mitigation" → ["exploit", "mitigation"]. */
function wordsOf(phrase: string): string[] {
  const words: string[] = [];
  eachRun(phrase, isWordCode, (start, end) => words.push(fold(phrase.slice(start, end))));
  return words;
}

// ---------------------------------------------------------------------------------------------
// Forbidden words.

interface Entry {
  /** As the policy writes it. */
  label: string;
  words: readonly string[];
  exception: boolean;
}

interface SeenWord {
  index: number;
  start: number;
  line: number;
  column: number;
  folded: string;
}

interface PendingHit {
  first: number;
  last: number;
  finding: WordFinding;
}

/**
 * Compiles the rules once; the returned function finds the forbidden words in a text: whole
 * words (a word is a run of letters, marks, digits and `_`, in any script; "exploited" is not
 * "exploit", "(XSS)" is "xss"), case-insensitive; a phrase matches its words in a row, whatever
 * separates them. An occurrence inside one of the exception phrases is allowed.
 */
export function wordingChecker(
  rules: WordingRules,
  limit = FINDINGS_LIMIT,
): (text: string) => Findings<WordFinding> {
  const entries: Entry[] = [
    ...rules.forbiddenWords.map((label) => ({ label, words: wordsOf(label), exception: false })),
    ...(rules.exceptions ?? []).map((label) => ({ label, words: wordsOf(label), exception: true })),
  ].filter((entry) => entry.words.length > 0);
  // Each entry is looked up by its last word: when the scan reaches that word, the words before
  // it are still in the window.
  const byLastWord = new Map<string, Entry[]>();
  for (const entry of entries) {
    const last = entry.words[entry.words.length - 1] ?? "";
    byLastWord.set(last, [...(byLastWord.get(last) ?? []), entry]);
  }
  const window = Math.max(1, ...entries.map((entry) => entry.words.length));
  const exceptionWords = Math.max(0, ...entries.filter((e) => e.exception).map((e) => e.words.length));

  return (text) => {
    const findings: WordFinding[] = [];
    let total = 0;
    const recent: SeenWord[] = [];
    let pending: PendingHit[] = [];
    let index = 0;
    const settle = (hit: PendingHit) => {
      total++;
      if (findings.length < limit) findings.push(hit.finding);
    };
    eachRun(text, isWordCode, (start, end, line, column) => {
      const word: SeenWord = { index, start, line, column, folded: fold(text.slice(start, end)) };
      index++;
      recent.push(word);
      if (recent.length > window) recent.shift();
      for (const entry of byLastWord.get(word.folded) ?? []) {
        const count = entry.words.length;
        if (recent.length < count) continue;
        const from = recent.length - count;
        if (!entry.words.every((expected, at) => recent[from + at]?.folded === expected)) continue;
        const first = recent[from] as SeenWord;
        if (entry.exception) {
          // Every pending hit inside this phrase is allowed.
          pending = pending.filter((hit) => hit.first < first.index || hit.last > word.index);
        } else {
          pending.push({
            first: first.index,
            last: word.index,
            finding: {
              word: entry.label,
              found: text.slice(first.start, end),
              line: first.line,
              column: first.column,
            },
          });
        }
      }
      // A hit no exception phrase can still reach is final.
      while (pending.length > 0 && (pending[0] as PendingHit).first + exceptionWords <= word.index)
        settle(pending.shift() as PendingHit);
    });
    for (const hit of pending) settle(hit);
    findings.sort((a, b) => a.line - b.line || a.column - b.column);
    return { findings, total };
  };
}

/** One-off form of wordingChecker. */
export function findForbiddenWords(
  text: string,
  rules: WordingRules,
  limit = FINDINGS_LIMIT,
): Findings<WordFinding> {
  return wordingChecker(rules, limit)(text);
}

// ---------------------------------------------------------------------------------------------
// Identifiers under embargo.

/**
 * The identifiers under embargo, as the guard knows them: in the clear (read from the database),
 * or as SHA-256 hashes (an exported list, for CI machines that must not hold the plaintext).
 * Values are upper case: `CVE-2026-12345`, `GHSA-…`, case ids and case numbers (`KITSU-12`, a
 * token of its own like a CVE id).
 */
export type EmbargoedIdentifiers =
  | { kind: "values"; values: ReadonlySet<string> }
  | { kind: "hashes"; hashes: ReadonlySet<string> };

/** The SHA-256 (hex) an exported list holds for `value`: of its upper-case UTF-8 bytes. */
export function identifierDigest(value: string): string {
  return createHash("sha256").update(value.toUpperCase(), "utf8").digest("hex");
}

/** Longer runs are not identifiers (base64 blobs, minified code): skipped. */
const TOKEN_MAX = 200;
const CASE_ID_LENGTH = 16;
/** Distinct candidates whose hash is remembered; past it the memory starts again. */
const DIGEST_CACHE_MAX = 100_000;

const isSeparator = (code: number) =>
  code === 0x2e || code === 0x5f || code === 0x3a || code === 0x23 || code === 0x2d;
const isAlphanumeric = (code: number) =>
  (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);

/**
 * The parts of a token that could be an identifier, with their offset in it: the token, without
 * leading and trailing `. _ : # -` ("CVE-2026-1234." at the end of a sentence), its parts between
 * `:` and `#` ("case:abc…", "GHSA#…"), and each run of exactly 16 letters and digits (a case id
 * inside "case-abcdefghijklmnop").
 */
function candidates(token: string): Map<string, number> {
  const found = new Map<string, number>();
  const add = (from: number, to: number) => {
    let start = from;
    let end = to;
    while (start < end && isSeparator(token.charCodeAt(start))) start++;
    while (end > start && isSeparator(token.charCodeAt(end - 1))) end--;
    if (end > start) {
      const value = token.slice(start, end).toUpperCase();
      if (!found.has(value)) found.set(value, start);
    }
  };
  add(0, token.length);
  let partStart = 0;
  let alnumStart = -1;
  for (let at = 0; at <= token.length; at++) {
    const code = at < token.length ? token.charCodeAt(at) : 0;
    if (at === token.length || code === 0x3a || code === 0x23) {
      if (partStart > 0 || at < token.length) add(partStart, at);
      partStart = at + 1;
    }
    if (at < token.length && isAlphanumeric(code)) {
      if (alnumStart < 0) alnumStart = at;
    } else if (alnumStart >= 0) {
      if (at - alnumStart === CASE_ID_LENGTH) add(alnumStart, at);
      alnumStart = -1;
    }
  }
  return found;
}

/**
 * Compiles the list once; the returned function finds, in a text, each run of `A-Z a-z 0-9 . _ :
 * # -` (upper-cased) or a part of it (see `candidates`) that is an identifier under embargo.
 */
export function identifierChecker(
  embargoed: EmbargoedIdentifiers,
  limit = FINDINGS_LIMIT,
): (text: string) => Findings<IdentifierFinding> {
  const digests = new Map<string, string>();
  const digestOf = (value: string): string => {
    const known = digests.get(value);
    if (known !== undefined) return known;
    if (digests.size >= DIGEST_CACHE_MAX) digests.clear();
    const digest = identifierDigest(value);
    digests.set(value, digest);
    return digest;
  };
  const isEmbargoed =
    embargoed.kind === "values"
      ? (value: string) => embargoed.values.has(value)
      : (value: string) => embargoed.hashes.has(digestOf(value));
  const empty = embargoed.kind === "values" ? embargoed.values.size === 0 : embargoed.hashes.size === 0;

  return (text) => {
    const findings: IdentifierFinding[] = [];
    let total = 0;
    if (empty) return { findings, total };
    eachRun(text, isIdentifierCode, (start, end, line, column) => {
      if (end - start > TOKEN_MAX) return;
      // One finding per token: the identifier that starts first in it.
      let best: { value: string; offset: number } | null = null;
      for (const [value, offset] of candidates(text.slice(start, end))) {
        if ((best === null || offset < best.offset) && isEmbargoed(value)) best = { value, offset };
      }
      if (best === null) return;
      total++;
      if (findings.length < limit) {
        // Identifier runs are ASCII: offsets in the token are columns.
        findings.push({
          value: embargoed.kind === "values" ? best.value : null,
          line,
          column: column + best.offset,
        });
      }
    });
    return { findings, total };
  };
}

/** One-off form of identifierChecker. */
export function findEmbargoedIdentifiers(
  text: string,
  embargoed: EmbargoedIdentifiers,
  limit = FINDINGS_LIMIT,
): Findings<IdentifierFinding> {
  return identifierChecker(embargoed, limit)(text);
}

// ---------------------------------------------------------------------------------------------
// The team's own public texts (announcements), where the policy's wording applies to `all`.

/** `disclosure.wording` of a policy. */
export interface PublicWording extends WordingRules {
  appliesTo: "open-source" | "all";
  guidance?: string | undefined;
}

/** A part of a public text: its name in a sentence ("the title") and whether to give lines. */
export interface TextPart {
  name: string;
  text: string;
  lines: boolean;
}

/**
 * Where the policy's wording applies to `all` public texts, a sentence naming each forbidden word
 * in `parts` and where, followed by the policy's guidance; null when there is none (or the
 * wording is for open-source fixes only, which `embargo guard` checks).
 */
export function publicTextWordingProblem(
  wording: PublicWording | undefined,
  parts: readonly TextPart[],
): string | null {
  if (wording === undefined || wording.appliesTo !== "all") return null;
  const check = wordingChecker(wording, 20);
  const found = parts.flatMap((part) =>
    check(part.text).findings.map((finding) =>
      part.lines
        ? `"${finding.word}" (${part.name}, line ${finding.line}, column ${finding.column})`
        : `"${finding.word}" (${part.name})`,
    ),
  );
  if (found.length === 0) return null;
  const guidance = wording.guidance === undefined ? "" : ` ${wording.guidance}`;
  return `The policy keeps these words out of public texts: ${found.join(", ")}.${guidance}`;
}
