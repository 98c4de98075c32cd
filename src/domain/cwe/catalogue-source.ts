/**
 * Builds `catalogue.json` from MITRE's CWE catalogue XML (`cwec_vX.Y.xml`, as MITRE publishes it and
 * as the `cwe-sdk` npm package ships it in `raw/cwe-archive.xml`). Pure: XML text in, catalogue out;
 * README.md beside this file shows the command that writes the file. Only what the workspace needs
 * is kept: id, name, kind, abstraction, status, MITRE's mapping guidance and alternate terms, plus
 * the members of the newest "CWE Top 25" view.
 */

export const CWE_KINDS = ["weakness", "category", "view"] as const;
export type CweKind = (typeof CWE_KINDS)[number];

/** MITRE's guidance on mapping a vulnerability to an entry (Mapping_Notes/Usage). */
export const CWE_USAGES = ["Allowed", "Allowed-with-Review", "Discouraged", "Prohibited"] as const;
export type CweUsage = (typeof CWE_USAGES)[number];

export interface CatalogueEntry {
  id: number;
  name: string;
  kind: CweKind;
  /** Weaknesses only: Pillar, Class, Base, Variant or Compound. */
  abstraction?: string;
  /** Stable, Draft, Incomplete, Deprecated, Obsolete. */
  status: string;
  usage: CweUsage;
  /** Alternate terms, e.g. "XSS" for CWE-79. */
  terms?: string[];
}

export interface CatalogueFile {
  source: {
    package: string;
    version: string;
    license: string;
    file: string;
    catalogueVersion: string;
    catalogueDate: string;
  };
  notice: string;
  top25: { viewId: number; name: string; ids: number[] };
  entries: CatalogueEntry[];
}

/** The terms of use that MITRE asks every copy of CWE content to carry (`year`: the catalogue's). */
export const cweNotice = (year: string): string =>
  `CWE content: Copyright © 2006–${year}, The MITRE Corporation.` +
  " CWE and the CWE logo are trademarks of The MITRE " +
  "Corporation. Used under the CWE Terms of Use (https://cwe.mitre.org/about/termsofuse.html): CWE is free to " +
  "use by any organization or individual for any research, development, and/or commercial purposes, per these " +
  "CWE Terms of Use. Accordingly, The MITRE Corporation hereby grants you a non-exclusive, royalty-free license " +
  "to use CWE for research, development, and commercial purposes. Any copy you make for such purposes is " +
  "authorized on the condition that you reproduce MITRE's copyright designation and this license in any such copy.";

const TAGS: Readonly<Record<string, CweKind>> = { Weakness: "weakness", Category: "category", View: "view" };

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });
}

function attributes(text: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const match of text.matchAll(/([\w:-]+)="([^"]*)"/g)) {
    result.set(match[1] ?? "", decodeXmlText(match[2] ?? ""));
  }
  return result;
}

function isUsage(value: string): value is CweUsage {
  return (CWE_USAGES as readonly string[]).includes(value);
}

/**
 * Reads every Weakness, Category and View of a CWE catalogue XML document.
 * @throws Error when the document has no catalogue header, an entry lacks an id or name, or no Top 25 view.
 */
export function buildCatalogue(
  xml: string,
  source: Omit<CatalogueFile["source"], "catalogueVersion" | "catalogueDate">,
): CatalogueFile {
  const header = /<Weakness_Catalog\s([^>]*)>/.exec(xml);
  if (header === null) throw new Error("not a CWE catalogue: no <Weakness_Catalog> element");
  const catalogue = attributes(header[1] ?? "");

  const entries: CatalogueEntry[] = [];
  const views = new Map<number, { name: string; body: string }>();
  for (const match of xml.matchAll(/<(Weakness|Category|View)\s([^>]*?)(\/>|>([\s\S]*?)<\/\1>)/g)) {
    const kind = TAGS[match[1] ?? ""];
    const attrs = attributes(match[2] ?? "");
    const body = match[4] ?? "";
    const id = Number(attrs.get("ID"));
    const name = attrs.get("Name");
    if (kind === undefined || !Number.isInteger(id) || name === undefined) {
      throw new Error(
        `CWE catalogue: entry without id or name near ${JSON.stringify((match[0] ?? "").slice(0, 80))}`,
      );
    }
    const usageText = /<Usage>([^<]*)<\/Usage>/.exec(body)?.[1]?.trim() ?? "";
    // Deprecated entries are not to be mapped to, whatever their notes say.
    const status = attrs.get("Status") ?? "Draft";
    const usage: CweUsage =
      status === "Deprecated" || status === "Obsolete"
        ? "Prohibited"
        : isUsage(usageText)
          ? usageText
          : "Allowed-with-Review";
    const terms = [...body.matchAll(/<Alternate_Term>\s*<Term>([^<]*)<\/Term>/g)]
      .map((term) => decodeXmlText(term[1] ?? "").trim())
      .filter((term) => term !== "");
    const entry: CatalogueEntry = { id, name: name.trim(), kind, status, usage };
    const abstraction = attrs.get("Abstraction");
    if (kind === "weakness" && abstraction !== undefined) entry.abstraction = abstraction;
    if (terms.length > 0) entry.terms = terms;
    entries.push(entry);
    if (kind === "view") views.set(id, { name: entry.name, body });
  }
  entries.sort((a, b) => a.id - b.id);

  let top25: CatalogueFile["top25"] | undefined;
  let newestYear = 0;
  for (const [viewId, view] of views) {
    const year = Number(/^Weaknesses in the (\d{4}) CWE Top 25\b/.exec(view.name)?.[1] ?? 0);
    if (year > newestYear) {
      newestYear = year;
      const ids = [...view.body.matchAll(/<Has_Member\s+CWE_ID="(\d+)"/g)].map((member) => Number(member[1]));
      top25 = { viewId, name: view.name, ids };
    }
  }
  if (top25 === undefined) throw new Error("CWE catalogue: no 'Weaknesses in the YYYY CWE Top 25' view");

  const catalogueDate = catalogue.get("Date") ?? "unknown";
  return {
    source: { ...source, catalogueVersion: catalogue.get("Version") ?? "unknown", catalogueDate },
    notice: cweNotice(/^\d{4}/.exec(catalogueDate)?.[0] ?? "unknown"),
    top25,
    entries,
  };
}
