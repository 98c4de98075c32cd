/**
 * The advisory record (issue 13): one record per advisory, from which every format is made (CVE
 * JSON 5, OSV, CSAF 2.0, the HTML page, Atom). A published revision is kept byte for byte; a
 * correction is a new revision. Pure data: the exporters in src/formats/ take a record and return a
 * document; the store keeps records as encrypted JSON until they are published.
 */

/** Credit types as CVE JSON 5 (`credits[].type`) names them; CSAF's `acknowledgments` carry them as text. */
export const CREDIT_TYPES = [
  "finder",
  "reporter",
  "analyst",
  "coordinator",
  "remediation developer",
  "remediation reviewer",
  "remediation verifier",
  "tool",
  "sponsor",
  "other",
] as const;
export type CreditType = (typeof CREDIT_TYPES)[number];

export interface AdvisoryCredit {
  /** The name (or handle) as the person chose it. */
  name: string;
  type: CreditType;
  /** A link the person chose (https), if any. */
  url?: string;
}

/** The status of a product version range, as the affected-release matrix has it. */
export type RangeStatus = "affected" | "not-affected" | "fixed" | "will-not-fix";

export interface AdvisoryProduct {
  /** The policy's asset id (`scope.inScope[].id`): the product's stable id across formats. */
  id: string;
  name: string;
  /** The vendor (the program's name), as CVE's `affected[].vendor` wants it. */
  vendor: string;
  /** OSV/purl ecosystem data, when known (e.g. { ecosystem: "npm", name: "@rocket.chat/meteor" }). */
  package?: { ecosystem: string; name: string; purl?: string };
  ranges: AdvisoryRange[];
}

export interface AdvisoryRange {
  /** A version or range in Embargo's syntax (src/domain/disclosure/versions.ts), or a label ("live"). */
  versions: string;
  status: RangeStatus;
  /** The version that fixes it (status fixed, or affected with a fix available). */
  fixedIn?: string;
  /** Why it will not be fixed (status will-not-fix). */
  reason?: string;
}

export interface AdvisoryReference {
  url: string;
  /** What the link is ("patch", "release-notes", "report", "article", …); free text kept short. */
  kind?: string;
}

export interface AdvisoryRevision {
  /** 1, 2, 3…: a published revision never changes; a correction is the next number. */
  number: number;
  /** ISO 8601 instant. */
  date: string;
  summary: string;
}

export interface AdvisoryRecord {
  /** Stable, random (src/store/ids.ts), unique across programs. */
  id: string;
  program: string;
  /** The public identifier of the program's advisory ("EMBARGO-ROCKETCHAT-2026-0001"); assigned on first publication. */
  trackingId: string;
  /** The case it was written for; null for a standalone advisory (a fix found internally). */
  caseId: string | null;
  title: string;
  /** One paragraph, plain text. */
  summary: string;
  /** Markdown, sanitised when rendered (src/domain/announcements/markdown.ts). */
  description: string;
  cveId: string | null;
  aliases: string[];
  cwe: string | null;
  cvss31: { vector: string; score: number } | null;
  cvss40: { vector: string; score: number } | null;
  /** The qualitative severity ("none", "low", "medium", "high", "critical"), when set. */
  severity: string | null;
  products: AdvisoryProduct[];
  references: AdvisoryReference[];
  credits: AdvisoryCredit[];
  /** ISO 8601 instants. */
  publishedAt: string | null;
  updatedAt: string;
  /** Oldest first; the last one is this record's. */
  revisions: AdvisoryRevision[];
  /** Who publishes it: the program's name and website (CSAF's publisher, CVE's provider). */
  publisher: { name: string; namespace: string };
}
