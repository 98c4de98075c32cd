import { decryptText, keyIdOf } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import { aad } from "./aad.js";
import { type CaseViewer, visibleTo } from "./case-visibility.js";
import { CaseNotFoundError, reportSchema } from "./cases.js";
import type { Store } from "./database.js";

// ---------------------------------------------------------------------------------------------
// Duplicates

export interface DuplicateCandidate {
  id: string;
  title: string;
  assetId: string | null;
  receivedAt: Date;
  /** The opening of the report's answers (at most DUPLICATE_TEXT_BYTES of UTF-8). */
  text: string;
}

export const DUPLICATE_TEXT_BYTES = 2048;
/** Closed cases count as candidates for this long before the case arrived (and any time after). */
const RECENT_MS = 365 * 86_400_000;

/**
 * Cases that might report the same thing, for the domain's similarity ranking
 * (src/domain/duplicates): up to `limit` of the same program that are still open or arrived
 * recently (within a year before this one), same asset first, newest first within each group.
 * Cases closed as duplicates are left out: their originals are candidates themselves. So are
 * erased cases.
 */
export async function duplicateCandidates(
  store: Store,
  keyring: Keyring,
  caseId: string,
  limit: number,
  /** Who looks: only the cases they may see are candidates (a title is no less secret than a case). */
  viewer: CaseViewer = {},
): Promise<DuplicateCandidate[]> {
  const target = await store.db
    .selectFrom("cases")
    .select(["id", "program", "asset_id", "received_at"])
    .where("id", "=", caseId)
    .executeTakeFirst();
  if (target === undefined) throw new CaseNotFoundError(caseId);
  const take = Math.max(0, Math.min(Math.floor(limit), 500));
  if (take === 0) return [];
  const recentSince = new Date(new Date(target.received_at).getTime() - RECENT_MS).toISOString();
  const base = visibleTo(
    store.db.selectFrom("cases").select(["id", "asset_id", "received_at", "report_ct"]),
    viewer,
  )
    .where("program", "=", target.program)
    .where("id", "!=", target.id)
    // An erased case says nothing left to compare (src/store/erasure.ts).
    .where("erased_at", "is", null)
    .where((eb) => eb.or([eb("outcome", "is", null), eb("outcome", "!=", "duplicate")]))
    .where((eb) => eb.or([eb("state", "!=", "closed"), eb("received_at", ">=", recentSince)]))
    .orderBy("received_at", "desc")
    .orderBy("id", "desc")
    .limit(take);
  const sameAsset =
    target.asset_id === null ? [] : await base.where("asset_id", "=", target.asset_id).execute();
  const others =
    sameAsset.length >= take
      ? []
      : await base
          .where((eb) =>
            target.asset_id === null
              ? eb.lit(true)
              : eb.or([eb("asset_id", "is", null), eb("asset_id", "!=", target.asset_id)]),
          )
          .limit(take - sameAsset.length)
          .execute();
  const rows = [...sameAsset, ...others];
  await keyring.ensure(rows.map((row) => keyIdOf(row.report_ct)));
  return rows.map((row) => {
    const report = reportSchema.parse(JSON.parse(decryptText(keyring, row.report_ct, aad.report(row.id))));
    return {
      id: row.id,
      title: report.title,
      assetId: row.asset_id,
      receivedAt: new Date(row.received_at),
      text: utf8Prefix(Object.values(report.fields).join("\n\n"), DUPLICATE_TEXT_BYTES),
    };
  });
}

/** The longest prefix of `text` that fits in `bytes` bytes of UTF-8, cut between characters. */
export function utf8Prefix(text: string, bytes: number): string {
  const encoded = Buffer.from(text, "utf8");
  if (encoded.length <= bytes) return text;
  let end = bytes;
  // Back up over continuation bytes (10xxxxxx) so no character is cut in half.
  while (end > 0 && ((encoded[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return encoded.subarray(0, end).toString("utf8");
}
