import { scoreCvss31, scoreCvss40 } from "../cvss/index.js";
import type { AdvisoryDraft, AdvisorySeverity } from "./draft.js";
import type {
  AdvisoryCredit,
  AdvisoryProduct,
  AdvisoryRecord,
  AdvisoryReference,
  RangeStatus,
} from "./record.js";

/** Tracking ids, and the record a publication freezes from the approved draft (issue 13). */
const TRACKING_ID = /^EMBARGO-[A-Z0-9][A-Z0-9-]{0,63}-\d{4}-\d{4,9}$/;

/** `EMBARGO-KAFE-2026-0001`: the program, the year of first publication, the program's counter. */
export function trackingIdOf(program: string, year: number, number: number): string {
  return `EMBARGO-${program.toUpperCase()}-${year}-${String(number).padStart(4, "0")}`;
}

/** A tracking id as a URL may give it (any case), or undefined when it cannot be one. */
export function readTrackingId(text: string): string | undefined {
  const upper = text.toUpperCase();
  return text.length <= 100 && TRACKING_ID.test(upper) ? upper : undefined;
}

const severityOfScore = (score: number): AdvisorySeverity =>
  score === 0 ? "none" : score < 4 ? "low" : score < 7 ? "medium" : score < 9 ? "high" : "critical";

export interface RecordMeta {
  id: string;
  /** `namespace`: the program's website, or its policy page here when it has none. */
  program: { slug: string; name: string; namespace: string };
  trackingId: string;
  number: number;
  at: Date;
  /** The record of the previous revision (its revisions and first publication carry over). */
  previous: AdvisoryRecord | null;
}

/**
 * The record a publication freezes. The case it came from is not named (`caseId` null): nothing
 * public leads back to the case, as with announcements.
 */
export function advisoryRecordOf(draft: AdvisoryDraft, meta: RecordMeta): AdvisoryRecord {
  const at = meta.at.toISOString();
  const cvss31 =
    draft.cvss31 === null ? null : { vector: draft.cvss31, score: scoreCvss31(draft.cvss31).score };
  const cvss40 =
    draft.cvss40 === null ? null : { vector: draft.cvss40, score: scoreCvss40(draft.cvss40).score };
  const scored = cvss40 ?? cvss31;
  const summary =
    meta.number === 1 && draft.revisionSummary === "" ? "Initial publication." : draft.revisionSummary;
  const products: AdvisoryProduct[] = draft.products.map((product) => ({
    id: product.id,
    name: product.name,
    vendor: meta.program.name,
    ranges: product.ranges.map((range) => ({
      versions: range.versions,
      status: range.status satisfies RangeStatus,
      ...(range.fixedIn === undefined ? {} : { fixedIn: range.fixedIn }),
      ...(range.reason === undefined ? {} : { reason: range.reason }),
    })),
  }));
  const references: AdvisoryReference[] = draft.references.map((reference) => ({ ...reference }));
  const credits: AdvisoryCredit[] = draft.credits.map((credit) => ({ ...credit }));
  return {
    id: meta.id,
    program: meta.program.slug,
    trackingId: meta.trackingId,
    caseId: null,
    title: draft.title,
    summary: draft.summary,
    description: draft.description,
    cveId: draft.cveId,
    aliases: [...draft.aliases],
    cwe: draft.cwe,
    cvss31,
    cvss40,
    severity: draft.severity ?? (scored === null ? null : severityOfScore(scored.score)),
    products,
    references,
    credits,
    publishedAt: meta.previous?.publishedAt ?? at,
    updatedAt: at,
    revisions: [...(meta.previous?.revisions ?? []), { number: meta.number, date: at, summary }],
    publisher: { name: meta.program.name, namespace: meta.program.namespace },
  };
}
