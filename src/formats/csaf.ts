/**
 * CSAF 2.0 (OASIS), profile csaf_security_advisory: export of an advisory record, and import of a
 * CSAF document after the official validator (@secvisogram/csaf-validator-lib: the strict OASIS
 * schema and every mandatory test 6.1.x) has accepted it. The export is pure; the tests validate
 * every export with the same validator and against the OASIS schema.
 *
 * How a record becomes CSAF (a security advisory; a record that gives no product version a
 * status, as an import of a csaf_base document may, becomes a csaf_base document instead):
 * - product_tree: vendor → product_name → one branch per range: a single version or label as
 *   `product_version`, a range as `product_version_range` in vers ("vers:semver/>=7.0.0|<7.1.0");
 *   each carries one product whose id is `CSAFPID-<product id>-<n>`.
 * - one vulnerability: cve (or the tracking id as `ids`), cwe, the CVSS 3.1 score (CSAF 2.0 has no
 *   CVSS 4.0: its vector travels as a vulnerability note titled "CVSS v4.0"), product_status
 *   (affected and will-not-fix → known_affected, fixed, not-affected → known_not_affected) and a
 *   remediation for every affected product (vendor_fix "Fixed in version X…", no_fix_planned,
 *   none_available).
 * An import reads that back; from other publishers' documents it reads what a record carries
 * (several vulnerabilities become one: the first CVE is the record's, the others are aliases;
 * statuses first_affected/last_affected count as affected, first_fixed as fixed; under_investigation
 * and recommended have no place in a record and are left out).
 */
import { weaknesses } from "@secvisogram/csaf-validator-lib/cwe.js";
import type { DocumentTest } from "@secvisogram/csaf-validator-lib/validateStrict.js";
import {
  type AdvisoryCredit,
  type AdvisoryProduct,
  type AdvisoryRange,
  type AdvisoryRecord,
  CREDIT_TYPES,
  type CreditType,
  type RangeStatus,
} from "../domain/advisories/record.js";
import { scoreCvss31, scoreCvss40 } from "../domain/cvss/index.js";
import { findCwe } from "../domain/cwe/index.js";
import type { ImportContext } from "./osv.js";
import { isSemver, readRange, writeBounds, writePrefix } from "./ranges.js";

// ---------------------------------------------------------------------------------------------
// The parts of CSAF 2.0 this module writes and reads

export interface CsafProduct {
  name: string;
  product_id: string;
  product_identification_helper?: { purl?: string; cpe?: string };
}

export interface CsafBranch {
  category: string;
  name: string;
  branches?: CsafBranch[];
  product?: CsafProduct;
}

export interface CsafNote {
  category: string;
  text: string;
  title?: string;
}

export interface CsafReference {
  category?: "external" | "self";
  summary: string;
  url: string;
}

export interface CsafAcknowledgment {
  names?: string[];
  organization?: string;
  summary?: string;
  urls?: string[];
}

export interface CsafCvssV3 {
  version: string;
  vectorString: string;
  baseScore: number;
  baseSeverity: string;
}

export interface CsafRemediation {
  category: "mitigation" | "no_fix_planned" | "none_available" | "vendor_fix" | "workaround";
  details: string;
  product_ids?: string[];
  group_ids?: string[];
  url?: string;
}

export type CsafProductStatus = Partial<
  Record<
    | "first_affected"
    | "first_fixed"
    | "fixed"
    | "known_affected"
    | "known_not_affected"
    | "last_affected"
    | "recommended"
    | "under_investigation",
    string[]
  >
>;

export interface CsafVulnerability {
  cve?: string;
  cwe?: { id: string; name: string };
  ids?: { system_name: string; text: string }[];
  title?: string;
  notes?: CsafNote[];
  product_status?: CsafProductStatus;
  remediations?: CsafRemediation[];
  scores?: { products: string[]; cvss_v3?: CsafCvssV3; cvss_v2?: unknown }[];
  references?: CsafReference[];
  acknowledgments?: CsafAcknowledgment[];
}

export interface CsafDocument {
  document: {
    category: string;
    csaf_version: "2.0";
    lang?: string;
    title: string;
    publisher: { category: string; name: string; namespace: string };
    aggregate_severity?: { text: string; namespace?: string };
    tracking: {
      id: string;
      status: "draft" | "final" | "interim";
      version: string;
      initial_release_date: string;
      current_release_date: string;
      revision_history: { date: string; number: string; summary: string }[];
      generator?: { engine: { name: string; version?: string }; date?: string };
    };
    notes?: CsafNote[];
    references?: CsafReference[];
    acknowledgments?: CsafAcknowledgment[];
  };
  product_tree?: {
    branches?: CsafBranch[];
    full_product_names?: CsafProduct[];
    relationships?: { full_product_name: CsafProduct }[];
  };
  vulnerabilities?: CsafVulnerability[];
}

// ---------------------------------------------------------------------------------------------
// Export

export interface CsafExportOptions {
  /** The URL the document is served at, as a `self` reference (the provider directory knows it). */
  selfUrl?: string;
  /** Embargo's version, for `tracking.generator`. */
  generatorVersion?: string;
}

const CVSS40_NOTE_TITLE = "CVSS v4.0";
const FIXED_IN = "Fixed in version ";

const VALIDATOR_CWE_NAMES: ReadonlyMap<string, string> = new Map(
  weaknesses.map((entry) => [entry.id, entry.name]),
);

export function toCsaf(record: AdvisoryRecord, options: CsafExportOptions = {}): CsafDocument {
  const tree = productTree(record);
  // A record that says nothing about any product version (an import of a csaf_base document) is
  // not a security advisory: CSAF's profile tests 6.1.27.4, .6 and .11 would refuse it as one.
  const profile = tree.entries.length > 0 ? "csaf_security_advisory" : "csaf_base";
  const idsOf = (statuses: readonly RangeStatus[]) =>
    tree.entries.filter((entry) => statuses.includes(entry.range.status)).map((entry) => entry.productId);
  const productStatus: CsafProductStatus = {};
  const affected = idsOf(["affected", "will-not-fix"]);
  const fixed = idsOf(["fixed"]);
  const notAffected = idsOf(["not-affected"]);
  if (affected.length > 0) productStatus.known_affected = affected;
  if (fixed.length > 0) productStatus.fixed = fixed;
  if (notAffected.length > 0) productStatus.known_not_affected = notAffected;

  const ids = [
    ...(record.cveId === null ? [{ system_name: record.publisher.name, text: record.trackingId }] : []),
    ...record.aliases.map((alias) => ({ system_name: aliasSystem(alias), text: alias })),
  ];
  const vulnerability: CsafVulnerability = {
    ...(record.cveId === null ? {} : { cve: record.cveId }),
    ...(ids.length === 0 ? {} : { ids }),
    title: record.title,
    notes: [{ category: "description", title: "Summary", text: record.summary.trim() || record.title }],
    ...(profile === "csaf_base" ? {} : { product_status: productStatus }),
  };
  if (record.cwe !== null) {
    const name = VALIDATOR_CWE_NAMES.get(record.cwe) ?? findCwe(record.cwe)?.name;
    if (name !== undefined) vulnerability.cwe = { id: record.cwe, name };
  }
  if (record.cvss40 !== null) {
    scoreCvss40(record.cvss40.vector);
    vulnerability.notes?.push({ category: "other", title: CVSS40_NOTE_TITLE, text: record.cvss40.vector });
  }
  // The score applies to the affected versions; without any, to every product named.
  const scored = affected.length > 0 ? affected : tree.allIds;
  if (record.cvss31 !== null && scored.length > 0) {
    const score = scoreCvss31(record.cvss31.vector);
    vulnerability.scores = [
      {
        products: scored,
        cvss_v3: {
          version: "3.1",
          vectorString: score.vector,
          baseScore: score.baseScore,
          baseSeverity: score.severity.toUpperCase(),
        },
      },
    ];
  }
  const remediations = remediationsOf(tree.entries);
  if (remediations.length > 0) vulnerability.remediations = remediations;

  const revisions =
    record.revisions.length > 0
      ? record.revisions
      : [{ number: 1, date: record.publishedAt ?? record.updatedAt, summary: "Initial version." }];
  const last = revisions[revisions.length - 1] ?? { number: 1, date: record.updatedAt, summary: "" };
  const initial = record.publishedAt ?? revisions[0]?.date ?? record.updatedAt;
  const current = Date.parse(last.date) > Date.parse(record.updatedAt) ? last.date : record.updatedAt;

  const notes: CsafNote[] = [];
  if (record.summary.trim() !== "")
    notes.push({ category: "summary", title: "Summary", text: record.summary });
  if (record.description.trim() !== "")
    notes.push({ category: "description", title: "Description", text: record.description });
  const references: CsafReference[] = record.references.map((reference) => ({
    category: "external",
    summary: reference.kind ?? reference.url,
    url: reference.url,
  }));
  if (options.selfUrl !== undefined)
    references.unshift({ category: "self", summary: "This advisory (CSAF)", url: options.selfUrl });

  return {
    document: {
      category: profile,
      csaf_version: "2.0",
      lang: "en",
      title: record.title,
      publisher: { category: "vendor", name: record.publisher.name, namespace: record.publisher.namespace },
      ...(record.severity === null ? {} : { aggregate_severity: { text: record.severity } }),
      tracking: {
        id: record.trackingId,
        status: "final",
        version: String(last.number),
        initial_release_date: initial,
        current_release_date: current,
        revision_history: revisions.map((revision) => ({
          date: revision.date,
          number: String(revision.number),
          summary: revision.summary.trim() || `Revision ${revision.number}.`,
        })),
        generator: {
          engine: {
            name: "Embargo",
            ...(options.generatorVersion === undefined ? {} : { version: options.generatorVersion }),
          },
          date: record.updatedAt,
        },
      },
      ...(notes.length === 0 ? {} : { notes }),
      ...(references.length === 0 ? {} : { references }),
      ...(record.credits.length === 0 ? {} : { acknowledgments: record.credits.map(acknowledgment) }),
    },
    ...(tree.branches.length === 0 ? {} : { product_tree: { branches: tree.branches } }),
    ...(profile === "csaf_base" && !hasVulnerabilityData(record) ? {} : { vulnerabilities: [vulnerability] }),
  };
}

/** The system an alias comes from, as CSAF's `ids[].system_name` wants it. */
function aliasSystem(alias: string): string {
  if (alias.startsWith("GHSA-")) return "GitHub Advisory Database";
  if (alias.startsWith("CVE-")) return "CVE";
  const dash = alias.indexOf("-");
  return dash > 0 ? alias.slice(0, dash) : "Alias";
}

/** Whether a record without product statuses still says something about the vulnerability itself. */
function hasVulnerabilityData(record: AdvisoryRecord): boolean {
  return record.cveId !== null || record.cwe !== null || record.cvss31 !== null || record.cvss40 !== null;
}

function acknowledgment(credit: AdvisoryCredit): CsafAcknowledgment {
  return {
    names: [credit.name],
    summary: credit.type,
    ...(credit.url === undefined ? {} : { urls: [credit.url] }),
  };
}

interface TreeEntry {
  productId: string;
  range: AdvisoryRange;
}

function productTree(record: AdvisoryRecord): {
  branches: CsafBranch[];
  entries: TreeEntry[];
  allIds: string[];
} {
  const entries: TreeEntry[] = [];
  const vendors = new Map<string, CsafBranch>();
  const usedIds = new Set<string>();
  for (const product of record.products) {
    let vendor = vendors.get(product.vendor);
    if (vendor === undefined) {
      vendor = { category: "vendor", name: product.vendor, branches: [] };
      vendors.set(product.vendor, vendor);
    }
    if (product.ranges.length === 0) {
      // Named without any version: the product itself.
      let productId = `CSAFPID-${product.id}`;
      for (let n = 2; usedIds.has(productId); n++) productId = `CSAFPID-${product.id}-${n}`;
      usedIds.add(productId);
      vendor.branches?.push({
        category: "product_name",
        name: product.name,
        product: { name: `${product.vendor} ${product.name}`, product_id: productId },
      });
      continue;
    }
    const versions: CsafBranch[] = [];
    for (const [index, range] of product.ranges.entries()) {
      let productId = `CSAFPID-${product.id}-${index + 1}`;
      for (let n = 2; usedIds.has(productId); n++) productId = `CSAFPID-${product.id}-${index + 1}-${n}`;
      usedIds.add(productId);
      const branch = versionBranch(range.versions);
      const helper =
        product.package?.purl === undefined
          ? {}
          : { product_identification_helper: { purl: product.package.purl } };
      versions.push({
        ...branch,
        product: {
          name: `${product.vendor} ${product.name} ${range.versions}`,
          product_id: productId,
          ...helper,
        },
      });
      entries.push({ productId, range });
    }
    vendor.branches?.push({ category: "product_name", name: product.name, branches: versions });
  }
  return { branches: [...vendors.values()], entries, allIds: [...usedIds] };
}

/** Words that make CSAF's mandatory test 6.1.31 read a product_version name as a range. */
const RANGE_WORDS = ["after", "all", "before", "earlier", "later", "prior", "versions"];

function versionBranch(text: string): { category: string; name: string } {
  const parts = readRange(text);
  const only = parts[0];
  if (parts.length === 1 && only?.kind === "exact") {
    const lower = only.version.toLowerCase();
    const rangeLike =
      ["<", ">"].some((c) => lower.includes(c)) ||
      lower.split(" ").some((word) => RANGE_WORDS.includes(word));
    return { category: rangeLike ? "product_version_range" : "product_version", name: only.version };
  }
  return { category: "product_version_range", name: toVers(text) };
}

/** An Embargo range in vers (https://github.com/package-url/purl-spec/blob/master/VERSION-RANGE-SPEC.rst). */
function toVers(text: string): string {
  const constraints: string[] = [];
  let semver = true;
  for (const part of readRange(text)) {
    if (part.kind === "exact") {
      constraints.push(part.version);
      semver &&= isSemver(part.version);
    } else if (part.kind === "prefix") {
      if (part.numbers.length === 0) return "vers:semver/*";
      const start = [...part.numbers, 0, 0, 0].slice(0, 3);
      const end = [...part.numbers];
      end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
      constraints.push(`>=${start.join(".")}`, `<${[...end, 0, 0, 0].slice(0, 3).join(".")}`);
    } else {
      if (part.lower !== null) {
        constraints.push(`${part.lower.inclusive ? ">=" : ">"}${part.lower.version}`);
        semver &&= isSemver(part.lower.version);
      }
      if (part.upper !== null) {
        constraints.push(`${part.upper.inclusive ? "<=" : "<"}${part.upper.version}`);
        semver &&= isSemver(part.upper.version);
      }
      if (part.lower === null && part.upper === null) return `vers:${semver ? "semver" : "generic"}/*`;
    }
  }
  return `vers:${semver ? "semver" : "generic"}/${constraints.join("|")}`;
}

function remediationsOf(entries: readonly TreeEntry[]): CsafRemediation[] {
  const remediations: CsafRemediation[] = [];
  const byDetails = (category: CsafRemediation["category"], details: string, productId: string) => {
    const existing = remediations.find((r) => r.category === category && r.details === details);
    if (existing === undefined) remediations.push({ category, details, product_ids: [productId] });
    else existing.product_ids?.push(productId);
  };
  for (const { productId, range } of entries) {
    if (range.status === "will-not-fix") {
      byDetails("no_fix_planned", range.reason?.trim() || "No fix is planned.", productId);
    } else if (range.status === "affected") {
      if (range.fixedIn === undefined) byDetails("none_available", "No fix is available yet.", productId);
      else
        byDetails("vendor_fix", `${FIXED_IN}${range.fixedIn}: update to it or a later version.`, productId);
    }
  }
  return remediations;
}

// ---------------------------------------------------------------------------------------------
// Import

export class CsafImportError extends Error {
  override name = "CsafImportError";
  constructor(
    message: string,
    /** The failing tests, as CSAF numbers them ("6.1.8") or "schema". */
    readonly failingTests: readonly string[],
  ) {
    super(message);
  }
}

/**
 * The validator and its tests, loaded on first use: the library is large (its schemas, the mandatory
 * tests, a spell checker), and loading it with this module made every `embargo serve` start take
 * seconds longer though only an import or a test ever validates.
 */
async function validatorOf() {
  const [mandatory, { csaf_2_0_strict }, { default: validateStrict }] = await Promise.all([
    import("@secvisogram/csaf-validator-lib/mandatoryTests.js") as Promise<object>,
    import("@secvisogram/csaf-validator-lib/schemaTests.js"),
    import("@secvisogram/csaf-validator-lib/validateStrict.js"),
  ]);
  // The module's named exports are the tests (mandatoryTest_6_1_1, …).
  const tests = Object.entries(mandatory)
    .filter(([name]) => name.startsWith("mandatoryTest_"))
    .map(([, test]) => test as DocumentTest);
  return { validateStrict, tests: [csaf_2_0_strict, ...tests] };
}

/** "mandatoryTest_6_1_27_3" → "6.1.27.3"; "csaf_2_0_strict" → "schema". */
function testId(name: string): string {
  if (name.startsWith("mandatoryTest_")) return name.slice("mandatoryTest_".length).replaceAll("_", ".");
  return name.startsWith("csaf_2_0") ? "schema" : name;
}

/** The validator's verdict: the schema (strict) and every mandatory test 6.1.x. */
export async function validateCsaf(
  doc: unknown,
): Promise<{ isValid: boolean; failing: { id: string; errors: string[] }[] }> {
  const { validateStrict, tests } = await validatorOf();
  const result = await validateStrict(tests, doc);
  const failing = result.tests
    .filter((test) => !test.isValid)
    .map((test) => ({
      id: testId(test.name),
      errors: test.errors.map((error) => `${error.instancePath || "/"}: ${error.message}`),
    }));
  return { isValid: result.isValid, failing };
}

/**
 * Reads a stranger's CSAF 2.0 document into an advisory record, after the official validator has
 * accepted it; a refusal names every failing test ("fails mandatory test 6.1.1: …").
 */
export async function importCsaf(doc: unknown, context: ImportContext): Promise<AdvisoryRecord> {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw new CsafImportError("Not a CSAF document: a JSON object is expected", ["schema"]);
  const verdict = await validateCsaf(doc);
  if (!verdict.isValid) {
    const lines = verdict.failing.map(
      (test) =>
        `${test.id === "schema" ? "the CSAF 2.0 schema" : `mandatory test ${test.id}`}: ${test.errors.slice(0, 3).join("; ")}`,
    );
    throw new CsafImportError(
      `CSAF document refused: it fails ${lines.join(" | ")}`,
      verdict.failing.map((test) => test.id),
    );
  }
  return fromCsaf(doc as CsafDocument, context);
}

interface LeafProduct {
  productId: string;
  vendor: string;
  productName: string;
  versions: string;
  purl?: string;
}

/** A document the validator accepted, as a record. */
export function fromCsaf(doc: CsafDocument, context: ImportContext): AdvisoryRecord {
  const leaves = leafProducts(doc);
  const vulnerabilities = doc.vulnerabilities ?? [];
  const status = new Map<string, RangeStatus>();
  const fixedIn = new Map<string, string>();
  const noFix = new Map<string, string>();
  const rank: Record<RangeStatus, number> = { affected: 3, "will-not-fix": 3, fixed: 2, "not-affected": 1 };
  const set = (ids: readonly string[] | undefined, value: RangeStatus) => {
    for (const id of ids ?? []) {
      const current = status.get(id);
      if (current === undefined || rank[value] > rank[current]) status.set(id, value);
    }
  };
  for (const vulnerability of vulnerabilities) {
    const ps = vulnerability.product_status ?? {};
    set(ps.known_not_affected, "not-affected");
    set(ps.fixed, "fixed");
    set(ps.first_fixed, "fixed");
    set(ps.known_affected, "affected");
    set(ps.first_affected, "affected");
    set(ps.last_affected, "affected");
    for (const remediation of vulnerability.remediations ?? []) {
      for (const id of remediation.product_ids ?? []) {
        if (remediation.category === "no_fix_planned" && !noFix.has(id)) noFix.set(id, remediation.details);
        if (remediation.category === "vendor_fix" && remediation.details.startsWith(FIXED_IN)) {
          const rest = remediation.details.slice(FIXED_IN.length);
          const end = rest.lastIndexOf(": update to it");
          if (end > 0 && !fixedIn.has(id)) fixedIn.set(id, rest.slice(0, end));
        }
      }
    }
  }

  const products: AdvisoryProduct[] = [];
  const leafIds = new Map<AdvisoryProduct, string[]>();
  for (const leaf of leaves) {
    const leafStatus = status.get(leaf.productId);
    let product = products.find((p) => p.vendor === leaf.vendor && p.name === leaf.productName);
    if (product === undefined) {
      product = {
        id: slug(`${leaf.vendor}-${leaf.productName}`, products.length + 1),
        name: leaf.productName,
        vendor: leaf.vendor,
        ranges: [],
      };
      products.push(product);
    }
    leafIds.set(product, [...(leafIds.get(product) ?? []), leaf.productId]);
    if (leaf.purl !== undefined && product.package === undefined) {
      const pkg = packageOf(leaf.purl);
      if (pkg !== undefined) product.package = pkg;
    }
    if (leafStatus === undefined) continue;
    const reason = noFix.get(leaf.productId);
    const fix = fixedIn.get(leaf.productId);
    const range: AdvisoryRange = {
      versions: leaf.versions,
      status: leafStatus === "affected" && reason !== undefined ? "will-not-fix" : leafStatus,
    };
    if (fix !== undefined) range.fixedIn = fix;
    if (range.status === "will-not-fix" && reason !== undefined && reason !== "No fix is planned.")
      range.reason = reason;
    product.ranges.push(range);
  }

  // Embargo's own product ids ("CSAFPID-<product id>-<n>") give the record's product id back.
  for (const [product, ids] of leafIds) {
    const own = embargoProductId(ids[0] ?? "");
    if (own !== undefined && ids.every((id) => embargoProductId(id) === own)) product.id = own;
  }
  const cves = vulnerabilities.flatMap((v) => (v.cve === undefined ? [] : [v.cve]));
  const cveId = cves[0] ?? null;
  const cwe = vulnerabilities.find((v) => v.cwe !== undefined)?.cwe?.id ?? null;
  const v31 = vulnerabilities
    .flatMap((v) => v.scores ?? [])
    .find((s) => s.cvss_v3?.version === "3.1" && s.cvss_v3.vectorString.startsWith("CVSS:3.1/"))?.cvss_v3;
  const v40 = vulnerabilities
    .flatMap((v) => v.notes ?? [])
    .find((note) => note.title === CVSS40_NOTE_TITLE && note.text.startsWith("CVSS:4.0/"));
  const notes = doc.document.notes ?? [];
  // The export repeats the title in the vulnerability's note when a record has no summary.
  const vulnerabilityDescription = vulnerabilities[0]?.notes
    ?.filter((note) => note.text !== doc.document.title)
    .find((note) => note.category === "description")?.text;
  const summary = notes.find((note) => note.category === "summary")?.text ?? vulnerabilityDescription ?? "";
  const description =
    notes.find((note) => note.category === "description")?.text ??
    notes.find((note) => note.category === "details")?.text ??
    "";
  const tracking = doc.document.tracking;
  // Oldest first, as a record keeps them (CSAF lets a document list them in any order).
  const integers = integerVersions(tracking.revision_history);
  const history = [...tracking.revision_history].sort((a, b) =>
    integers
      ? Number(a.number) - Number(b.number) || a.date.localeCompare(b.date)
      : a.date.localeCompare(b.date),
  );
  const revisions = history.map((revision, index) => ({
    number: integers ? Number(revision.number) : index + 1,
    date: revision.date,
    summary: revision.summary,
  }));
  const references = [
    ...(doc.document.references ?? []).filter((reference) => reference.category !== "self"),
    ...vulnerabilities.flatMap((v) => v.references ?? []),
  ];
  const seen = new Set<string>();
  const credits: AdvisoryCredit[] = [];
  for (const ack of [
    ...(doc.document.acknowledgments ?? []),
    ...vulnerabilities.flatMap((v) => v.acknowledgments ?? []),
  ]) {
    const type: CreditType = (CREDIT_TYPES as readonly string[]).includes(ack.summary ?? "")
      ? (ack.summary as CreditType)
      : "other";
    const url = ack.urls?.find((candidate) => candidate.startsWith("https://"));
    const names = ack.names ?? (ack.organization === undefined ? [] : [ack.organization]);
    for (const name of names) {
      const key = `${name}\u0000${type}`;
      if (seen.has(key)) continue;
      seen.add(key);
      credits.push({ name, type, ...(url === undefined ? {} : { url }) });
    }
  }
  let v31Score: { vector: string; score: number } | null = null;
  if (v31 !== undefined) v31Score = { vector: v31.vectorString, score: v31.baseScore };
  let v40Score: { vector: string; score: number } | null = null;
  if (v40 !== undefined) {
    try {
      v40Score = { vector: v40.text, score: scoreCvss40(v40.text).score };
    } catch {
      throw new CsafImportError(
        `CSAF document refused: the "${CVSS40_NOTE_TITLE}" note is not a valid CVSS 4.0 vector`,
        ["cvss40"],
      );
    }
  }
  return {
    id: context.id,
    program: context.program,
    trackingId: tracking.id,
    caseId: null,
    title: doc.document.title,
    summary,
    description,
    cveId,
    aliases: [
      ...cves.slice(1),
      ...vulnerabilities.flatMap((v) =>
        (v.ids ?? []).map((id) => id.text).filter((text) => text !== tracking.id && !cves.includes(text)),
      ),
    ].filter((alias, index, all) => all.indexOf(alias) === index),
    cwe,
    cvss31: v31Score,
    cvss40: v40Score,
    severity: doc.document.aggregate_severity?.text.toLowerCase() ?? null,
    products,
    references: references.map((reference) => ({
      url: reference.url,
      ...(reference.summary === reference.url ? {} : { kind: reference.summary }),
    })),
    credits,
    publishedAt: tracking.initial_release_date,
    updatedAt: tracking.current_release_date,
    revisions,
    publisher: { name: doc.document.publisher.name, namespace: doc.document.publisher.namespace },
  };
}

/** "CSAFPID-rocketchat-server-2" → "rocketchat-server"; "CSAFPID-kafe" → "kafe"; others undefined. */
function embargoProductId(productId: string): string | undefined {
  if (!productId.startsWith("CSAFPID-")) return undefined;
  const rest = productId.slice("CSAFPID-".length);
  const dash = rest.lastIndexOf("-");
  const tail = dash < 0 ? "" : rest.slice(dash + 1);
  const numbered = tail !== "" && [...tail].every((c) => c >= "0" && c <= "9");
  const id = numbered ? rest.slice(0, dash) : rest;
  return id === "" ? undefined : id;
}

function integerVersions(history: readonly { number: string }[]): boolean {
  return history.every(
    (revision) => revision.number !== "" && [...revision.number].every((c) => c >= "0" && c <= "9"),
  );
}

/** Every product the document defines, with its vendor, product name and version or range. */
function leafProducts(doc: CsafDocument): LeafProduct[] {
  const leaves: LeafProduct[] = [];
  const walk = (
    branches: readonly CsafBranch[],
    vendor: string | null,
    name: string | null,
    version: string | null,
  ) => {
    for (const branch of branches) {
      let v = vendor;
      let n = name;
      let ver = version;
      if (branch.category === "vendor") v = branch.name;
      else if (branch.category === "product_name") n = branch.name;
      else if (branch.category === "product_family") n ??= branch.name;
      else if (branch.category === "product_version") ver = branch.name;
      else if (branch.category === "product_version_range") ver = fromVers(branch.name);
      if (branch.product !== undefined) leaves.push(leaf(branch.product, v, n, ver));
      if (branch.branches !== undefined) walk(branch.branches, v, n, ver);
    }
  };
  walk(doc.product_tree?.branches ?? [], null, null, null);
  for (const product of doc.product_tree?.full_product_names ?? [])
    leaves.push(leaf(product, null, null, null));
  for (const relationship of doc.product_tree?.relationships ?? [])
    leaves.push(leaf(relationship.full_product_name, null, null, null));
  return leaves;
}

function leaf(
  product: CsafProduct,
  vendor: string | null,
  name: string | null,
  version: string | null,
): LeafProduct {
  const purl = product.product_identification_helper?.purl;
  return {
    productId: product.product_id,
    vendor: vendor ?? "N/A",
    productName: name ?? product.name,
    versions: version ?? "*",
    ...(purl === undefined ? {} : { purl }),
  };
}

/** "vers:semver/>=1.0.0|<1.2.0" → ">=1.0.0 <1.2.0"; "vers:npm/1.0.0|1.1.0" → "1.0.0 || 1.1.0"; other text as it is. */
function fromVers(name: string): string {
  if (!name.startsWith("vers:")) return name;
  const slash = name.indexOf("/");
  if (slash < 0) return name;
  const constraints = name
    .slice(slash + 1)
    .split("|")
    .map((c) => c.trim())
    .filter((c) => c !== "");
  if (constraints.length === 1 && constraints[0] === "*") return writePrefix([]);
  // Pairs of bounds make one alternative; a version alone is one alternative of its own.
  const alternatives: string[] = [];
  let lower: { version: string; inclusive: boolean } | null = null;
  for (const constraint of constraints) {
    if (constraint.startsWith(">")) {
      if (lower !== null) alternatives.push(writeBounds(lower, null));
      const inclusive = constraint.startsWith(">=");
      lower = { version: constraint.slice(inclusive ? 2 : 1), inclusive };
    } else if (constraint.startsWith("<")) {
      const inclusive = constraint.startsWith("<=");
      alternatives.push(writeBounds(lower, { version: constraint.slice(inclusive ? 2 : 1), inclusive }));
      lower = null;
    } else {
      if (lower !== null) alternatives.push(writeBounds(lower, null));
      lower = null;
      alternatives.push(constraint.startsWith("=") ? constraint.slice(1) : constraint);
    }
  }
  if (lower !== null) alternatives.push(writeBounds(lower, null));
  return alternatives.join(" || ");
}

/** "pkg:npm/%40rocket.chat/meteor@7.0.0" → { ecosystem: "npm", name: "@rocket.chat/meteor" }. */
function packageOf(purl: string): AdvisoryProduct["package"] {
  if (!purl.startsWith("pkg:")) return undefined;
  const rest = purl.slice(4);
  const slash = rest.indexOf("/");
  if (slash < 0) return undefined;
  const type = rest.slice(0, slash);
  let name = rest.slice(slash + 1);
  for (const stop of ["@", "?", "#"]) {
    const at = stop === "@" ? name.lastIndexOf("@") : name.indexOf(stop);
    if (at > 0) name = name.slice(0, at);
  }
  const ecosystems: Readonly<Record<string, string>> = {
    npm: "npm",
    pypi: "PyPI",
    maven: "Maven",
    cargo: "crates.io",
    gem: "RubyGems",
    composer: "Packagist",
    nuget: "NuGet",
    golang: "Go",
  };
  const ecosystem = ecosystems[type];
  if (ecosystem === undefined) return undefined;
  let decoded = name;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    // Kept as written.
  }
  return { ecosystem, name: decoded, purl };
}

function slug(text: string, n: number): string {
  let out = "";
  for (const c of text.toLowerCase()) {
    const keep = (c >= "a" && c <= "z") || (c >= "0" && c <= "9");
    out += keep ? c : out.endsWith("-") ? "" : "-";
  }
  out = out.slice(0, 48);
  return out === "" || out === "-" ? `product-${n}` : out;
}
