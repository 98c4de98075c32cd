import { checkAlias, MAX_ALIASES } from "../disclosure/affected.js";
import {
  ADVISORY_SEVERITIES,
  type AdvisoryDraft,
  type AdvisorySeverity,
  type Checked,
  checkDraft,
  checkHttpsUrl,
  type DraftInput,
  EMPTY_DRAFT,
  LIMITS,
} from "./draft.js";
import {
  accepted,
  type ImportAsset,
  type Placement,
  placeProducts,
  productsOf,
  quoted,
  refuse,
} from "./import-placement.js";
import type { AdvisoryRecord } from "./record.js";

export type { ImportAsset, Placement } from "./import-placement.js";

/**
 * An imported document's record (src/formats: CSAF, OSV) as a new draft of the program (issue 13).
 * Pure. The draft keeps what the record carries and a draft can hold; the team reviews it before
 * anyone publishes it. What a draft cannot hold is listed in `notKept`, so nothing goes silently:
 * - A draft's products are the program's in-scope assets: ./import-placement.ts places each of the
 *   document's products on one, or refuses the import. The package (ecosystem, name) and vendor a
 *   document gives have no place in a draft.
 * - The source document's id becomes the first alias: it names the same advisory in the source's
 *   system, as OSV's `aliases` and CSAF's `ids` do, and every export carries it on; the advisory
 *   takes Embargo's own tracking id when it is published. An alias Embargo cannot hold (a URL in
 *   a CSAF `ids` entry) becomes a reference when it is an https URL.
 * - A range Embargo's range syntax cannot read (a commit hash, "4.36.-1"), a reference or credit
 *   link that is not https, an unknown severity word: left out and listed.
 * - A text over the draft's limits (title, summary, description) refuses the import: cutting it
 *   could change what the advisory says.
 */

export interface ImportedDraft {
  draft: AdvisoryDraft;
  placements: Placement[];
  /** What the draft leaves out or changes, one line each (may quote the document's text). */
  notKept: string[];
}

/** The words other publishers use for a severity, as an advisory's severity. */
const SEVERITY_WORDS: Readonly<Record<string, AdvisorySeverity>> = {
  moderate: "medium",
  important: "high",
  informational: "none",
};

function identifiersOf(
  record: AdvisoryRecord,
  sourceId: string,
  notKept: string[],
): { cveId: string | null; aliases: string[]; references: { url: string; kind: string }[] } {
  let cveId: string | null = null;
  if (record.cveId !== null) {
    const check = accepted({ cveId: record.cveId }, []);
    if (check.ok) cveId = check.value.cveId;
    else notKept.push(`the CVE id ${quoted(record.cveId)}: ${check.message}`);
  }
  const aliases: string[] = [];
  const references: { url: string; kind: string }[] = [];
  const seen = new Set(cveId === null ? [] : [cveId]);
  for (const typed of [sourceId, ...record.aliases]) {
    const text = typed.trim();
    if (text === "" || seen.has(text.toUpperCase())) continue;
    seen.add(text.toUpperCase());
    const alias = checkAlias(text);
    const url = alias.ok ? undefined : checkHttpsUrl("alias", text);
    if (alias.ok && aliases.length < MAX_ALIASES) aliases.push(alias.value);
    else if (alias.ok) notKept.push(`the alias ${quoted(text)}: a draft has at most ${MAX_ALIASES} aliases`);
    else if (url?.ok === true) references.push({ url: url.value, kind: "alias" });
    else notKept.push(`the alias ${quoted(text)}: ${alias.message}`);
  }
  return { cveId, aliases, references };
}

function referencesOf(
  record: AdvisoryRecord,
  fromAliases: readonly { url: string; kind: string }[],
  notKept: string[],
): { url: string; kind?: string }[] {
  const references: { url: string; kind?: string }[] = [];
  for (const reference of [...record.references, ...fromAliases]) {
    const url = checkHttpsUrl("reference", reference.url);
    if (!url.ok) {
      notKept.push(`the reference ${quoted(reference.url)}: ${url.message}`);
      continue;
    }
    if (references.some((kept) => kept.url === url.value)) continue;
    if (references.length >= LIMITS.references) {
      notKept.push(`the reference ${quoted(url.value)}: a draft has at most ${LIMITS.references} references`);
      continue;
    }
    const kind = reference.kind?.replace(/\s+/g, " ").trim() ?? "";
    if (kind.length > LIMITS.kind)
      notKept.push(`the description of the reference ${quoted(url.value)} was shortened: ${quoted(kind)}`);
    const short = kind.length > LIMITS.kind ? `${kind.slice(0, LIMITS.kind - 1).trimEnd()}…` : kind;
    references.push({ url: url.value, ...(short === "" ? {} : { kind: short }) });
  }
  return references;
}

function creditsOf(record: AdvisoryRecord, notKept: string[]): DraftInput["credits"] {
  const credits: { name: string; type: string; url?: string }[] = [];
  for (const credit of record.credits) {
    if (credits.length >= LIMITS.credits) {
      notKept.push(`the credit ${quoted(credit.name)}: a draft has at most ${LIMITS.credits} credits`);
      continue;
    }
    const withUrl = {
      name: credit.name,
      type: credit.type,
      ...(credit.url === undefined ? {} : { url: credit.url }),
    };
    const check = accepted({ credits: [withUrl] }, []);
    if (check.ok) {
      credits.push(withUrl);
      continue;
    }
    const bare = accepted({ credits: [{ name: credit.name, type: credit.type }] }, []);
    if (bare.ok) {
      notKept.push(`the link of the credit ${quoted(credit.name)}: ${check.message}`);
      credits.push({ name: credit.name, type: credit.type });
    } else notKept.push(`the credit ${quoted(credit.name)}: ${bare.message}`);
  }
  return credits;
}

/** One scalar member the draft may refuse on its own: kept when accepted, else listed. */
function scalar(
  field: "cwe" | "cvss31" | "cvss40",
  value: string | null,
  label: string,
  notKept: string[],
): string | null {
  if (value === null) return null;
  const check = accepted({ [field]: value }, []);
  if (check.ok) return check.value[field];
  notKept.push(`the ${label} ${quoted(value)}: ${check.message}`);
  return null;
}

function severityOf(record: AdvisoryRecord, notKept: string[]): AdvisorySeverity | null {
  if (record.severity === null) return null;
  const word = record.severity.trim().toLowerCase();
  const known = ADVISORY_SEVERITIES.find((severity) => severity === word) ?? SEVERITY_WORDS[word];
  if (known === undefined)
    notKept.push(
      `the severity ${quoted(record.severity)}: not one of ${ADVISORY_SEVERITIES.join(", ")}; the CVSS score gives it`,
    );
  else if (known !== word) notKept.push(`the severity ${quoted(record.severity)} is kept as ${known}`);
  return known ?? null;
}

/**
 * The draft an imported `record` becomes in a program with in-scope `assets`; `chosen` is the
 * asset the importer named for products no id or name places. `sourceId`: the document's own id.
 */
export function draftOfImport(
  record: AdvisoryRecord,
  sourceId: string,
  assets: readonly ImportAsset[],
  chosen?: string,
): Checked<ImportedDraft> {
  if (chosen !== undefined && !assets.some((asset) => asset.id === chosen))
    return refuse(
      "asset",
      `${quoted(chosen)} is not an in-scope asset of the program; expected one of ${assets.map((asset) => asset.id).join(", ")}`,
    );
  const placed = placeProducts(record, assets, chosen);
  if (!placed.ok) return placed;
  const notKept: string[] = [];
  const identifiers = identifiersOf(record, sourceId, notKept);
  const input: DraftInput = {
    title: record.title,
    summary: record.summary,
    description: record.description,
    cveId: identifiers.cveId,
    aliases: identifiers.aliases,
    cwe: scalar("cwe", record.cwe, "CWE", notKept),
    cvss31: scalar("cvss31", record.cvss31?.vector ?? null, "CVSS 3.1 vector", notKept),
    cvss40: scalar("cvss40", record.cvss40?.vector ?? null, "CVSS 4.0 vector", notKept),
    severity: severityOf(record, notKept),
    products: productsOf(record, placed.value, assets, notKept),
    references: referencesOf(record, identifiers.references, notKept),
    credits: creditsOf(record, notKept),
  };
  const draft = checkDraft(EMPTY_DRAFT, input, assets);
  if (!draft.ok) return refuse(draft.field, `the document's ${draft.message}`);
  return { ok: true, value: { draft: draft.value, placements: placed.value, notKept } };
}
