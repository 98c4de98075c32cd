/**
 * CSAF 2.0 provider directory (section 7 of the standard): the pure builders of what a CSAF
 * aggregator reads. provider-metadata.json (requirement 7) names one ROLIE feed per program
 * (requirement 15, TLP:WHITE) and the programs' signing keys (requirement 20); each program's
 * directory holds the year folders (requirement 11), index.txt (12), changes.csv (13), and beside
 * each document its .sha256 (18) and, when the program has a key, its .asc (19). The web layer
 * (src/web/routes/csaf-provider.ts) reads the store, hashes, signs and serves what these return.
 *
 * Layout, under `{publicUrl}/.well-known/csaf/`:
 *   provider-metadata.json
 *   {program}/white/csaf-feed-tlp-white.json, index.txt, changes.csv
 *   {program}/white/{YYYY}/{file}.json (+ .sha256, .asc)
 */
import type { CsafDocument } from "./csaf.js";

export const CSAF_SCHEMA_URL = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json";
export const CSAF_ROOT = "/.well-known/csaf";
export const FEED_FILE = "csaf-feed-tlp-white.json";

/** The directory of a program's TLP:WHITE documents, as a path (no host). */
export const csafDirectoryPath = (program: string) => `${CSAF_ROOT}/${program}/white`;

/**
 * The file name section 5.1 of CSAF 2.0 gives a document: the tracking id in lower case, each run
 * of characters other than `+`, `-`, a–z and 0–9 replaced by one `_`, then `.json`.
 */
export function csafFileName(trackingId: string): string {
  return `${trackingId.toLowerCase().replace(/[^+\-a-z0-9]+/g, "_")}.json`;
}

/** The document's place in its directory: `YYYY/{file}.json`, the year of its initial release date. */
export function csafPathOf(document: CsafDocument): string {
  // The year as the date is written (requirement 11 says "the year given in the value").
  const year = /^(\d{4})-/.exec(document.document.tracking.initial_release_date)?.[1] ?? "0000";
  return `${year}/${csafFileName(document.document.tracking.id)}`;
}

/** One served document, as the directory's listings need it. */
export interface CsafListing {
  /** `YYYY/{file}.json` relative to the program's directory. */
  path: string;
  trackingId: string;
  title: string;
  initialReleaseDate: string;
  currentReleaseDate: string;
}

export function csafListingOf(document: CsafDocument): CsafListing {
  const { tracking, title } = document.document;
  return {
    path: csafPathOf(document),
    trackingId: tracking.id,
    title,
    initialReleaseDate: tracking.initial_release_date,
    currentReleaseDate: tracking.current_release_date,
  };
}

/** Latest change first (requirement 13's order), then by path so that ties always list the same way. */
export function newestFirst(listings: readonly CsafListing[]): CsafListing[] {
  return [...listings].sort(
    (a, b) =>
      Date.parse(b.currentReleaseDate) - Date.parse(a.currentReleaseDate) ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
}

/** The newest instant of those given (ISO 8601), or `fallback` when there is none. */
export function latestOf(instants: readonly string[], fallback: string): string {
  let latest: string | undefined;
  for (const instant of instants)
    if (latest === undefined || Date.parse(instant) > Date.parse(latest)) latest = instant;
  return latest ?? fallback;
}

/** index.txt (requirement 12): every document's path, one a line, each line ended by a newline. */
export function indexTxt(listings: readonly CsafListing[]): string {
  return newestFirst(listings)
    .map((listing) => `${listing.path}\n`)
    .join("");
}

const csvField = (text: string) => `"${text.replaceAll('"', '""')}"`;

/**
 * changes.csv (requirement 13): path and `current_release_date` (as the document writes it), no
 * heading, latest first.
 */
export function changesCsv(listings: readonly CsafListing[]): string {
  return newestFirst(listings)
    .map((listing) => `${csvField(listing.path)},${csvField(listing.currentReleaseDate)}\n`)
    .join("");
}

/** A `.sha256` file (requirement 18) in sha256sum's format: the hex digest, two spaces, the file name. */
export function sha256File(hexDigest: string, path: string): string {
  return `${hexDigest}  ${path.slice(path.lastIndexOf("/") + 1)}\n`;
}

export interface RolieFeed {
  feed: {
    id: string;
    title: string;
    link: { rel: string; href: string }[];
    category: { scheme: string; term: string }[];
    updated: string;
    entry: {
      id: string;
      title: string;
      link: { rel: string; href: string }[];
      published: string;
      updated: string;
      content: { type: "application/json"; src: string };
      format: { schema: string; version: "2.0" };
    }[];
  };
}

/**
 * A program's ROLIE feed (requirement 15): every TLP:WHITE document, latest change first, each
 * entry linking its hash and, when the program signs (`signed`), its signature.
 */
export function rolieFeed(options: {
  program: { slug: string; name: string };
  /** `{publicUrl}{csafDirectoryPath(slug)}`. */
  directoryUrl: string;
  listings: readonly CsafListing[];
  signed: boolean;
  /** When the feed has no entry: the moment it is served. */
  now: string;
}): RolieFeed {
  const { directoryUrl, listings } = options;
  return {
    feed: {
      id: `${options.program.slug}-csaf-feed-tlp-white`,
      title: `${options.program.name} CSAF feed (TLP:WHITE)`,
      link: [{ rel: "self", href: `${directoryUrl}/${FEED_FILE}` }],
      category: [{ scheme: "urn:ietf:params:rolie:category:information-type", term: "csaf" }],
      updated: latestOf(
        listings.map((listing) => listing.currentReleaseDate),
        options.now,
      ),
      entry: newestFirst(listings).map((listing) => {
        const href = `${directoryUrl}/${listing.path}`;
        return {
          id: listing.trackingId,
          title: listing.title,
          link: [
            { rel: "self", href },
            { rel: "hash", href: `${href}.sha256` },
            ...(options.signed ? [{ rel: "signature", href: `${href}.asc` }] : []),
          ],
          published: listing.initialReleaseDate,
          updated: listing.currentReleaseDate,
          content: { type: "application/json", src: href },
          format: { schema: CSAF_SCHEMA_URL, version: "2.0" },
        };
      }),
    },
  };
}

export interface ProviderMetadata {
  canonical_url: string;
  distributions: { rolie: { feeds: { summary: string; tlp_label: "WHITE"; url: string }[] } }[];
  last_updated: string;
  list_on_CSAF_aggregators: true;
  metadata_version: "2.0";
  mirror_on_CSAF_aggregators: true;
  public_openpgp_keys?: { fingerprint: string; url: string }[];
  publisher: { category: "vendor"; name: string; namespace: string };
  role: "csaf_provider" | "csaf_trusted_provider";
}

export interface ProviderProgram {
  slug: string;
  name: string;
  /** The fingerprint of the key that signs its documents; undefined when it has none (no .asc). */
  signingKey: string | undefined;
}

/**
 * provider-metadata.json (requirement 7). One file for the instance, at the well-known address of
 * its domain (requirement 9), whatever the number of programs it serves: one ROLIE feed per program.
 *
 * The role is `csaf_trusted_provider` only when every program signs (requirements 18 to 20 then
 * hold for every document); a program without a key makes the instance a `csaf_provider`, and its
 * documents are served with their hashes but unsigned.
 */
export function providerMetadata(options: {
  publicUrl: string;
  programs: readonly ProviderProgram[];
  /**
   * The instance's publisher. Several programs share one provider-metadata.json, which has one
   * publisher: the caller gives the default program's, the one /.well-known/security.txt speaks
   * for; each document still names its own program as its publisher.
   */
  publisher: { name: string; namespace: string };
  lastUpdated: string;
}): ProviderMetadata {
  const { publicUrl, programs } = options;
  const keys = programs.flatMap((program) =>
    program.signingKey === undefined
      ? []
      : [{ fingerprint: program.signingKey, url: `${publicUrl}/p/${program.slug}/openpgp.asc` }],
  );
  return {
    canonical_url: `${publicUrl}${CSAF_ROOT}/provider-metadata.json`,
    distributions: [
      {
        rolie: {
          feeds: programs.map((program) => ({
            summary: `All TLP:WHITE advisories of ${program.name}.`,
            tlp_label: "WHITE",
            url: `${publicUrl}${csafDirectoryPath(program.slug)}/${FEED_FILE}`,
          })),
        },
      },
    ],
    last_updated: options.lastUpdated,
    list_on_CSAF_aggregators: true,
    metadata_version: "2.0",
    mirror_on_CSAF_aggregators: true,
    ...(keys.length === 0 ? {} : { public_openpgp_keys: keys }),
    publisher: { category: "vendor", ...options.publisher },
    role:
      programs.length > 0 && programs.every((program) => program.signingKey !== undefined)
        ? "csaf_trusted_provider"
        : "csaf_provider",
  };
}
