/**
 * OSV (https://ossf.github.io/osv-schema/): export of an advisory record and import of an OSV
 * document. Pure. The tests validate every export against the OSV JSON schema
 * (test/vectors/osv/) and import the OSV project's own test records.
 *
 * What the two carry differently:
 * - OSV lists only affected versions: a record's not-affected and fixed ranges are left out, and a
 *   fix shows as the `fixed` event ending an affected range.
 * - The id is the record's tracking id when it is an id of an OSV database (GHSA-…, GO-…, CVE-…),
 *   else the CVE id, else "x_" and the tracking id; the tracking id itself travels in
 *   `database_specific.embargo` so that an import gives it back.
 * - CVSS 3.0 and 2.0 severities, `ecosystem_specific`, other databases' `database_specific` and,
 *   where ranges are given, the enumerated `versions` are not kept by an import.
 */
import { z } from "zod";
import {
  type AdvisoryCredit,
  type AdvisoryProduct,
  type AdvisoryRange,
  type AdvisoryRecord,
  type AdvisoryReference,
  CREDIT_TYPES,
  type CreditType,
} from "../domain/advisories/record.js";
import { scoreCvss31, scoreCvss40 } from "../domain/cvss/index.js";
import { parseVersion } from "../domain/disclosure/versions.js";
import { isSemver, readRange, writeBounds } from "./ranges.js";

export const OSV_SCHEMA_VERSION = "1.6.0";

export type OsvEvent =
  | { introduced: string }
  | { fixed: string }
  | { last_affected: string }
  | { limit: string };

export interface OsvRange {
  type: "SEMVER" | "ECOSYSTEM" | "GIT";
  repo?: string;
  events: OsvEvent[];
}

export interface OsvAffected {
  package?: { ecosystem: string; name: string; purl?: string };
  ranges?: OsvRange[];
  versions?: string[];
  database_specific?: { vendor?: string; product?: string; product_id?: string };
}

export interface OsvDocument {
  schema_version?: string;
  id: string;
  modified: string;
  published?: string;
  aliases?: string[];
  summary?: string;
  details?: string;
  severity?: { type: string; score: string }[];
  affected?: OsvAffected[];
  references?: { type: string; url: string }[];
  credits?: { name: string; contact?: string[]; type?: string }[];
  database_specific?: {
    cwe_ids?: string[];
    severity?: string;
    embargo?: { tracking_id?: string; title?: string; summary?: string };
  };
}

/** OSV's home database prefixes (the schema's `prefix`); a tracking id with one is an OSV id. */
const OSV_PREFIXES = [
  "ASB-A",
  "PUB-A",
  "ALPINE",
  "ALSA",
  "ALBA",
  "ALEA",
  "AZL",
  "BELL",
  "BIT",
  "CGA",
  "CLEANSTART",
  "CLSA",
  "CURL",
  "CVE",
  "DEBIAN",
  "DHI",
  "DRUPAL",
  "DSA",
  "DLA",
  "ELA",
  "DTSA",
  "ECHO",
  "EEF",
  "FreeBSD",
  "GHSA",
  "GO",
  "GSD",
  "HSEC",
  "JLSEC",
  "KUBE",
  "LBSEC",
  "LSN",
  "MAL",
  "MINI",
  "MGASA",
  "OESA",
  "OSEC",
  "OSV",
  "openSUSE-SU",
  "PHSA",
  "PSF",
  "PYSEC",
  "RHBA",
  "RHEA",
  "RHSA",
  "RLSA",
  "RXSA",
  "RSEC",
  "ROOT",
  "RUSTSEC",
  "SUSE-SU",
  "SUSE-RU",
  "SUSE-FU",
  "SUSE-OU",
  "UBUNTU",
  "USN",
  "V8",
] as const;

/** Ecosystems whose versions are semver, for which OSV's own data uses SEMVER ranges. */
const SEMVER_ECOSYSTEMS: readonly string[] = ["npm", "Go", "crates.io", "Hex", "Pub", "NuGet"];

const isOsvId = (id: string) =>
  id.startsWith("x_") || OSV_PREFIXES.some((prefix) => id.startsWith(`${prefix}-`));

const REFERENCE_TYPES = [
  "ADVISORY",
  "ARTICLE",
  "DETECTION",
  "DISCUSSION",
  "REPORT",
  "FIX",
  "INTRODUCED",
  "GIT",
  "PACKAGE",
  "EVIDENCE",
  "WEB",
] as const;
/** Embargo's reference kinds that have another name in OSV. */
const REFERENCE_ALIASES: Readonly<Record<string, string>> = {
  patch: "FIX",
  commit: "FIX",
  "release-notes": "WEB",
};

/** Instants as OSV's timestamp pattern wants them ("…Z"). */
function timestamp(instant: string): string {
  return instant.endsWith("Z") ? instant : new Date(instant).toISOString();
}

// ---------------------------------------------------------------------------------------------
// Export

export function toOsv(record: AdvisoryRecord): OsvDocument {
  const id = isOsvId(record.trackingId) ? record.trackingId : (record.cveId ?? `x_${record.trackingId}`);
  const aliases = [...(record.cveId === null ? [] : [record.cveId]), ...record.aliases].filter(
    (alias, index, all) => alias !== id && all.indexOf(alias) === index,
  );
  const severity: { type: string; score: string }[] = [];
  if (record.cvss31 !== null) severity.push({ type: "CVSS_V3", score: record.cvss31.vector });
  if (record.cvss40 !== null) severity.push({ type: "CVSS_V4", score: record.cvss40.vector });
  const databaseSpecific: NonNullable<OsvDocument["database_specific"]> = {
    embargo: { tracking_id: record.trackingId, title: record.title, summary: record.summary },
  };
  if (record.cwe !== null) databaseSpecific.cwe_ids = [record.cwe];
  if (record.severity !== null) databaseSpecific.severity = record.severity.toUpperCase();
  const document: OsvDocument = {
    schema_version: OSV_SCHEMA_VERSION,
    id,
    modified: timestamp(record.updatedAt),
    ...(record.publishedAt === null ? {} : { published: timestamp(record.publishedAt) }),
    ...(aliases.length === 0 ? {} : { aliases }),
    // An imported record without a summary took its id as title; it goes back without one.
    ...(record.title === id || record.title === record.trackingId ? {} : { summary: record.title }),
    details: details(record),
    ...(severity.length === 0 ? {} : { severity }),
    affected: record.products.flatMap(osvAffected),
    references: record.references.map((reference) => ({
      type: referenceType(reference.kind),
      url: reference.url,
    })),
    ...(record.credits.length === 0
      ? {}
      : {
          credits: record.credits.map((credit) => ({
            name: credit.name,
            ...(credit.url === undefined ? {} : { contact: [credit.url] }),
            type: credit.type.toUpperCase().replaceAll(" ", "_"),
          })),
        }),
    database_specific: databaseSpecific,
  };
  return document;
}

/** OSV's details are Markdown: the description, led by the summary unless it already says it. */
function details(record: AdvisoryRecord): string {
  const summary = record.summary.trim();
  const description = record.description;
  if (summary === "") return description;
  if (description.trim() === "") return summary;
  return description.startsWith(summary) ? description : `${summary}\n\n${description}`;
}

function referenceType(kind: string | undefined): string {
  if (kind === undefined) return "WEB";
  const upper = kind.toUpperCase();
  if ((REFERENCE_TYPES as readonly string[]).includes(upper)) return upper;
  return REFERENCE_ALIASES[kind.toLowerCase()] ?? "WEB";
}

function osvAffected(product: AdvisoryProduct): OsvAffected[] {
  const affected = product.ranges.filter(
    (range) => range.status === "affected" || range.status === "will-not-fix",
  );
  if (affected.length === 0) return [];
  const git = product.package?.ecosystem === "GIT";
  const events: OsvEvent[] = [];
  const versions: string[] = [];
  for (const range of affected) {
    for (const part of readRange(range.versions)) {
      if (part.kind === "exact") {
        versions.push(part.version);
      } else if (part.kind === "prefix") {
        const start = [...part.numbers, 0, 0, 0].slice(0, Math.max(3, part.numbers.length));
        const limit = [...part.numbers];
        const lastIndex = limit.length - 1;
        if (lastIndex >= 0) limit[lastIndex] = (limit[lastIndex] ?? 0) + 1;
        events.push({ introduced: part.numbers.length === 0 ? "0" : start.join(".") });
        if (lastIndex >= 0) events.push({ limit: [...limit, 0, 0, 0].slice(0, start.length).join(".") });
      } else {
        events.push({ introduced: part.lower === null ? "0" : semverOf(part.lower.version, git) });
        const upper = part.upper;
        if (upper === null) {
          if (range.fixedIn !== undefined) events.push({ fixed: semverOf(range.fixedIn, git) });
        } else if (upper.inclusive) {
          events.push({ last_affected: semverOf(upper.version, git) });
        } else if (range.fixedIn === upper.version) {
          events.push({ fixed: semverOf(upper.version, git) });
        } else {
          events.push({ limit: semverOf(upper.version, git) });
        }
      }
    }
  }
  const entry: OsvAffected = {};
  if (product.package !== undefined && !git) entry.package = { ...product.package };
  // OSV refuses `last_affected` and `fixed` in one range: segments ending in last_affected get their own.
  const segments: OsvEvent[][] = [];
  for (const event of events) {
    const current = segments.at(-1);
    if ("introduced" in event || current === undefined) segments.push([event]);
    else current.push(event);
  }
  const lastAffected = segments.filter((segment) => segment.some((event) => "last_affected" in event));
  const others = segments.filter((segment) => !lastAffected.includes(segment));
  const groups = [others.flat(), lastAffected.flat()].map((group) =>
    group.filter(
      (event, index) => group.findIndex((other) => JSON.stringify(other) === JSON.stringify(event)) === index,
    ),
  );
  const all = groups.flat();
  if (all.length > 0) {
    const allSemver = all.every((event) => {
      const version = Object.values(event)[0] as string;
      return version === "0" || isSemver(version);
    });
    // ECOSYSTEM orders versions as the package's ecosystem does; SEMVER where the ecosystem is
    // semver (npm, Go, …) or where there is no package to name an ecosystem.
    const semverEcosystem =
      product.package === undefined || SEMVER_ECOSYSTEMS.includes(product.package.ecosystem);
    const type = git
      ? "GIT"
      : (allSemver && semverEcosystem) || product.package === undefined
        ? "SEMVER"
        : "ECOSYSTEM";
    entry.ranges = groups
      .filter((group) => group.length > 0)
      .map((group) => ({
        type,
        ...(git && product.package !== undefined ? { repo: product.package.name } : {}),
        events: group,
      }));
  }
  if (versions.length > 0) entry.versions = versions;
  entry.database_specific = { vendor: product.vendor, product: product.name, product_id: product.id };
  return [entry];
}

/** "7.0" → "7.0.0" for a SEMVER range; other versions (and commits) as they are. */
function semverOf(version: string, git: boolean): string {
  if (git) return version;
  const parsed = parseVersion(version);
  if (!parsed.ok || parsed.value.kind !== "numeric" || parsed.value.numbers.length >= 3) return version;
  const numbers = [...parsed.value.numbers, 0, 0].slice(0, 3).join(".");
  const pre = parsed.value.prerelease.length === 0 ? "" : `-${parsed.value.prerelease.join(".")}`;
  return numbers + pre;
}

// ---------------------------------------------------------------------------------------------
// Import

export class OsvImportError extends Error {
  override name = "OsvImportError";
}

const eventSchema = z.union([
  z.object({ introduced: z.string().min(1) }),
  z.object({ fixed: z.string().min(1) }),
  z.object({ last_affected: z.string().min(1) }),
  z.object({ limit: z.string().min(1) }),
]);

const osvSchema = z.object({
  schema_version: z.string().optional(),
  id: z.string().min(1).max(200),
  modified: z.string().min(1),
  published: z.string().optional(),
  aliases: z.array(z.string()).nullish(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(z.object({ type: z.string(), score: z.string() })).nullish(),
  affected: z
    .array(
      z.object({
        package: z
          .object({ ecosystem: z.string().min(1), name: z.string().min(1), purl: z.string().optional() })
          .optional(),
        ranges: z
          .array(
            z.object({
              type: z.enum(["SEMVER", "ECOSYSTEM", "GIT"]),
              repo: z.string().optional(),
              events: z.array(eventSchema).min(1),
            }),
          )
          .optional(),
        versions: z.array(z.string()).optional(),
        database_specific: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .nullish(),
  references: z.array(z.object({ type: z.string(), url: z.string() })).nullish(),
  credits: z
    .array(
      z.object({
        name: z.string().min(1),
        contact: z.array(z.string()).optional(),
        type: z.string().optional(),
      }),
    )
    .optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});

export interface ImportContext {
  /** The new record's id (src/store/ids.ts). */
  id: string;
  /** The program the advisory is imported into. */
  program: string;
  /** The publisher when the document names none (OSV never does). */
  publisher: { name: string; namespace: string };
}

/**
 * Reads a stranger's OSV document into an advisory record, refusing what OSV itself refuses (a
 * range without an `introduced` event, an affected entry with neither package nor GIT range).
 */
export function importOsv(input: unknown, context: ImportContext): AdvisoryRecord {
  const parsed = osvSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OsvImportError(
      `Not an OSV document: ${issue === undefined ? "unreadable" : `${issue.path.join(".") || "(top)"}: ${issue.message}`}`,
    );
  }
  const doc = parsed.data;
  for (const [index, affected] of (doc.affected ?? []).entries()) {
    for (const [r, range] of (affected.ranges ?? []).entries()) {
      if (!range.events.some((event) => "introduced" in event))
        throw new OsvImportError(
          `Not an OSV document: affected[${index}].ranges[${r}] has no "introduced" event`,
        );
      if (range.type === "GIT" && range.repo === undefined)
        throw new OsvImportError(
          `Not an OSV document: affected[${index}].ranges[${r}] is a GIT range without a repo`,
        );
    }
    const hasGit = (affected.ranges ?? []).some((range) => range.type === "GIT");
    const named = typeof affected.database_specific?.product === "string";
    if (affected.package === undefined && !hasGit && !named)
      throw new OsvImportError(
        `Not an OSV document: affected[${index}] names no package (only GIT ranges may go without one)`,
      );
  }
  return fromOsv(doc as OsvDocument, context);
}

export function fromOsv(doc: OsvDocument, context: ImportContext): AdvisoryRecord {
  const embargo = doc.database_specific?.embargo;
  const aliases = doc.aliases ?? [];
  const cveId = doc.id.startsWith("CVE-")
    ? doc.id
    : (aliases.find((alias) => alias.startsWith("CVE-")) ?? null);
  const trackingId = embargo?.tracking_id ?? (doc.id.startsWith("x_") ? doc.id.slice(2) : doc.id);
  const detailsText = doc.details ?? "";
  const firstParagraph = detailsText.split("\n\n")[0]?.trim() ?? "";
  const vectors = doc.severity ?? [];
  const v31 = vectors.find((entry) => entry.type === "CVSS_V3" && entry.score.startsWith("CVSS:3.1/"));
  const v40 = vectors.find((entry) => entry.type === "CVSS_V4");
  const cweIds = doc.database_specific?.cwe_ids;
  return {
    id: context.id,
    program: context.program,
    trackingId,
    caseId: null,
    title: doc.summary ?? embargo?.title ?? doc.id,
    summary: embargo?.summary ?? firstParagraph,
    description: detailsText,
    cveId,
    aliases: aliases.filter((alias) => alias !== cveId && alias !== doc.id),
    cwe: Array.isArray(cweIds) && typeof cweIds[0] === "string" ? cweIds[0] : null,
    cvss31:
      v31 === undefined ? null : { vector: v31.score, score: scored(() => scoreCvss31(v31.score).baseScore) },
    cvss40:
      v40 === undefined ? null : { vector: v40.score, score: scored(() => scoreCvss40(v40.score).score) },
    severity:
      typeof doc.database_specific?.severity === "string"
        ? doc.database_specific.severity.toLowerCase()
        : null,
    products: (doc.affected ?? []).flatMap((affected, index) => productFromOsv(affected, index, doc.id)),
    references: (doc.references ?? []).map(
      (reference): AdvisoryReference => ({ url: reference.url, kind: reference.type.toLowerCase() }),
    ),
    credits: (doc.credits ?? []).map(creditFromOsv),
    publishedAt: doc.published ?? null,
    updatedAt: doc.modified,
    revisions: [],
    publisher: context.publisher,
  };
}

function scored(score: () => number): number {
  try {
    return score();
  } catch (error) {
    throw new OsvImportError(
      `Not an OSV document: ${error instanceof Error ? error.message : "a CVSS vector is invalid"}`,
    );
  }
}

function creditFromOsv(credit: { name: string; contact?: string[]; type?: string }): AdvisoryCredit {
  const type = (credit.type ?? "OTHER").toLowerCase().replaceAll("_", " ");
  const url = credit.contact?.find((contact) => contact.startsWith("https://"));
  return {
    name: credit.name,
    type: (CREDIT_TYPES as readonly string[]).includes(type) ? (type as CreditType) : "other",
    ...(url === undefined ? {} : { url }),
  };
}

function productFromOsv(affected: OsvAffected, index: number, docId: string): AdvisoryProduct[] {
  const specific = affected.database_specific ?? {};
  const gitRange = (affected.ranges ?? []).find((range) => range.type === "GIT");
  const pkg =
    affected.package ??
    (gitRange?.repo === undefined ? undefined : { ecosystem: "GIT", name: gitRange.repo });
  // Without package or repository, only Embargo's own export names the product (a service, a label).
  const name = typeof specific.product === "string" ? specific.product : pkg?.name;
  if (name === undefined) return [];
  const ranges: AdvisoryRange[] = [];
  for (const range of affected.ranges ?? []) {
    // A package's GIT ranges are commits of a repository the record cannot name beside the package.
    if (range.type === "GIT" && affected.package !== undefined) continue;
    ranges.push(...rangesFromEvents(range.events));
  }
  if (ranges.length === 0)
    for (const version of affected.versions ?? []) ranges.push({ versions: version, status: "affected" });
  return [
    {
      id: typeof specific.product_id === "string" ? specific.product_id : `${docId}-${index + 1}`,
      name,
      vendor: typeof specific.vendor === "string" ? specific.vendor : (pkg?.ecosystem ?? "N/A"),
      ...(pkg === undefined ? {} : { package: { ...pkg } }),
      ranges,
    },
  ];
}

/** OSV events, in their order, as Embargo ranges: each `introduced` opens one, the next end closes it. */
function rangesFromEvents(events: readonly OsvEvent[]): AdvisoryRange[] {
  const ranges: AdvisoryRange[] = [];
  let introduced: string | null = null;
  let open = false;
  const lower = () =>
    introduced === null || introduced === "0" ? null : { version: introduced, inclusive: true };
  for (const event of events) {
    if ("introduced" in event) {
      if (open) ranges.push({ versions: writeBounds(lower(), null), status: "affected" });
      introduced = event.introduced;
      open = true;
    } else if ("fixed" in event) {
      ranges.push({
        versions: writeBounds(lower(), { version: event.fixed, inclusive: false }),
        status: "affected",
        fixedIn: event.fixed,
      });
      open = false;
    } else if ("last_affected" in event) {
      ranges.push({
        versions: writeBounds(lower(), { version: event.last_affected, inclusive: true }),
        status: "affected",
      });
      open = false;
    } else {
      ranges.push({
        versions: writeBounds(lower(), { version: event.limit, inclusive: false }),
        status: "affected",
      });
      open = false;
    }
  }
  if (open) ranges.push({ versions: writeBounds(lower(), null), status: "affected" });
  return ranges;
}
