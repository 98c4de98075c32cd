/**
 * Likely-duplicate suggestions for triage, and first-reporter credit. Pure: cases in, a ranked
 * list out. The suggestions are hints for a responder, never decisions: the score mixes the asset
 * (a strong signal), the title (word tokens, with common vulnerability abbreviations folded) and
 * the opening of the report text.
 */

export interface DuplicateCase {
  id: string;
  assetId: string | null;
  title: string;
  text: string;
  receivedAt: Date;
}

export interface DuplicateSuggestion {
  id: string;
  /** 0..1, rounded to three decimals. */
  score: number;
  /** Why the case was suggested, in the order of weight, e.g. "same asset", "similar title (0.67)". */
  reasons: string[];
}

export interface DuplicateOptions {
  /** At most this many suggestions (default 5). */
  limit?: number;
  /** Only suggestions scoring at least this (default 0.35; the same asset alone scores 0.3). */
  minScore?: number;
}

/** Only the opening of a report is compared: enough to see what it is about, bounded in cost. */
export const TEXT_PREFIX_CHARS = 4096;

const ASSET_WEIGHT = 0.3;
const TITLE_WEIGHT = 0.4;
const TEXT_WEIGHT = 0.3;
const DEFAULT_LIMIT = 5;
const DEFAULT_MIN_SCORE = 0.35;
/** A title or text similarity at least this high is named in the reasons. */
const REASON_THRESHOLD = 0.2;

const STOP_WORDS = new Set(
  (
    "a an and are as at be been but by can could do does for from has have how i if in into is it its " +
    "may might of on or our so that the their then there these this those to was we were when where " +
    "which while who will with within without would you your via using use used allows allow able"
  ).split(" "),
);

/**
 * Multi-word names folded to the abbreviation people also use, so that "cross-site scripting" and
 * "XSS" count as the same word. Matched on normalised token sequences.
 */
const PHRASES: readonly (readonly [readonly string[], string])[] = [
  [["cross", "site", "scripting"], "xss"],
  [["cross", "site", "request", "forgery"], "csrf"],
  [["xsrf"], "csrf"],
  [["sql", "injection"], "sqli"],
  [["server", "side", "request", "forgery"], "ssrf"],
  [["remote", "code", "execution"], "rce"],
  [["arbitrary", "code", "execution"], "rce"],
  [["insecure", "direct", "object", "reference"], "idor"],
  [["xml", "external", "entity"], "xxe"],
  [["open", "redirect"], "openredirect"],
  [["path", "traversal"], "traversal"],
  [["directory", "traversal"], "traversal"],
  [["denial", "of", "service"], "dos"],
  [["server", "side", "template", "injection"], "ssti"],
  [["local", "file", "inclusion"], "lfi"],
  [["remote", "file", "inclusion"], "rfi"],
];

/** Lower-case word tokens without diacritics; apostrophes inside words are dropped ("user's" → "users"). */
export function wordTokens(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/(\p{L})['’](\p{L})/gu, "$1$2")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token !== "");
}

/** Tokens with phrases folded, stop words dropped and a light plural stem ("fields" → "field"). */
export function normalisedTokens(text: string): string[] {
  const tokens = wordTokens(text);
  const folded: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    const phrase = PHRASES.find(([words]) => words.every((word, k) => tokens[i + k] === word));
    if (phrase !== undefined) {
      folded.push(phrase[1]);
      i += phrase[0].length;
    } else {
      folded.push(tokens[i] ?? "");
      i += 1;
    }
  }
  return folded.filter((token) => !STOP_WORDS.has(token)).map(stem);
}

function stem(token: string): string {
  // "queries" → "query", but "cookies" → "cookie".
  if (token.length > 4 && token.endsWith("ies") && !token.endsWith("kies")) return `${token.slice(0, -3)}y`;
  if (token.length > 3 && token.endsWith("s") && !token.endsWith("ss") && !/\d/.test(token)) {
    return token.slice(0, -1);
  }
  return token;
}

/** Cosine similarity of two token sets (|A ∩ B| / √(|A|·|B|)); 0 when either is empty. */
function setCosine(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const token of a) if (b.has(token)) shared += 1;
  return shared / Math.sqrt(a.size * b.size);
}

/** Term counts of the tokens and of their two-word shingles ("profile bio"), which reward word order. */
function termVector(tokens: readonly string[]): Map<string, number> {
  const vector = new Map<string, number>();
  const add = (term: string) => vector.set(term, (vector.get(term) ?? 0) + 1);
  tokens.forEach((token, i) => {
    add(token);
    const next = tokens[i + 1];
    if (next !== undefined) add(`${token} ${next}`);
  });
  return vector;
}

function vectorCosine(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (const [term, count] of a) {
    normA += count * count;
    dot += count * (b.get(term) ?? 0);
  }
  for (const count of b.values()) normB += count * count;
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

interface Prepared {
  source: DuplicateCase;
  title: Set<string>;
  text: Map<string, number>;
}

function prepare(report: DuplicateCase): Prepared {
  return {
    source: report,
    title: new Set(normalisedTokens(report.title)),
    text: termVector(normalisedTokens(report.text.slice(0, TEXT_PREFIX_CHARS))),
  };
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/** Title similarity of two titles, 0..1 (exposed for tests and for showing on a triage page). */
export function titleSimilarity(a: string, b: string): number {
  return setCosine(new Set(normalisedTokens(a)), new Set(normalisedTokens(b)));
}

/**
 * The candidates most likely to report the same issue as `target`, best first; among equal scores
 * the earliest received comes first (then the smaller id). The target itself (same id) is skipped.
 * @throws RangeError for a limit that is not a positive integer or a minScore outside 0..1.
 */
export function suggestDuplicates(
  target: DuplicateCase,
  candidates: readonly DuplicateCase[],
  options: DuplicateOptions = {},
): DuplicateSuggestion[] {
  const limit = options.limit ?? DEFAULT_LIMIT;
  const minScore = options.minScore ?? DEFAULT_MIN_SCORE;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  if (!(minScore >= 0 && minScore <= 1))
    throw new RangeError(`minScore must be between 0 and 1, got ${minScore}`);

  const self = prepare(target);
  const scored: (DuplicateSuggestion & { receivedAt: number })[] = [];
  const seen = new Set<string>([target.id]);
  for (const candidate of candidates) {
    if (seen.has(candidate.id)) continue;
    seen.add(candidate.id);
    const other = prepare(candidate);
    const sameAsset = target.assetId !== null && target.assetId === candidate.assetId;
    const title = setCosine(self.title, other.title);
    const text = vectorCosine(self.text, other.text);
    const score = round3((sameAsset ? ASSET_WEIGHT : 0) + TITLE_WEIGHT * title + TEXT_WEIGHT * text);
    if (score < minScore || score === 0) continue;
    const reasons: string[] = [];
    if (sameAsset) reasons.push("same asset");
    if (title >= REASON_THRESHOLD) reasons.push(`similar title (${title.toFixed(2)})`);
    if (text >= REASON_THRESHOLD) reasons.push(`similar text (${text.toFixed(2)})`);
    if (candidate.receivedAt.getTime() < target.receivedAt.getTime()) reasons.push("reported earlier");
    scored.push({ id: candidate.id, score, reasons, receivedAt: candidate.receivedAt.getTime() });
  }
  scored.sort(
    (a, b) => b.score - a.score || a.receivedAt - b.receivedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return scored.slice(0, limit).map(({ id, score, reasons }) => ({ id, score, reasons }));
}

/**
 * The case whose reporter keeps first-reporter credit: the earliest received; on a tie, the
 * smallest id (by code unit order), so the answer never depends on the input's order.
 * @throws RangeError for an empty list or an invalid date.
 */
export function firstReporter(cases: readonly { id: string; receivedAt: Date }[]): string {
  let best: { id: string; at: number } | undefined;
  for (const report of cases) {
    const at = report.receivedAt.getTime();
    if (Number.isNaN(at)) throw new RangeError(`firstReporter: case ${report.id} has an invalid receivedAt`);
    if (best === undefined || at < best.at || (at === best.at && report.id < best.id)) {
      best = { id: report.id, at };
    }
  }
  if (best === undefined) throw new RangeError("firstReporter: no cases");
  return best.id;
}
