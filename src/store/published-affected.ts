import type { Transaction } from "kysely";
import { type AffectedMatrix, assetName } from "../domain/disclosure/affected.js";
import type { Policy } from "../policy/schema.js";
import { randomId } from "./ids.js";
import type { DatabaseSchema } from "./schema.js";

/**
 * What the public `GET /api/v1/programs/{program}/affected` answers from (`published_affected`):
 * the affected-release matrix of the cases that were disclosed, one row per cell whose status the
 * team knows (cells still under investigation say nothing yet, so they are left out). Written only
 * in the transaction that discloses a case, or that changes the matrix or the CVE id of a case
 * that was disclosed; never for a case under embargo.
 */
export interface PublishAffectedInput {
  program: string;
  caseId: string;
  policy: Policy;
  matrix: AffectedMatrix;
  at: Date;
}

/** Replaces the case's rows with its matrix now; the number of rows written. */
export async function publishAffected(
  trx: Transaction<DatabaseSchema>,
  input: PublishAffectedInput,
): Promise<number> {
  const { program, caseId, policy, matrix, at } = input;
  const cve = await trx
    .selectFrom("case_identifiers")
    .select("value")
    .where("case_id", "=", caseId)
    .where("kind", "=", "cve")
    .executeTakeFirst();
  await trx.deleteFrom("published_affected").where("case_id", "=", caseId).execute();
  const rows = matrix
    .filter((cell) => cell.status !== "under-investigation")
    .map((cell) => ({
      id: randomId(),
      program,
      case_id: caseId,
      product: cell.asset,
      product_name: assetName(policy, cell.asset),
      versions: cell.version,
      status: cell.status,
      fixed_in: cell.fixedIn,
      cve_id: cve?.value ?? null,
      published_at: at.toISOString(),
    }));
  if (rows.length > 0) await trx.insertInto("published_affected").values(rows).execute();
  return rows.length;
}
