import type { Policy } from "../../policy/schema.js";

/**
 * The affected-release matrix of a case (issue 12): for each release of the program's assets, is
 * it affected by what the case reports? Pure: the policy and the case's events go in, the matrix
 * and the rules on it come out.
 *
 * - The matrix starts from the policy's `scope.inScope[].releases` (every cell `under-investigation`)
 *   and grows by the releases the team adds on the case (`case.release_added`).
 * - `case.affected_set` sets one cell's status: `fixed` names the version that fixes it (`fixedIn`),
 *   `will-not-fix` gives the reason; `not-affected` may give one.
 * - `productionReleasesOwed`: the releases in production still affected, under investigation or
 *   left unfixed. With `incident.fixAllProductionReleases` (privacytools: "prepare fixes for all
 *   releases currently in production") a case is not fixed while any is owed.
 * - A case's CVE id (`CVE-YYYY-NNNN…`) and aliases (GHSA ids, report numbers): their formats, and the
 *   upper-case form under which each is unique in its program.
 */

export const AFFECTED_STATUSES = [
  "affected",
  "not-affected",
  "under-investigation",
  "fixed",
  "will-not-fix",
] as const;
export type AffectedStatus = (typeof AFFECTED_STATUSES)[number];

export const isAffectedStatus = (value: string): value is AffectedStatus =>
  (AFFECTED_STATUSES as readonly string[]).includes(value);

/** How the case page and the messages write a status. */
export const STATUS_LABELS: Readonly<Record<AffectedStatus, string>> = {
  affected: "affected",
  "not-affected": "not affected",
  "under-investigation": "under investigation",
  fixed: "fixed",
  "will-not-fix": "will not fix",
};

/** The event types of the matrix; internal (the reporter does not see them). */
export const AFFECTED_SET_EVENT = "case.affected_set";
export const RELEASE_ADDED_EVENT = "case.release_added";
export const AFFECTED_EVENTS = [RELEASE_ADDED_EVENT, AFFECTED_SET_EVENT] as const;

export const MAX_VERSION_CHARS = 100;
export const MAX_REASON_CHARS = 2_000;
/** Releases the team may add on one case (the policy's are not counted). */
export const MAX_CASE_RELEASES = 100;

export interface AffectedCell {
  /** The asset id of `scope.inScope` (or of a release recorded before the policy dropped the asset). */
  asset: string;
  /** A version or a range, as the policy or the team wrote it. */
  version: string;
  inProduction: boolean;
  /** `policy`: from `scope.inScope[].releases`; `case`: added (or only recorded) on this case. */
  source: "policy" | "case";
  status: AffectedStatus;
  /** The version that fixes it; only for `fixed`. */
  fixedIn: string | null;
  /** Why it will not be fixed (`will-not-fix`), or why it is not affected (optional). */
  reason: string | null;
}

/** The cells in the policy's order (asset, then release), the case's releases after each asset's own. */
export type AffectedMatrix = readonly AffectedCell[];

export interface ReleaseAdded {
  asset: string;
  version: string;
  inProduction: boolean;
}

export interface AffectedSet {
  asset: string;
  version: string;
  status: AffectedStatus;
  fixedIn: string | null;
  reason: string | null;
}

/** One event of the matrix, its payload as stored. */
export type AffectedEvent =
  | { type: typeof RELEASE_ADDED_EVENT; payload: ReleaseAdded }
  | { type: typeof AFFECTED_SET_EVENT; payload: AffectedSet };

export const cellKey = (asset: string, version: string): string => `${asset}\u0000${version}`;

/** The matrix before anything is recorded on the case: the policy's releases, under investigation. */
export function policyMatrix(policy: Policy): AffectedCell[] {
  return policy.scope.inScope.flatMap((asset) =>
    (asset.releases ?? []).map((release) => ({
      asset: asset.id,
      version: release.version,
      inProduction: release.inProduction,
      source: "policy" as const,
      status: "under-investigation" as const,
      fixedIn: null,
      reason: null,
    })),
  );
}

/**
 * The matrix after `events` (oldest first). A release added twice keeps its place and takes the
 * later production flag (the policy's own releases keep the policy's); a status recorded for a cell
 * the policy no longer lists keeps the cell, as a release of the case that is not in production.
 */
export function foldAffected(policy: Policy, events: readonly AffectedEvent[]): AffectedCell[] {
  const cells = policyMatrix(policy);
  const byKey = new Map(cells.map((cell) => [cellKey(cell.asset, cell.version), cell]));
  const cellFor = (asset: string, version: string, inProduction: boolean): AffectedCell => {
    const known = byKey.get(cellKey(asset, version));
    if (known !== undefined) return known;
    const cell: AffectedCell = {
      asset,
      version,
      inProduction,
      source: "case",
      status: "under-investigation",
      fixedIn: null,
      reason: null,
    };
    // After the asset's last cell, so each asset's releases stay together.
    const last = cells.findLastIndex((other) => other.asset === asset);
    cells.splice(last === -1 ? cells.length : last + 1, 0, cell);
    byKey.set(cellKey(asset, version), cell);
    return cell;
  };
  for (const event of events) {
    if (event.type === RELEASE_ADDED_EVENT) {
      const { asset, version, inProduction } = event.payload;
      const cell = cellFor(asset, version, inProduction);
      if (cell.source === "case") cell.inProduction = inProduction;
    } else {
      const { asset, version, status, fixedIn, reason } = event.payload;
      const cell = cellFor(asset, version, false);
      cell.status = status;
      cell.fixedIn = status === "fixed" ? fixedIn : null;
      cell.reason = status === "will-not-fix" || status === "not-affected" ? reason : null;
    }
  }
  return cells;
}

/** The cell of (asset, version), if the matrix has it. */
export function findCell(matrix: AffectedMatrix, asset: string, version: string): AffectedCell | undefined {
  return matrix.find((cell) => cell.asset === asset && cell.version === version);
}

/** An asset's name as the policy gives it (its id when the policy no longer lists it). */
export function assetName(policy: Policy, asset: string): string {
  return policy.scope.inScope.find((candidate) => candidate.id === asset)?.name ?? asset;
}

export interface OwedRelease {
  asset: string;
  assetName: string;
  version: string;
  status: Extract<AffectedStatus, "affected" | "under-investigation" | "will-not-fix">;
}

const isOwed = (status: AffectedStatus): status is OwedRelease["status"] =>
  status === "affected" || status === "under-investigation" || status === "will-not-fix";

/**
 * The releases in production (the policy's or the case's) that still lack a fix: affected, under
 * investigation, or left unfixed. Empty when every production release is fixed or not affected.
 */
export function productionReleasesOwed(policy: Policy, matrix: AffectedMatrix): OwedRelease[] {
  return matrix.flatMap((cell) => {
    const { status } = cell;
    return cell.inProduction && isOwed(status)
      ? [{ asset: cell.asset, assetName: assetName(policy, cell.asset), version: cell.version, status }]
      : [];
  });
}

/** "Mastodon hosted by privacytools.io live (under investigation)": how a refusal names an owed release. */
export function describeOwed(owed: OwedRelease): string {
  return `${owed.assetName} ${owed.version} (${STATUS_LABELS[owed.status]})`;
}

// ---------------------------------------------------------------------------------------------
// What the team types

export type Checked<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

// Control and format characters (bidi overrides, zero-width) have no place in a version.
const CONTROL = /[\p{Cc}\p{Cf}]/u;

/** A version or range as typed: trimmed, 1–100 characters, no control characters. */
export function checkVersion(typed: string, field = "version"): Checked<string> {
  const text = typed.trim();
  if (text === "") return { ok: false, field, message: "give the version or range" };
  if (text.length > MAX_VERSION_CHARS)
    return { ok: false, field, message: `a version has at most ${MAX_VERSION_CHARS} characters` };
  if (CONTROL.test(text)) return { ok: false, field, message: "a version may not hold control characters" };
  return { ok: true, value: text };
}

export interface CellInput {
  status: string;
  fixedIn?: string | null | undefined;
  reason?: string | null | undefined;
}

export type CellStatus = Omit<AffectedSet, "asset" | "version">;

/**
 * A cell's new status with what it needs: `fixed` needs the version that fixes it, `will-not-fix`
 * a reason; a fix version only goes with `fixed`, a reason only with `will-not-fix` or
 * `not-affected`.
 */
export function checkCell(input: CellInput): Checked<CellStatus> {
  const status = input.status.trim();
  if (!isAffectedStatus(status))
    return { ok: false, field: "status", message: `the status is one of ${AFFECTED_STATUSES.join(", ")}` };
  const fixedText = input.fixedIn?.trim() ?? "";
  const reasonText = input.reason?.trim() ?? "";
  let fixedIn: string | null = null;
  if (status === "fixed") {
    if (fixedText === "")
      return { ok: false, field: "fixedIn", message: "a fixed release names the version that fixes it" };
    const version = checkVersion(fixedText, "fixedIn");
    if (!version.ok) return version;
    fixedIn = version.value;
  } else if (fixedText !== "") {
    return { ok: false, field: "fixedIn", message: "a fix version goes only with the status fixed" };
  }
  let reason: string | null = null;
  if (status === "will-not-fix" || status === "not-affected") {
    if (status === "will-not-fix" && reasonText === "")
      return { ok: false, field: "reason", message: "will not fix needs a reason" };
    if (reasonText.length > MAX_REASON_CHARS)
      return { ok: false, field: "reason", message: `a reason has at most ${MAX_REASON_CHARS} characters` };
    reason = reasonText === "" ? null : reasonText;
  } else if (reasonText !== "") {
    return { ok: false, field: "reason", message: "a reason goes only with will not fix or not affected" };
  }
  return { ok: true, value: { status, fixedIn, reason } };
}

/** Whether setting `next` on `cell` changes nothing. */
export function sameCell(cell: AffectedCell, next: CellStatus): boolean {
  return cell.status === next.status && cell.fixedIn === next.fixedIn && cell.reason === next.reason;
}

// ---------------------------------------------------------------------------------------------
// Identifiers

export const MAX_ALIASES = 20;
const CVE_ID = /^CVE-\d{4}-\d{4,19}$/;
const ALIAS = /^[A-Za-z0-9._:#-]{1,64}$/;

/** A CVE id as typed: trimmed, upper-cased, `CVE-YYYY-NNNN` with four digits or more after the year. */
export function checkCveId(typed: string): Checked<string> {
  const text = typed.trim().toUpperCase();
  if (!CVE_ID.test(text))
    return {
      ok: false,
      field: "cveId",
      message: 'a CVE id reads "CVE-", the year, "-" and at least four digits (CVE-2026-12345)',
    };
  return { ok: true, value: text };
}

/**
 * An alias as typed (a GHSA id, a HackerOne report number): trimmed, 1–64 characters of letters,
 * digits and `. _ : # -`. Kept as typed; unique in its program in upper case (`identifierKey`).
 */
export function checkAlias(typed: string): Checked<string> {
  const text = typed.trim();
  if (!ALIAS.test(text))
    return {
      ok: false,
      field: "aliases",
      message: "an alias has 1 to 64 letters, digits or . _ : # - (GHSA-xxxx-xxxx-xxxx, H1-123456)",
    };
  return { ok: true, value: text };
}

/** The form under which an identifier is unique in its program. */
export const identifierKey = (value: string): string => value.toUpperCase();

export interface Identifiers {
  cveId: string | null;
  aliases: string[];
}

export const NO_IDENTIFIERS: Identifiers = { cveId: null, aliases: [] };

/**
 * The identifiers a case should have: the CVE id checked, the aliases checked, each once (in upper
 * case), at most MAX_ALIASES, none the same as the CVE id.
 */
export function checkIdentifiers(input: {
  cveId: string | null;
  aliases: readonly string[];
}): Checked<Identifiers> {
  let cveId: string | null = null;
  if (input.cveId !== null && input.cveId.trim() !== "") {
    const checked = checkCveId(input.cveId);
    if (!checked.ok) return checked;
    cveId = checked.value;
  }
  const aliases: string[] = [];
  const seen = new Set<string>();
  for (const typed of input.aliases) {
    if (typed.trim() === "") continue;
    const checked = checkAlias(typed);
    if (!checked.ok) return checked;
    const key = identifierKey(checked.value);
    if (cveId !== null && key === cveId)
      return { ok: false, field: "aliases", message: `${checked.value} is already the case's CVE id` };
    if (seen.has(key)) continue;
    seen.add(key);
    aliases.push(checked.value);
  }
  if (aliases.length > MAX_ALIASES)
    return { ok: false, field: "aliases", message: `a case has at most ${MAX_ALIASES} aliases` };
  return { ok: true, value: { cveId, aliases } };
}

/** What changes in the program's identifier index (upper-case values) between two sets of identifiers. */
export function identifierChanges(
  before: Identifiers,
  after: Identifiers,
): { added: { value: string; kind: "cve" | "alias" }[]; removed: string[] } {
  const keyed = (ids: Identifiers) =>
    new Map<string, "cve" | "alias">([
      ...(ids.cveId === null ? [] : [[ids.cveId, "cve"] as const]),
      ...ids.aliases.map((alias) => [identifierKey(alias), "alias"] as const),
    ]);
  const old = keyed(before);
  const next = keyed(after);
  const added = [...next]
    .filter(([key, kind]) => old.get(key) !== kind)
    .map(([value, kind]) => ({ value, kind }));
  const removed = [...old].filter(([key, kind]) => next.get(key) !== kind).map(([key]) => key);
  return { added, removed };
}

/** Whether two sets of identifiers are the same (aliases as typed, in order). */
export function sameIdentifiers(a: Identifiers, b: Identifiers): boolean {
  return (
    a.cveId === b.cveId &&
    a.aliases.length === b.aliases.length &&
    a.aliases.every((alias, index) => alias === b.aliases[index])
  );
}
