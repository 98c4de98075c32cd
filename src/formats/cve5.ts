/**
 * CVE JSON 5 (https://github.com/CVEProject/cve-schema): the CNA container a CNA submits for an
 * advisory, and the full published record around it (for validation and for a CNA's own archive).
 * Pure: a record and options in, a document out; the tests validate every output against the
 * bundled CVE schema (test/vectors/cve-5/).
 */
import type { AdvisoryRange, AdvisoryRecord, RangeStatus } from "../domain/advisories/record.js";
import { scoreCvss31, scoreCvss40 } from "../domain/cvss/index.js";
import { findCwe } from "../domain/cwe/index.js";
import { isNumericVersion, readRange } from "./ranges.js";

export interface CveExportOptions {
  /** The CNA's organisation UUID in the CVE Services user registry. */
  orgId: string;
  /** The CNA's short name (2 to 32 characters). */
  shortName?: string;
  /** When the CVE id was reserved (ISO 8601); for the full record only. */
  dateReserved?: string;
}

export type CveStatus = "affected" | "unaffected" | "unknown";

export interface CveVersion {
  version: string;
  status: CveStatus;
  versionType?: string;
  lessThan?: string;
  lessThanOrEqual?: string;
}

export interface CveAffected {
  vendor: string;
  product: string;
  packageName?: string;
  collectionURL?: string;
  versions: CveVersion[];
  defaultStatus: CveStatus;
}

export interface CveCvssMetric {
  version: string;
  vectorString: string;
  baseScore: number;
  baseSeverity: string;
}

export interface CveCnaContainer {
  providerMetadata: { orgId: string; shortName?: string; dateUpdated: string };
  title: string;
  datePublic?: string;
  descriptions: {
    lang: string;
    value: string;
    supportingMedia?: { type: string; base64: boolean; value: string }[];
  }[];
  affected: CveAffected[];
  problemTypes?: { descriptions: { lang: string; description: string; cweId: string; type: string }[] }[];
  metrics?: ({ format: string; cvssV3_1: CveCvssMetric } | { format: string; cvssV4_0: CveCvssMetric })[];
  references: { url: string; name?: string; tags?: string[] }[];
  credits?: { lang: string; value: string; type: string }[];
  x_generator?: { engine: string };
}

export interface CveRecord {
  dataType: "CVE_RECORD";
  dataVersion: string;
  cveMetadata: {
    cveId: string;
    assignerOrgId: string;
    assignerShortName?: string;
    state: "PUBLISHED";
    dateReserved?: string;
    datePublished?: string;
    dateUpdated: string;
  };
  containers: { cna: CveCnaContainer };
}

/** The CVE schema's description limit. */
const TEXT_MAX = 4096;

const STATUS: Record<RangeStatus, CveStatus> = {
  affected: "affected",
  "will-not-fix": "affected",
  fixed: "unaffected",
  "not-affected": "unaffected",
};

/** Known package collections (CVE's `collectionURL` examples) for the ecosystems Embargo names. */
const COLLECTIONS: Readonly<Record<string, string>> = {
  npm: "https://www.npmjs.com",
  PyPI: "https://pypi.org",
  Maven: "https://repo.maven.apache.org/maven2",
  "crates.io": "https://crates.io",
  RubyGems: "https://rubygems.org",
  Packagist: "https://packagist.org",
  NuGet: "https://www.nuget.org/packages",
  Go: "https://pkg.go.dev",
};

/** The CNA container for a record (what a CNA submits to CVE Services). */
export function toCveCnaContainer(record: AdvisoryRecord, options: CveExportOptions): CveCnaContainer {
  if (record.products.length === 0)
    throw new Error("A CVE record needs at least one affected product: this advisory names none");
  if (record.references.length === 0)
    throw new Error("A CVE record needs at least one reference: this advisory has none");
  const container: CveCnaContainer = {
    providerMetadata: {
      orgId: options.orgId,
      ...(options.shortName === undefined ? {} : { shortName: options.shortName }),
      dateUpdated: record.updatedAt,
    },
    title: record.title.slice(0, 256),
    ...(record.publishedAt === null ? {} : { datePublic: record.publishedAt }),
    descriptions: [description(record)],
    affected: record.products.map((product) => {
      const collectionURL =
        product.package === undefined ? undefined : COLLECTIONS[product.package.ecosystem];
      return {
        vendor: product.vendor,
        product: product.name,
        ...(product.package !== undefined && collectionURL !== undefined
          ? { collectionURL, packageName: product.package.name }
          : {}),
        versions: unique(product.ranges.flatMap(cveVersions)),
        defaultStatus: "unknown",
      };
    }),
    references: record.references.map((reference) => ({
      url: reference.url,
      ...(reference.kind === undefined ? {} : { name: reference.kind }),
    })),
    x_generator: { engine: "Embargo" },
  };
  // An affected entry needs versions or a default status; an empty versions list is refused.
  for (const affected of container.affected) {
    if (affected.versions.length === 0) delete (affected as Partial<CveAffected>).versions;
  }
  if (record.cwe !== null) {
    const cwe = findCwe(record.cwe);
    container.problemTypes = [
      {
        descriptions: [
          {
            lang: "en",
            description: cwe === undefined ? record.cwe : `${cwe.id} ${cwe.name}`,
            cweId: cwe?.id ?? record.cwe,
            type: "CWE",
          },
        ],
      },
    ];
  }
  const metrics: NonNullable<CveCnaContainer["metrics"]> = [];
  if (record.cvss40 !== null) {
    const score = scoreCvss40(record.cvss40.vector);
    metrics.push({
      format: "CVSS",
      cvssV4_0: {
        version: "4.0",
        vectorString: score.vector,
        baseScore: score.score,
        baseSeverity: score.severity.toUpperCase(),
      },
    });
  }
  if (record.cvss31 !== null) {
    const score = scoreCvss31(record.cvss31.vector);
    metrics.push({
      format: "CVSS",
      cvssV3_1: {
        version: "3.1",
        vectorString: score.vector,
        baseScore: score.baseScore,
        baseSeverity: score.severity.toUpperCase(),
      },
    });
  }
  if (metrics.length > 0) container.metrics = metrics;
  if (record.credits.length > 0)
    container.credits = record.credits.map((credit) => ({
      lang: "en",
      value: credit.url === undefined ? credit.name : `${credit.name} (${credit.url})`,
      type: credit.type,
    }));
  return container;
}

/** The full published CVE record around the CNA container; the record must carry its CVE id. */
export function toCveRecord(record: AdvisoryRecord, options: CveExportOptions): CveRecord {
  if (record.cveId === null) throw new Error("A CVE record needs a CVE id: this advisory has none");
  return {
    dataType: "CVE_RECORD",
    dataVersion: "5.1",
    cveMetadata: {
      cveId: record.cveId,
      assignerOrgId: options.orgId,
      ...(options.shortName === undefined ? {} : { assignerShortName: options.shortName }),
      state: "PUBLISHED",
      ...(options.dateReserved === undefined ? {} : { dateReserved: options.dateReserved }),
      ...(record.publishedAt === null ? {} : { datePublished: record.publishedAt }),
      dateUpdated: record.updatedAt,
    },
    containers: { cna: toCveCnaContainer(record, options) },
  };
}

/** CVE refuses repeated items: a fixed version named by two ranges is said once. */
function unique(versions: CveVersion[]): CveVersion[] {
  const seen = new Set<string>();
  return versions.filter((version) => {
    const key = JSON.stringify(version);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function description(record: AdvisoryRecord): CveCnaContainer["descriptions"][number] {
  const plain = record.summary.trim() === "" ? record.title : record.summary;
  const entry: CveCnaContainer["descriptions"][number] = { lang: "en", value: plain.slice(0, TEXT_MAX) };
  if (record.description.trim() !== "")
    entry.supportingMedia = [
      { type: "text/markdown", base64: false, value: record.description.slice(0, 16384) },
    ];
  return entry;
}

/** One range as CVE `versions[]` entries: a range with a fix also says the fixed version is unaffected. */
function cveVersions(range: AdvisoryRange): CveVersion[] {
  const status = STATUS[range.status];
  const entries: CveVersion[] = [];
  for (const part of readRange(range.versions)) {
    if (part.kind === "exact") {
      entries.push({ version: part.version, status });
    } else if (part.kind === "prefix") {
      const start = part.numbers.length === 0 ? "0" : part.numbers.join(".");
      // "6.x" as CVE's examples write a wildcard bound: "6.*".
      const bound = part.numbers.length === 0 ? "*" : `${part.numbers.join(".")}.*`;
      entries.push({ version: start, status, versionType: "semver", lessThanOrEqual: bound });
    } else {
      const start = part.lower?.version ?? "0";
      const upper = part.upper;
      const numeric = isNumericVersion(start) && (upper === null || isNumericVersion(upper.version));
      const entry: CveVersion = { version: start, status, versionType: numeric ? "semver" : "custom" };
      if (upper === null) entry.lessThan = range.fixedIn ?? "*";
      else if (upper.inclusive) entry.lessThanOrEqual = upper.version;
      else entry.lessThan = upper.version;
      entries.push(entry);
    }
  }
  if (range.fixedIn !== undefined && range.status !== "not-affected" && range.status !== "fixed")
    entries.push({ version: range.fixedIn, status: "unaffected" });
  return entries;
}
