import { z } from "zod";
import type { Policy } from "../../policy/schema.js";
import { printable } from "../announcements/decisions.js";
import type { PublishGate } from "../announcements/publish-gate.js";
import { CvssError, scoreCvss31, scoreCvss40 } from "../cvss/index.js";
import { parseCweId } from "../cwe/index.js";
import { type AffectedCell, checkAlias, checkCveId, MAX_ALIASES } from "../disclosure/affected.js";
import { parseRange } from "../disclosure/versions.js";
import {
  type AdvisoryCredit,
  type AdvisoryProduct,
  type AdvisoryRecord,
  type AdvisoryReference,
  CREDIT_TYPES,
  type RangeStatus,
} from "./record.js";

/**
 * An advisory before it is published (issue 13): the draft the team edits, its checks, what a case
 * prefills, who may approve and publish it, and the record a publication freezes. Pure: values in,
 * decisions and records out. The store keeps the draft encrypted (src/store/advisories.ts); a
 * published revision is the record's canonical JSON, kept byte for byte.
 *
 * - Every text is printable (control characters dropped), lengths bounded; URLs are https only.
 * - CVSS vectors are scored by src/domain/cvss (3.1 in `cvss31`, 4.0 in `cvss40`); version ranges
 *   are read by src/domain/disclosure/versions.ts; a product is one of the policy's in-scope assets.
 * - Approval: another member of the team than the one who last changed the draft; a change after
 *   approval needs a new one. Publishing: approved (unless the policy's
 *   `disclosure.advisories.secondApproval` is false: then one member may publish alone), and for
 *   a case's advisory once the case's disclosure date has passed (the announcements' publish
 *   gate), so an advisory never leaks an embargo. A correction is the next revision and must say
 *   what changed.
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
const refuse = (field: string, message: string): Refusal => ({ ok: false, field, message });

/** One line of text: printable, spaces collapsed, trimmed. */
const line = (text: string) => printable(text).replace(/\s+/g, " ").trim();
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
  const title = line(input.title ?? current.title);
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
        `"${line(product.id).slice(0, 64)}" is not an in-scope asset of this program; expected one of ${assets
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
        return refuse(`${where}.versions`, `the range "${line(versions).slice(0, 100)}" ${parsed.error}`);
      const status = RANGE_STATUSES.find((value) => value === range.status);
      if (status === undefined)
        return refuse(`${where}.status`, `status is one of ${RANGE_STATUSES.join(", ")}`);
      const fixedIn = line(range.fixedIn ?? "");
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
    const kind = line(reference.kind ?? "");
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
    const name = line(credit.name);
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

// ---------------------------------------------------------------------------------------------
// Prefill from a case

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
      name: line(facts.credit.name).slice(0, LIMITS.name),
      type: "finder",
      ...(url?.ok === true ? { url: url.value } : {}),
    });
  }
  return {
    ...EMPTY_DRAFT,
    title: line(facts.title).slice(0, LIMITS.title),
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

// ---------------------------------------------------------------------------------------------
// Approval and publication

/** What the decisions read of an advisory's row. */
export interface AdvisoryState {
  /** Bumped by every change of the draft. */
  draftVersion: number;
  /** The draft version last published; null before the first publication. */
  publishedVersion: number | null;
  /** The user id who last changed the draft. */
  updatedBy: string;
  approvedBy: string | null;
  /** Revisions published so far. */
  revisions: number;
}

export type Decision<T> = ({ ok: true } & T) | (Refusal & { conflict: boolean });
const conflict = (field: string, message: string) => ({ ok: false as const, field, message, conflict: true });

function currentDraft(state: AdvisoryState, version: number, verb: string) {
  if (state.publishedVersion === state.draftVersion)
    return conflict(
      "advisory",
      `Nothing to ${verb}: the draft is revision ${state.revisions} as published. Edit it to prepare a correction.`,
    );
  if (version !== state.draftVersion)
    return conflict(
      "version",
      `The draft changed since this page was loaded (it is at version ${state.draftVersion}): read it again, then ${verb} it.`,
    );
  return null;
}

/** What the program's policy asks before an advisory is published. */
export interface AdvisoryReview {
  /** Another member than the draft's last editor approves it before it is published. */
  secondApproval: boolean;
}

/**
 * The policy's `disclosure.advisories.secondApproval`; without it, the safe rule: a second member
 * approves. With false the approval step is skipped, not faked: the publisher's own approval means
 * nothing, so self-approval stays refused and publishing needs none.
 */
export const advisoryReviewOf = (policy: Pick<Policy, "disclosure">): AdvisoryReview => ({
  secondApproval: policy.disclosure.advisories?.secondApproval ?? true,
});

/**
 * Approving the draft as it is now: by a member of the team who did not make its latest change.
 * Where the policy needs no second approval, another member may still approve (a review someone
 * asked for); the last editor is told to publish instead.
 */
export function decideAdvisoryApproval(
  state: AdvisoryState,
  version: number,
  userId: string,
  review: AdvisoryReview,
): Decision<{ changed: boolean }> {
  const stale = currentDraft(state, version, "approve");
  if (stale !== null) return stale;
  if (state.updatedBy === userId)
    return conflict(
      "advisory",
      review.secondApproval
        ? "You made the latest change to this draft: another member of the team must approve it."
        : "You made the latest change to this draft, so your approval adds nothing; this program's policy needs no second approval: publish it.",
    );
  return { ok: true, changed: state.approvedBy === null };
}

/**
 * Publishing the draft as the next revision: approved by a second member where the policy asks
 * for it (`review`), for a case's advisory only once the case's disclosure date has passed
 * (`gate`; null for a standalone advisory); a correction says what changed.
 */
export function decideAdvisoryPublish(
  state: AdvisoryState,
  version: number,
  draft: AdvisoryDraft,
  gate: PublishGate | null,
  review: AdvisoryReview,
): Decision<{ number: number }> {
  const stale = currentDraft(state, version, "publish");
  if (stale !== null) return stale;
  if (review.secondApproval && state.approvedBy === null)
    return conflict(
      "advisory",
      "The draft is not approved: another member of the team must approve it first.",
    );
  if (gate !== null && !gate.open)
    return conflict(
      "advisory",
      `Not before the case is disclosed: ${gate.reason}. An advisory never leaks an embargo.`,
    );
  const number = state.revisions + 1;
  if (draft.title === "")
    return { ...refuse("title", "Give the advisory a title before publishing it."), conflict: false };
  if (draft.summary === "")
    return { ...refuse("summary", "Write the advisory's summary before publishing it."), conflict: false };
  if (number > 1 && draft.revisionSummary === "")
    return {
      ...refuse(
        "revisionSummary",
        `Revision ${number} is a correction: say what changed in the revision summary.`,
      ),
      conflict: false,
    };
  return { ok: true, number };
}

// ---------------------------------------------------------------------------------------------
// Tracking ids and records

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
