import type { AffectedCell } from "../disclosure/affected.js";
import {
  ADVISORY_SEVERITIES,
  type AdvisoryDraft,
  checkHttpsUrl,
  EMPTY_DRAFT,
  LIMITS,
  oneLine,
} from "./draft.js";

/** What a case knows that its advisory's first draft starts from (src/commands/advisories.ts reads it). */
export interface CaseFacts {
  title: string;
  severity: string | null;
  cvss31: string | null;
  cvss40: string | null;
  cwe: string | null;
  cveId: string | null;
  aliases: readonly string[];
  matrix: readonly AffectedCell[];
  /** The reporter's credit, as creditDecision (src/domain/credit/rules.ts) decided it. */
  credit: { name: string; link: string | null } | null;
  links: readonly string[];
}

/**
 * A new draft from the case: its title, scores, CWE and identifiers, its affected-release matrix
 * (cells under investigation left out), the reporter's credit as finder, and its background links.
 * Nothing is checked here beyond what the case already checked; the edit and the publication check
 * the whole draft.
 */
export function prefillFromCase(
  facts: CaseFacts,
  assets: readonly { id: string; name: string }[],
): AdvisoryDraft {
  const products: AdvisoryDraft["products"] = [];
  for (const cell of facts.matrix) {
    if (cell.status === "under-investigation") continue;
    let product = products.find((candidate) => candidate.id === cell.asset);
    if (product === undefined) {
      product = {
        id: cell.asset,
        name: assets.find((asset) => asset.id === cell.asset)?.name ?? cell.asset,
        ranges: [],
      };
      products.push(product);
    }
    product.ranges.push({
      versions: cell.version,
      status: cell.status,
      ...(cell.fixedIn === null ? {} : { fixedIn: cell.fixedIn }),
      ...(cell.reason === null ? {} : { reason: cell.reason }),
    });
  }
  const severity = ADVISORY_SEVERITIES.find((value) => value === facts.severity) ?? null;
  const credits: AdvisoryDraft["credits"] = [];
  if (facts.credit !== null) {
    const url = facts.credit.link === null ? null : checkHttpsUrl("url", facts.credit.link);
    credits.push({
      name: oneLine(facts.credit.name).slice(0, LIMITS.name),
      type: "finder",
      ...(url?.ok === true ? { url: url.value } : {}),
    });
  }
  return {
    ...EMPTY_DRAFT,
    title: oneLine(facts.title).slice(0, LIMITS.title),
    cveId: facts.cveId,
    aliases: [...facts.aliases],
    cwe: facts.cwe,
    cvss31: facts.cvss31,
    cvss40: facts.cvss40,
    severity,
    products,
    references: facts.links.flatMap((link) => {
      const url = checkHttpsUrl("url", link);
      return url.ok ? [{ url: url.value }] : [];
    }),
    credits,
  };
}
