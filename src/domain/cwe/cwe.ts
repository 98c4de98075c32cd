/**
 * The CWE catalogue, searchable by id and by words in the name. The data is `catalogue.json`,
 * generated from MITRE's catalogue XML (see README.md beside this file for its source and how to
 * regenerate it); it is indexed once, when this module is first imported.
 */
import data from "./catalogue.json" with { type: "json" };
import { CWE_KINDS, CWE_USAGES, type CweKind, type CweUsage } from "./catalogue-source.js";

export interface CweEntry {
  /** "CWE-79". */
  id: string;
  name: string;
  /** Weaknesses are what findings map to; categories and views group them. */
  kind: CweKind;
  /** Weaknesses only: Pillar, Class, Base, Variant or Compound; null otherwise. */
  abstraction: string | null;
  /** MITRE's status: Stable, Draft, Incomplete, Deprecated or Obsolete. */
  status: string;
  /** MITRE's guidance on mapping a vulnerability to this entry; "Prohibited" for categories, views and deprecated entries. */
  usage: CweUsage;
  /** Alternate terms, e.g. "XSS" for CWE-79. */
  terms: readonly string[];
  /** A member of the catalogue's newest CWE Top 25 (see CWE_TOP_25). */
  top25: boolean;
}

/** Where the data comes from, for an "about" page and for attribution. */
export const CWE_CATALOGUE_SOURCE: Readonly<typeof data.source> & { notice: string } = Object.freeze({
  ...data.source,
  notice: data.notice,
});

/** The catalogue's newest CWE Top 25, in rank order ("CWE-787", "CWE-79", …), and its name. */
export const CWE_TOP_25: readonly string[] = Object.freeze(data.top25.ids.map((id) => `CWE-${id}`));
export const CWE_TOP_25_NAME: string = data.top25.name;

interface Indexed {
  entry: CweEntry;
  number: number;
  nameTokens: readonly string[];
  /** The name's tokens joined by single spaces, for phrase matches. */
  nameText: string;
  termTokens: readonly string[];
  termTexts: readonly string[];
}

const tokenize = (text: string): string[] =>
  text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token !== "");

function isKind(value: string): value is CweKind {
  return (CWE_KINDS as readonly string[]).includes(value);
}
function isUsage(value: string): value is CweUsage {
  return (CWE_USAGES as readonly string[]).includes(value);
}

const TOP_25_IDS = new Set(data.top25.ids);

const INDEX: ReadonlyMap<number, Indexed> = (() => {
  const index = new Map<number, Indexed>();
  for (const raw of data.entries) {
    const record: { abstraction?: string; terms?: string[] } = raw;
    if (!isKind(raw.kind) || !isUsage(raw.usage) || !Number.isInteger(raw.id) || index.has(raw.id)) {
      throw new Error(`CWE catalogue: malformed entry ${JSON.stringify(raw)}`);
    }
    const terms = Object.freeze([...(record.terms ?? [])]);
    const entry: CweEntry = Object.freeze({
      id: `CWE-${raw.id}`,
      name: raw.name,
      kind: raw.kind,
      abstraction: record.abstraction ?? null,
      status: raw.status,
      usage: raw.usage,
      terms,
      top25: TOP_25_IDS.has(raw.id),
    });
    const nameTokens = tokenize(raw.name);
    index.set(raw.id, {
      entry,
      number: raw.id,
      nameTokens,
      nameText: nameTokens.join(" "),
      termTokens: terms.flatMap(tokenize),
      termTexts: terms.map((term) => tokenize(term).join(" ")),
    });
  }
  return index;
})();

/** Every entry, by ascending id. */
export function cweCatalogue(): CweEntry[] {
  return [...INDEX.values()].map((indexed) => indexed.entry);
}

const ID_PATTERN = /^(?:cwe[-\s:]?)?0*(\d{1,7})$/i;

/**
 * The number of a CWE id written as 79, "79", "CWE-79", "cwe 79" or "CWE:79"; undefined for
 * anything else (including NVD's "NVD-CWE-Other" and "NVD-CWE-noinfo").
 */
export function parseCweId(id: string | number): number | undefined {
  if (typeof id === "number") return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  const match = ID_PATTERN.exec(id.trim());
  if (match === null) return undefined;
  const number = Number(match[1]);
  return number > 0 ? number : undefined;
}

/** The catalogue entry for an id (any form parseCweId accepts), or undefined if unknown. */
export function findCwe(id: string | number): CweEntry | undefined {
  const number = parseCweId(id);
  return number === undefined ? undefined : INDEX.get(number)?.entry;
}

/** True when the id names an entry of the catalogue (weakness, category or view, deprecated or not). */
export function isKnownCwe(id: string | number): boolean {
  return findCwe(id) !== undefined;
}

/** Words that carry no meaning on their own in a search; ignored unless the query has nothing else. */
const STOP_WORDS = new Set([
  "a",
  "an",
  "and",
  "by",
  "for",
  "in",
  "of",
  "on",
  "or",
  "the",
  "to",
  "via",
  "with",
]);

const USAGE_BONUS: Readonly<Record<CweUsage, number>> = {
  Allowed: 1,
  "Allowed-with-Review": 0.5,
  Discouraged: 0,
  Prohibited: -3,
};

function tokenScore(token: string, indexed: Indexed): number {
  if (indexed.nameTokens.includes(token)) return 3;
  if (indexed.termTokens.includes(token)) return 2.5;
  if (token.length >= 2) {
    if (indexed.nameTokens.some((name) => name.startsWith(token))) return 1.5;
    if (indexed.termTokens.some((term) => term.startsWith(token))) return 1;
  }
  if (/^\d+$/.test(token) && Number(token) === indexed.number) return 5;
  return 0;
}

/**
 * Entries matching `query`, best first, at most `limit`.
 * - An id ("79", "CWE-79") finds that entry first, then the ids that start with the same digits.
 * - Words match whole words of the name (best), alternate terms ("XSS", "SQLi"), then word prefixes
 *   ("inject" → "Injection"). Entries matching every word come first; among them, a name or alternate
 *   term containing the whole query as a phrase, a Top 25 member and MITRE's mapping guidance
 *   ("Allowed" before "Discouraged"; categories, views and deprecated entries last) rank higher.
 * @throws RangeError for a limit that is not a positive integer.
 */
export function searchCwe(query: string, limit = 20): CweEntry[] {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const trimmed = query.trim();
  if (trimmed === "") return [];

  const idMatch = ID_PATTERN.exec(trimmed);
  if (idMatch !== null) return searchById(idMatch[1] ?? "", limit);

  const allTokens = tokenize(trimmed);
  const meaningful = allTokens.filter((token) => !STOP_WORDS.has(token));
  const tokens = meaningful.length > 0 ? meaningful : allTokens;
  if (tokens.length === 0) return [];
  const phrase = allTokens.join(" ");

  const ranked: { indexed: Indexed; complete: boolean; score: number }[] = [];
  for (const indexed of INDEX.values()) {
    let score = 0;
    let matched = 0;
    for (const token of tokens) {
      const points = tokenScore(token, indexed);
      if (points > 0) matched += 1;
      score += points;
    }
    if (matched === 0) continue;
    if (indexed.termTexts.includes(phrase)) score += 5;
    if (` ${indexed.nameText} `.includes(` ${phrase} `)) score += 4;
    if (indexed.entry.top25) score += 2;
    score += USAGE_BONUS[indexed.entry.usage];
    // The tighter the name fits the query, the better (a tie-breaker, worth less than any match).
    score -= 0.01 * Math.max(0, indexed.nameTokens.length - tokens.length);
    ranked.push({ indexed, complete: matched === tokens.length, score });
  }
  ranked.sort(
    (a, b) =>
      Number(b.complete) - Number(a.complete) || b.score - a.score || a.indexed.number - b.indexed.number,
  );
  return ranked.slice(0, limit).map(({ indexed }) => indexed.entry);
}

function searchById(digits: string, limit: number): CweEntry[] {
  const exact = INDEX.get(Number(digits));
  const prefixed = [...INDEX.values()]
    .filter((indexed) => indexed !== exact && String(indexed.number).startsWith(digits))
    .sort(
      (a, b) =>
        Number(a.entry.usage === "Prohibited") - Number(b.entry.usage === "Prohibited") ||
        a.number - b.number,
    )
    .map((indexed) => indexed.entry);
  return (exact === undefined ? prefixed : [exact.entry, ...prefixed]).slice(0, limit);
}
