import { appendSecurityEvents } from "../auth/security-log.js";
import type { AdvisoryDraft } from "../domain/advisories/draft.js";
import { draftOfImport, type Placement } from "../domain/advisories/import-draft.js";
import { importCsaf } from "../formats/csaf.js";
import { importOsv } from "../formats/osv.js";
import type { Policy } from "../policy/schema.js";
import { insertAdvisory } from "../store/advisories.js";
import { randomId } from "../store/ids.js";
import { InvalidCaseCommandError } from "../store/staff-errors.js";
import { checkDate } from "../store/staff-validation.js";
import type { CaseDeps } from "./case-change.js";

/**
 * Importing a CSAF 2.0 or OSV document as a new standalone advisory draft of a program (issue 13,
 * `embargo advisory import`). The document is read by src/formats (a CSAF document only after the
 * official validator accepted it: a refusal names the failing tests), made a draft by
 * src/domain/advisories/import-draft.ts, and written as any standalone advisory is: its row and a
 * security-log entry (`advisory.created`, with the format and the source's id) in one
 * transaction. It is a draft: a member of the team reviews, approves and publishes it on the
 * staff pages, and the publication gives it Embargo's own tracking id. A refusal writes nothing.
 */

export const IMPORT_FORMATS = ["csaf", "osv"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Who imports, as the security log and the advisory's `created_by` name it: the command line. */
export const IMPORTER = "cli";

export interface AdvisoryImport {
  format: ImportFormat;
  /** The parsed JSON document, as a stranger wrote it. */
  document: unknown;
  /** The in-scope asset to place the products on that no id or name places. */
  asset?: string | undefined;
}

export interface ImportedAdvisory {
  advisoryId: string;
  /** The source document's id (CSAF `tracking.id`, OSV `id`): the draft's first alias. */
  sourceId: string;
  draft: AdvisoryDraft;
  placements: Placement[];
  notKept: string[];
}

export async function importAdvisory(
  deps: CaseDeps,
  policy: Policy,
  input: AdvisoryImport,
  at: Date,
  publicUrl: string,
): Promise<ImportedAdvisory> {
  checkDate(at, "at");
  const slug = policy.program.slug;
  const advisoryId = randomId();
  const context = {
    id: advisoryId,
    program: slug,
    // Only an OSV document lacks a publisher; a draft keeps none (publication names the program).
    publisher: { name: policy.program.name, namespace: policy.program.website ?? `${publicUrl}/p/${slug}` },
  };
  const record =
    input.format === "csaf" ? await importCsaf(input.document, context) : importOsv(input.document, context);
  const assets = policy.scope.inScope.map(({ id, name }) => ({ id, name }));
  const imported = draftOfImport(record, record.trackingId, assets, input.asset);
  if (!imported.ok) throw new InvalidCaseCommandError(imported.field, imported.message);
  const { draft, placements, notKept } = imported.value;
  await deps.store.transaction(async (trx) => {
    await insertAdvisory(trx, deps.keyring, {
      id: advisoryId,
      program: slug,
      caseId: null,
      draft,
      at,
      by: IMPORTER,
    });
    await appendSecurityEvents(trx, deps.store.dialect, [
      {
        type: "advisory.created",
        actor: IMPORTER,
        subject: null,
        // The source's id is public (it names a published advisory), never the document's text.
        payload: {
          program: slug,
          advisoryId,
          importedFrom: input.format,
          sourceId: record.trackingId.slice(0, 100),
        },
        at,
      },
    ]);
  });
  return { advisoryId, sourceId: record.trackingId, draft, placements, notKept };
}
