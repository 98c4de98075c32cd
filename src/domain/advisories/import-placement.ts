import {
  type AdvisoryDraft,
  type Checked,
  checkDraft,
  type DraftInput,
  EMPTY_DRAFT,
  LIMITS,
} from "./draft.js";
import type { AdvisoryRecord } from "./record.js";

/**
 * Where an imported document's products go in a draft (./import-draft.ts): a draft's products are
 * the program's in-scope assets. Each product the document names is placed on one: the asset with
 * its id (Embargo's own exports give it back), else the asset with its name, else the asset the
 * importer chose, else the program's only asset. A product no rule places refuses the import.
 * Products placed on one asset pool their ranges; a range the draft refuses is listed, not kept.
 */

export interface ImportAsset {
  id: string;
  name: string;
}

export interface Placement {
  /** The document's product, as "vendor product" (no vendor: the product alone). */
  product: string;
  asset: string;
  rule: "id" | "name" | "chosen" | "only asset";
}

/** A stranger's text in a line of the report: quoted, control characters escaped, cut short. */
export const quoted = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
export const refuse = (field: string, message: string) => ({ ok: false as const, field, message });

/** Whether the draft accepts `input` alone (a member's own check, reused so the rules stay one). */
export function accepted(input: DraftInput, assets: readonly ImportAsset[]): Checked<AdvisoryDraft> {
  return checkDraft(EMPTY_DRAFT, input, assets);
}

function productLabel(product: AdvisoryRecord["products"][number]): string {
  return product.vendor === "N/A" || product.vendor === ""
    ? product.name
    : `${product.vendor} ${product.name}`;
}

export function placeProducts(
  record: AdvisoryRecord,
  assets: readonly ImportAsset[],
  chosen: string | undefined,
): Checked<Placement[]> {
  const only = assets.length === 1 ? assets[0] : undefined;
  const placements: Placement[] = [];
  const unplaced: string[] = [];
  for (const product of record.products) {
    const byId = assets.find((asset) => asset.id === product.id);
    const name = product.name.trim().toLowerCase();
    const byName = assets.find((asset) => asset.name.toLowerCase() === name || asset.id === name);
    const label = productLabel(product);
    if (byId !== undefined) placements.push({ product: label, asset: byId.id, rule: "id" });
    else if (byName !== undefined) placements.push({ product: label, asset: byName.id, rule: "name" });
    else if (chosen !== undefined) placements.push({ product: label, asset: chosen, rule: "chosen" });
    else if (only !== undefined) placements.push({ product: label, asset: only.id, rule: "only asset" });
    else unplaced.push(label);
  }
  if (unplaced.length > 0)
    return refuse(
      "placement",
      `the document's product${unplaced.length === 1 ? "" : "s"} ${unplaced.slice(0, 5).map(quoted).join(", ")}${
        unplaced.length > 5 ? ` and ${unplaced.length - 5} more` : ""
      } match${unplaced.length === 1 ? "es" : ""} no in-scope asset of the program by id or name; choose the asset to place ${unplaced.length === 1 ? "it" : "them"} on, one of: ${assets
        .map((asset) => asset.id)
        .join(", ")}`,
    );
  return { ok: true, value: placements };
}

type DraftProduct = NonNullable<DraftInput["products"]>[number];
type DraftRange = DraftProduct["ranges"][number];

export function productsOf(
  record: AdvisoryRecord,
  placements: readonly Placement[],
  assets: readonly ImportAsset[],
  notKept: string[],
): DraftProduct[] {
  const products: { id: string; ranges: DraftRange[] }[] = [];
  for (const [index, product] of record.products.entries()) {
    const placement = placements[index];
    if (placement === undefined) continue;
    let target = products.find((candidate) => candidate.id === placement.asset);
    if (target === undefined) {
      target = { id: placement.asset, ranges: [] };
      products.push(target);
    }
    for (const range of product.ranges) {
      // CSAF's `fixed` lists the versions that carry the fix: they are the version it is fixed in.
      const fixedIn = range.fixedIn ?? (range.status === "fixed" ? range.versions : undefined);
      const candidate: DraftRange = {
        versions: range.versions,
        status: range.status,
        ...(fixedIn === undefined ? {} : { fixedIn }),
        ...(range.reason === undefined ? {} : { reason: range.reason }),
      };
      const check = accepted({ products: [{ id: placement.asset, ranges: [candidate] }] }, assets);
      if (!check.ok) {
        notKept.push(
          `the range ${quoted(range.versions)} (${range.status}) of ${quoted(placement.product)}: ${check.message}`,
        );
        continue;
      }
      const same = JSON.stringify(candidate);
      if (target.ranges.some((kept) => JSON.stringify(kept) === same)) continue;
      if (target.ranges.length >= LIMITS.ranges)
        notKept.push(
          `the range ${quoted(range.versions)} of ${quoted(placement.product)}: the asset ${placement.asset} has ${LIMITS.ranges} ranges already`,
        );
      else target.ranges.push(candidate);
    }
  }
  return products;
}
