import { z } from "zod";
import { printable } from "../announcements/decisions.js";
import { CvssError, scoreCvss31, scoreCvss40 } from "../cvss/index.js";
import { parseCweId } from "../cwe/index.js";
import { checkAlias, checkCveId, MAX_ALIASES } from "../disclosure/affected.js";
import { parseRange } from "../disclosure/versions.js";
import { CREDIT_TYPES } from "./record.js";

/**
 * An advisory before it is published (issue 13): the draft the team edits and its checks. What a
 * case prefills is prefill.ts, who may approve and publish it review.ts, the record a publication
 * freezes published-record.ts. Pure: values in, decisions and records out. The store keeps the
 * draft encrypted (src/store/advisories.ts); a published revision is the record's canonical JSON,
 * kept byte for byte.
 *
 * - Every text is printable (control characters dropped), lengths bounded; URLs are https only.
 * - CVSS vectors are scored by src/domain/cvss (3.1 in `cvss31`, 4.0 in `cvss40`); version ranges
 *   are read by src/domain/disclosure/versions.ts; a product is one of the policy's in-scope assets.
 */

export const LIMITS = {
  title: 200,
  summary: 2_000,
  description: 20_000,
  products: 50,
  ranges: 50,
  references: 50,
  credits: 50,
  name: 200,
  url: 2_000,
  kind: 40,
  reason: 2_000,
  version: 100,
  revisionSummary: 1_000,
  vector: 200,
} as const;

export const ADVISORY_SEVERITIES = ["none", "low", "medium", "high", "critical"] as const;
export type AdvisorySeverity = (typeof ADVISORY_SEVERITIES)[number];
export const RANGE_STATUSES = ["affected", "not-affected", "fixed", "will-not-fix"] as const;

/** The draft as stored (encrypted) and as the API answers it. */
export const advisoryDraftSchema = z.object({
  title: z.string(),
  summary: z.string(),
  description: z.string(),
  cveId: z.string().nullable(),
  aliases: z.array(z.string()),
  cwe: z.string().nullable(),
  cvss31: z.string().nullable(),
  cvss40: z.string().nullable(),
  severity: z.enum(ADVISORY_SEVERITIES).nullable(),
  products: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      ranges: z.array(
        z.object({
          versions: z.string(),
          status: z.enum(RANGE_STATUSES),
          fixedIn: z.string().optional(),
          reason: z.string().optional(),
        }),
      ),
    }),
  ),
  references: z.array(z.object({ url: z.string(), kind: z.string().optional() })),
  credits: z.array(z.object({ name: z.string(), type: z.enum(CREDIT_TYPES), url: z.string().optional() })),
  /** What this revision changes; required from the second publication on. */
  revisionSummary: z.string(),
});
export type AdvisoryDraft = z.infer<typeof advisoryDraftSchema>;

export const EMPTY_DRAFT: AdvisoryDraft = {
  title: "",
  summary: "",
  description: "",
  cveId: null,
  aliases: [],
  cwe: null,
  cvss31: null,
  cvss40: null,
  severity: null,
  products: [],
  references: [],
  credits: [],
  revisionSummary: "",
};

export type Refusal = { ok: false; field: string; message: string };
export type Checked<T> = { ok: true; value: T } | Refusal;
export const refuse = (field: string, message: string): Refusal => ({ ok: false, field, message });

/** One line of text: printable, spaces collapsed, trimmed. */
export const oneLine = (text: string) => printable(text).replace(/\s+/g, " ").trim();
/** Several lines: printable, trimmed. */
const block = (text: string) => printable(text).trim();

function bounded(field: string, text: string, max: number): Refusal | null {
  return text.length > max
    ? refuse(
        field,
        `${field} may be at most ${max.toLocaleString("en")} characters (it has ${text.length.toLocaleString("en")})`,
      )
    : null;
}

/** An https URL without credentials, at most 2,000 characters; anything else (javascript:, http:) is refused. */
export function checkHttpsUrl(field: string, typed: string): Checked<string> {
  const text = typed.trim();
  const long = bounded(field, text, LIMITS.url);
  if (long !== null) return long;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse(field, `${field} must be an https:// address`);
  }
  if (url.protocol !== "https:" || url.hostname === "" || /[\s\p{Cc}]/u.test(text))
    return refuse(field, `${field} must be an https:// address`);
  if (url.username !== "" || url.password !== "")
    return refuse(field, `${field} may not carry a user name or password`);
  return { ok: true, value: url.href };
}

function checkVector(field: "cvss31" | "cvss40", typed: string | null): Checked<string | null> {
  const text = typed?.trim() ?? "";
  if (text === "") return { ok: true, value: null };
  if (text.length > LIMITS.vector) return refuse(field, `${field} is not a CVSS vector`);
  const prefix = field === "cvss31" ? "CVSS:3.1/" : "CVSS:4.0/";
  if (!text.startsWith(prefix)) return refuse(field, `${field} must be a vector starting with ${prefix}`);
  try {
    const scored = field === "cvss31" ? scoreCvss31(text) : scoreCvss40(text);
    return { ok: true, value: scored.vector };
  } catch (error) {
    if (error instanceof CvssError) return refuse(field, `${field} is not a valid vector: ${error.message}`);
    throw error;
  }
}

/** `CWE-79` (or `79`, `cwe-79`): kept as `CWE-<n>`. */
function checkCwe(typed: string | null): Checked<string | null> {
  const text = typed?.trim() ?? "";
  if (text === "") return { ok: true, value: null };
  const number = text.length > 20 ? undefined : parseCweId(text);
  if (number === undefined) return refuse("cwe", 'cwe reads "CWE-" and a number (CWE-79)');
  return { ok: true, value: `CWE-${number}` };
}

export interface DraftInput {
  title?: string | undefined;
  summary?: string | undefined;
  description?: string | undefined;
  cveId?: string | null | undefined;
  aliases?: readonly string[] | undefined;
  cwe?: string | null | undefined;
  cvss31?: string | null | undefined;
  cvss40?: string | null | undefined;
  severity?: string | null | undefined;
  products?:
    | readonly {
        id: string;
        ranges: readonly {
          versions: string;
          status: string;
          fixedIn?: string | undefined;
          reason?: string | undefined;
        }[];
      }[]
    | undefined;
  references?: readonly { url: string; kind?: string | undefined }[] | undefined;
  credits?: readonly { name: string; type: string; url?: string | undefined }[] | undefined;
  revisionSummary?: string | undefined;
}

/**
 * The draft after `input` (omitted members keep `current`'s), every member checked. `assets` are
 * the policy's in-scope assets: a product must be one of them (its name is the policy's).
 */
export function checkDraft(
  current: AdvisoryDraft,
  input: DraftInput,
  assets: readonly { id: string; name: string }[],
): Checked<AdvisoryDraft> {
  const title = oneLine(input.title ?? current.title);
  const summary = block(input.summary ?? current.summary);
  const description = block(input.description ?? current.description);
  const revisionSummary = block(input.revisionSummary ?? current.revisionSummary);
  for (const [field, text, max] of [
    ["title", title, LIMITS.title],
    ["summary", summary, LIMITS.summary],
    ["description", description, LIMITS.description],
    ["revisionSummary", revisionSummary, LIMITS.revisionSummary],
  ] as const) {
    const long = bounded(field, text, max);
    if (long !== null) return long;
  }

  const cveText = input.cveId === undefined ? current.cveId : input.cveId;
  let cveId: string | null = null;
  if (cveText !== null && cveText.trim() !== "") {
    const cve = checkCveId(cveText.slice(0, 64));
    if (!cve.ok) return refuse("cveId", cve.message);
    cveId = cve.value;
  }
  const aliasList = input.aliases ?? current.aliases;
  if (aliasList.length > MAX_ALIASES) return refuse("aliases", `at most ${MAX_ALIASES} aliases`);
  const aliases: string[] = [];
  for (const typed of aliasList) {
    const alias = checkAlias(typed.slice(0, 65));
    if (!alias.ok) return refuse("aliases", alias.message);
    if (!aliases.some((kept) => kept.toUpperCase() === alias.value.toUpperCase())) aliases.push(alias.value);
  }

  const cwe = checkCwe(input.cwe === undefined ? current.cwe : input.cwe);
  if (!cwe.ok) return cwe;
  const cvss31 = checkVector("cvss31", input.cvss31 === undefined ? current.cvss31 : input.cvss31);
  if (!cvss31.ok) return cvss31;
  const cvss40 = checkVector("cvss40", input.cvss40 === undefined ? current.cvss40 : input.cvss40);
  if (!cvss40.ok) return cvss40;
  const severityText = input.severity === undefined ? current.severity : input.severity;
  let severity: AdvisorySeverity | null = null;
  if (severityText !== null && severityText.trim() !== "") {
    const found = ADVISORY_SEVERITIES.find((value) => value === severityText.trim().toLowerCase());
    if (found === undefined)
      return refuse("severity", `severity is one of ${ADVISORY_SEVERITIES.join(", ")}`);
    severity = found;
  }

  const products = checkProducts(input.products ?? current.products, assets);
  if (!products.ok) return products;
  const references = checkReferences(input.references ?? current.references);
  if (!references.ok) return references;
  const credits = checkCredits(input.credits ?? current.credits);
  if (!credits.ok) return credits;

  return {
    ok: true,
    value: {
      title,
      summary,
      description,
      cveId,
      aliases,
      cwe: cwe.value,
      cvss31: cvss31.value,
      cvss40: cvss40.value,
      severity,
      products: products.value,
      references: references.value,
      credits: credits.value,
      revisionSummary,
    },
  };
}

function checkProducts(
  typed: NonNullable<DraftInput["products"]>,
  assets: readonly { id: string; name: string }[],
): Checked<AdvisoryDraft["products"]> {
  if (typed.length > LIMITS.products) return refuse("products", `at most ${LIMITS.products} products`);
  const products: AdvisoryDraft["products"] = [];
  for (const [index, product] of typed.entries()) {
    const field = `products.${index}`;
    const asset = assets.find((candidate) => candidate.id === product.id.trim());
    if (asset === undefined)
      return refuse(
        `${field}.id`,
        `"${oneLine(product.id).slice(0, 64)}" is not an in-scope asset of this program; expected one of ${assets
          .map((candidate) => candidate.id)
          .join(", ")}`,
      );
    if (products.some((kept) => kept.id === asset.id))
      return refuse(
        `${field}.id`,
        `the product ${asset.id} is listed twice: give all its ranges in one entry`,
      );
    if (product.ranges.length > LIMITS.ranges)
      return refuse(`${field}.ranges`, `at most ${LIMITS.ranges} ranges`);
    const ranges: AdvisoryDraft["products"][number]["ranges"] = [];
    for (const [at, range] of product.ranges.entries()) {
      const where = `${field}.ranges.${at}`;
      const versions = range.versions.trim();
      const parsed = parseRange(versions);
      if (!parsed.ok)
        return refuse(`${where}.versions`, `the range "${oneLine(versions).slice(0, 100)}" ${parsed.error}`);
      const status = RANGE_STATUSES.find((value) => value === range.status);
      if (status === undefined)
        return refuse(`${where}.status`, `status is one of ${RANGE_STATUSES.join(", ")}`);
      const fixedIn = oneLine(range.fixedIn ?? "");
      const reason = block(range.reason ?? "");
      const long =
        bounded(`${where}.fixedIn`, fixedIn, LIMITS.version) ??
        bounded(`${where}.reason`, reason, LIMITS.reason);
      if (long !== null) return long;
      if (status === "fixed" && fixedIn === "")
        return refuse(`${where}.fixedIn`, "a fixed range names the version that fixes it");
      ranges.push({
        versions,
        status,
        ...(fixedIn === "" ? {} : { fixedIn }),
        ...(reason === "" ? {} : { reason }),
      });
    }
    products.push({ id: asset.id, name: asset.name, ranges });
  }
  return { ok: true, value: products };
}

function checkReferences(typed: NonNullable<DraftInput["references"]>): Checked<AdvisoryDraft["references"]> {
  if (typed.length > LIMITS.references)
    return refuse("references", `at most ${LIMITS.references} references`);
  const references: AdvisoryDraft["references"] = [];
  for (const [index, reference] of typed.entries()) {
    const url = checkHttpsUrl(`references.${index}.url`, reference.url);
    if (!url.ok) return url;
    const kind = oneLine(reference.kind ?? "");
    const long = bounded(`references.${index}.kind`, kind, LIMITS.kind);
    if (long !== null) return long;
    if (!references.some((kept) => kept.url === url.value))
      references.push({ url: url.value, ...(kind === "" ? {} : { kind }) });
  }
  return { ok: true, value: references };
}

function checkCredits(typed: NonNullable<DraftInput["credits"]>): Checked<AdvisoryDraft["credits"]> {
  if (typed.length > LIMITS.credits) return refuse("credits", `at most ${LIMITS.credits} credits`);
  const credits: AdvisoryDraft["credits"] = [];
  for (const [index, credit] of typed.entries()) {
    const name = oneLine(credit.name);
    if (name === "") return refuse(`credits.${index}.name`, "a credit names someone");
    const long = bounded(`credits.${index}.name`, name, LIMITS.name);
    if (long !== null) return long;
    const type = CREDIT_TYPES.find((value) => value === credit.type.trim().toLowerCase());
    if (type === undefined)
      return refuse(`credits.${index}.type`, `a credit's type is one of ${CREDIT_TYPES.join(", ")}`);
    let url: string | undefined;
    if (credit.url !== undefined && credit.url.trim() !== "") {
      const checked = checkHttpsUrl(`credits.${index}.url`, credit.url);
      if (!checked.ok) return checked;
      url = checked.value;
    }
    credits.push({ name, type, ...(url === undefined ? {} : { url }) });
  }
  return { ok: true, value: credits };
}
