import { compareVersions, matches, parseRange, parseVersion, type Range, type Version } from "./versions.js";

/**
 * "Is my version affected?" (GET /api/v1/programs/{program}/affected): what the published affected-release rows of one product say about
 * one version. Pure: the rows (as `published_affected` holds them) and the version in, the answer
 * out. Only published rows ever reach this: nothing here knows about cases.
 *
 * A row says of a version range (`versions`) that it is `affected`, `not-affected`, `fixed` or
 * `will-not-fix`, with an optional `fixed_in` version. A version is in a row when the row's range
 * matches it, and then:
 * - `not-affected`: not affected;
 * - `will-not-fix`: affected, and no fix is coming;
 * - `affected` or `fixed` with a `fixed_in` that can be ordered against the version: affected
 *   before `fixed_in`, fixed from it on (">=7.0.0 <7.1.0", fixed in 7.0.3: 7.0.1 is affected,
 *   7.0.5 is fixed);
 * - otherwise as the row says (`affected` affected, `fixed` fixed).
 * The answer is `affected` when any row finds the version affected, else `fixed` when one finds
 * it fixed, else `not-affected` when one says so, else `unknown`: nothing published names it.
 */

export const PUBLISHED_STATUSES = ["affected", "not-affected", "fixed", "will-not-fix"] as const;
export type PublishedStatus = (typeof PUBLISHED_STATUSES)[number];

export type AnswerStatus = "affected" | "not-affected" | "fixed" | "unknown";

/** One published row, read. */
export interface PublishedRange {
  /** The range as published. */
  readonly versions: string;
  readonly range: Range;
  readonly status: PublishedStatus;
  readonly fixedIn: string | null;
  readonly fixedInVersion: Version | undefined;
  readonly cveId: string | null;
  readonly publishedAt: string;
}

/** The columns of a `published_affected` row this needs (never its case). */
export interface PublishedRow {
  versions: string;
  status: string;
  fixed_in: string | null;
  cve_id: string | null;
  published_at: string;
}

const isPublishedStatus = (status: string): status is PublishedStatus =>
  (PUBLISHED_STATUSES as readonly string[]).includes(status);

/**
 * A row, read; undefined when its range or status cannot be read (the writer checks both with
 * this module, so only a row written by hand can be refused: it then answers for no version).
 */
export function readPublishedRow(row: PublishedRow): PublishedRange | undefined {
  const range = parseRange(row.versions.trim());
  if (!range.ok || !isPublishedStatus(row.status)) return undefined;
  const fixedIn = row.fixed_in === null || row.fixed_in.trim() === "" ? null : row.fixed_in.trim();
  const fixedInVersion = fixedIn === null ? undefined : parseVersion(fixedIn);
  return {
    versions: row.versions,
    range: range.value,
    status: row.status,
    fixedIn,
    fixedInVersion: fixedInVersion?.ok === true ? fixedInVersion.value : undefined,
    cveId: row.cve_id,
    publishedAt: row.published_at,
  };
}

export interface Advisory {
  cveId: string | null;
  /** What the row says of its range. */
  status: PublishedStatus;
  versions: string;
  fixedIn: string | null;
  publishedAt: string;
  /** Whether this row finds the asked version affected. */
  affectsVersion: boolean;
}

export interface Assessment {
  affected: boolean;
  status: AnswerStatus;
  /** The fix versions of the rows that find the version affected, oldest first: where to upgrade to. */
  fixedIn: string[];
  /** The rows whose range holds the version, in the order given. */
  advisories: Advisory[];
}

type Verdict = "affected" | "fixed" | "not-affected";

function verdict(row: PublishedRange, version: Version): Verdict {
  if (row.status === "not-affected") return "not-affected";
  if (row.status === "will-not-fix") return "affected";
  const order = row.fixedInVersion === undefined ? undefined : compareVersions(version, row.fixedInVersion);
  if (order !== undefined) return order >= 0 ? "fixed" : "affected";
  return row.status;
}

export function assess(rows: readonly PublishedRange[], version: Version): Assessment {
  const advisories: Advisory[] = [];
  const fixes: { text: string; version: Version | undefined }[] = [];
  const seen = new Set<Verdict>();
  for (const row of rows) {
    if (!matches(row.range, version)) continue;
    const found = verdict(row, version);
    seen.add(found);
    if (found === "affected" && row.fixedIn !== null && !fixes.some((fix) => fix.text === row.fixedIn))
      fixes.push({ text: row.fixedIn, version: row.fixedInVersion });
    advisories.push({
      cveId: row.cveId,
      status: row.status,
      versions: row.versions,
      fixedIn: row.fixedIn,
      publishedAt: row.publishedAt,
      affectsVersion: found === "affected",
    });
  }
  const status: AnswerStatus = seen.has("affected")
    ? "affected"
    : seen.has("fixed")
      ? "fixed"
      : seen.has("not-affected")
        ? "not-affected"
        : "unknown";
  return {
    affected: status === "affected",
    status,
    fixedIn: fixes.sort(byVersion).map((fix) => fix.text),
    advisories,
  };
}

/** Ordered versions first, oldest first; the rest (labels, unreadable) after, by text. */
function byVersion(a: { text: string; version: Version | undefined }, b: typeof a): number {
  const order =
    a.version === undefined || b.version === undefined ? undefined : compareVersions(a.version, b.version);
  if (order !== undefined && order !== 0) return order;
  const ordered = (x: typeof a) => (x.version?.kind === "numeric" ? 0 : 1);
  return ordered(a) - ordered(b) || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
}
