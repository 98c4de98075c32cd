import { createHash } from "node:crypto";
import type { AdvisoryRecord } from "../domain/advisories/record.js";
import { toCsaf } from "../formats/csaf.js";
import { csafDirectoryPath, csafPathOf } from "../formats/csaf-provider.js";
import { canonicalJson, type Json } from "../store/canonical-json.js";

/** A CSAF document as served: the exact bytes, their SHA-256 and their place in the provider directory. */
export interface ServedCsafDocument {
  /** `YYYY/{file}.json`, below the program's directory. */
  path: string;
  bytes: Buffer;
  sha256: string;
}

/**
 * The one CSAF rendering of a published revision, served by the provider directory
 * (src/web/routes/csaf-provider.ts) and as the advisory's `.csaf.json`: toCsaf() of the stored
 * record with its `self` reference to the directory address, in canonical JSON, so a revision is
 * the same bytes at both addresses and on every request, and its hash and signature stay valid.
 */
export function servedCsafDocument(record: AdvisoryRecord, publicUrl: string): ServedCsafDocument {
  const path = csafPathOf(toCsaf(record));
  const selfUrl = `${publicUrl}${csafDirectoryPath(record.program)}/${path}`;
  const document = toCsaf(record, { selfUrl });
  const bytes = Buffer.from(canonicalJson(JSON.parse(JSON.stringify(document)) as Json), "utf8");
  return { path, bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
}
