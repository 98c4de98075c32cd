import type { Kysely, Transaction } from "kysely";
import { decryptText, encryptText, type KeySource } from "../crypto/envelope.js";
import { type AdvisoryDraft, advisoryDraftSchema } from "../domain/advisories/draft.js";
import type { AdvisoriesTable, DatabaseSchema } from "./schema.js";

/**
 * The advisories' rows (migration 2026121001_advisories): the draft decrypted, the writes the
 * commands in src/commands/advisories.ts make, and the public reads. The public reads select only
 * published revisions' `record_json` (and the tracking id that finds them): nothing of a draft, and
 * never `case_id`.
 */
type Db = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;

/** Where an advisory's draft belongs (the AAD of `advisories.content_ct`). */
export const advisoryAad = (advisoryId: string) => `advisory:${advisoryId}:content`;

export function sealAdvisoryDraft(keyring: KeySource, advisoryId: string, draft: AdvisoryDraft): string {
  return encryptText(keyring, JSON.stringify(draft), advisoryAad(advisoryId));
}

export interface Advisory {
  id: string;
  program: string;
  caseId: string | null;
  trackingId: string | null;
  state: "draft" | "published";
  draft: AdvisoryDraft;
  draftVersion: number;
  publishedVersion: number | null;
  approvedBy: string | null;
  approvedAt: Date | null;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
  /** Revisions published so far. */
  revisions: number;
}

function advisoryOf(keyring: KeySource, row: AdvisoriesTable, revisions: number): Advisory {
  const draft = advisoryDraftSchema.parse(
    JSON.parse(decryptText(keyring, row.content_ct, advisoryAad(row.id))),
  );
  return {
    id: row.id,
    program: row.program,
    caseId: row.case_id,
    trackingId: row.tracking_id,
    state: row.state,
    draft,
    draftVersion: row.draft_version,
    publishedVersion: row.published_version,
    approvedBy: row.approved_by,
    approvedAt: row.approved_at === null ? null : new Date(row.approved_at),
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
    updatedAt: new Date(row.updated_at),
    updatedBy: row.updated_by,
    revisions,
  };
}

async function revisionCount(db: Db, advisoryId: string): Promise<number> {
  const row = await db
    .selectFrom("advisory_revisions")
    .select((eb) => eb.fn.countAll<number | string | bigint>().as("n"))
    .where("advisory_id", "=", advisoryId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The advisory, decrypted; `lock` holds its row (PostgreSQL; SQLite's write transaction already does). */
export async function findAdvisory(
  db: Db,
  keyring: KeySource,
  advisoryId: string,
  options: { lock?: boolean } = {},
): Promise<Advisory | undefined> {
  const row = await db
    .selectFrom("advisories")
    .selectAll()
    .where("id", "=", advisoryId)
    .$if(options.lock === true, (query) => query.forUpdate())
    .executeTakeFirst();
  return row === undefined ? undefined : advisoryOf(keyring, row, await revisionCount(db, row.id));
}

/** The case's advisory id, if it has one. */
export async function advisoryIdOfCase(db: Db, caseId: string): Promise<string | undefined> {
  const row = await db.selectFrom("advisories").select("id").where("case_id", "=", caseId).executeTakeFirst();
  return row?.id;
}

/** The program's advisories, newest first, decrypted (the staff list). */
export async function advisoriesOfProgram(db: Db, keyring: KeySource, program: string): Promise<Advisory[]> {
  const rows = await db
    .selectFrom("advisories")
    .selectAll()
    .where("program", "=", program)
    .orderBy("created_at", "desc")
    .orderBy("id")
    .execute();
  const counts = await db
    .selectFrom("advisory_revisions")
    .innerJoin("advisories", "advisories.id", "advisory_revisions.advisory_id")
    .select("advisory_revisions.advisory_id")
    .where("advisories.program", "=", program)
    .execute();
  return rows.map((row) =>
    advisoryOf(keyring, row, counts.filter((revision) => revision.advisory_id === row.id).length),
  );
}

export async function insertAdvisory(
  db: Db,
  keyring: KeySource,
  advisory: {
    id: string;
    program: string;
    caseId: string | null;
    draft: AdvisoryDraft;
    at: Date;
    by: string;
  },
): Promise<void> {
  const at = advisory.at.toISOString();
  await db
    .insertInto("advisories")
    .values({
      id: advisory.id,
      program: advisory.program,
      case_id: advisory.caseId,
      tracking_number: null,
      tracking_id: null,
      state: "draft",
      content_ct: sealAdvisoryDraft(keyring, advisory.id, advisory.draft),
      draft_version: 1,
      published_version: null,
      approved_by: null,
      approved_at: null,
      created_at: at,
      created_by: advisory.by,
      updated_at: at,
      updated_by: advisory.by,
    })
    .execute();
}

/** Saves a changed draft: its version moves on and any approval is gone. */
export async function updateAdvisoryDraft(
  db: Db,
  keyring: KeySource,
  advisory: Advisory,
  draft: AdvisoryDraft,
  change: { at: Date; by: string },
): Promise<void> {
  await db
    .updateTable("advisories")
    .set({
      content_ct: sealAdvisoryDraft(keyring, advisory.id, draft),
      draft_version: advisory.draftVersion + 1,
      approved_by: null,
      approved_at: null,
      updated_at: change.at.toISOString(),
      updated_by: change.by,
    })
    .where("id", "=", advisory.id)
    .execute();
}

export async function approveAdvisoryRow(db: Db, advisoryId: string, by: string, at: Date): Promise<void> {
  await db
    .updateTable("advisories")
    .set({ approved_by: by, approved_at: at.toISOString() })
    .where("id", "=", advisoryId)
    .execute();
}

/**
 * The program's next tracking number. The upsert locks the program's counter row until the
 * transaction ends, so concurrent first publications wait for each other.
 */
export async function takeAdvisoryNumber(db: Db, program: string): Promise<number> {
  const row = await db
    .insertInto("advisory_counters")
    .values({ program, last_number: 1 })
    .onConflict((conflict) =>
      conflict
        .column("program")
        .doUpdateSet((eb) => ({ last_number: eb("advisory_counters.last_number", "+", 1) })),
    )
    .returning("last_number")
    .executeTakeFirstOrThrow();
  return row.last_number;
}

/** The stored record of a revision, byte for byte. */
export async function revisionRecord(
  db: Db,
  advisoryId: string,
  number: number,
): Promise<string | undefined> {
  const row = await db
    .selectFrom("advisory_revisions")
    .select("record_json")
    .where("advisory_id", "=", advisoryId)
    .where("number", "=", number)
    .executeTakeFirst();
  return row?.record_json;
}

/**
 * Writes a publication: the revision (never updated afterwards), and the advisory's row as
 * published, its tracking id given on the first one, the draft's revision summary emptied for the
 * next correction (the version stays: the draft is what was published).
 */
export async function insertPublication(
  db: Db,
  keyring: KeySource,
  publication: {
    advisory: Advisory;
    number: number;
    tracking: { number: number; id: string } | null;
    recordJson: string;
    approvedBy: string;
    at: Date;
    by: string;
  },
): Promise<void> {
  const { advisory } = publication;
  await db
    .insertInto("advisory_revisions")
    .values({
      advisory_id: advisory.id,
      number: publication.number,
      published_at: publication.at.toISOString(),
      approved_by: publication.approvedBy,
      published_by: publication.by,
      record_json: publication.recordJson,
    })
    .execute();
  await db
    .updateTable("advisories")
    .set({
      state: "published",
      content_ct: sealAdvisoryDraft(keyring, advisory.id, { ...advisory.draft, revisionSummary: "" }),
      published_version: advisory.draftVersion,
      approved_by: null,
      approved_at: null,
      ...(publication.tracking === null
        ? {}
        : { tracking_number: publication.tracking.number, tracking_id: publication.tracking.id }),
    })
    .where("id", "=", advisory.id)
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Public reads: published revisions only.

export interface PublishedRevision {
  number: number;
  publishedAt: Date;
  recordJson: string;
}

export interface PublishedAdvisory {
  trackingId: string;
  /** Oldest first; the last is the current one. */
  revisions: PublishedRevision[];
}

/** The program's published advisories' latest records, newest publication first. */
export async function publishedAdvisories(db: Db, program: string): Promise<PublishedRevision[]> {
  const rows = await db
    .selectFrom("advisory_revisions")
    .innerJoin("advisories", "advisories.id", "advisory_revisions.advisory_id")
    .select([
      "advisory_revisions.advisory_id",
      "advisory_revisions.number",
      "advisory_revisions.published_at",
      "advisory_revisions.record_json",
    ])
    .where("advisories.program", "=", program)
    .where("advisories.state", "=", "published")
    .orderBy("advisory_revisions.published_at", "desc")
    .orderBy("advisory_revisions.number", "desc")
    .execute();
  const seen = new Set<string>();
  const latest: PublishedRevision[] = [];
  for (const row of rows) {
    if (seen.has(row.advisory_id)) continue;
    seen.add(row.advisory_id);
    latest.push({ number: row.number, publishedAt: new Date(row.published_at), recordJson: row.record_json });
  }
  return latest;
}

/** A published advisory of the program by its tracking id, with every revision; undefined for a draft. */
export async function publishedAdvisory(
  db: Db,
  program: string,
  trackingId: string,
): Promise<PublishedAdvisory | undefined> {
  const rows = await db
    .selectFrom("advisory_revisions")
    .innerJoin("advisories", "advisories.id", "advisory_revisions.advisory_id")
    .select([
      "advisory_revisions.number",
      "advisory_revisions.published_at",
      "advisory_revisions.record_json",
    ])
    .where("advisories.program", "=", program)
    .where("advisories.tracking_id", "=", trackingId)
    .where("advisories.state", "=", "published")
    .orderBy("advisory_revisions.number")
    .execute();
  if (rows.length === 0) return undefined;
  return {
    trackingId,
    revisions: rows.map((row) => ({
      number: row.number,
      publishedAt: new Date(row.published_at),
      recordJson: row.record_json,
    })),
  };
}

/** Every published revision of an advisory, oldest first (the staff pages' history). */
export async function revisionsOf(db: Db, advisoryId: string): Promise<PublishedRevision[]> {
  const rows = await db
    .selectFrom("advisory_revisions")
    .select(["number", "published_at", "record_json"])
    .where("advisory_id", "=", advisoryId)
    .orderBy("number")
    .execute();
  return rows.map((row) => ({
    number: row.number,
    publishedAt: new Date(row.published_at),
    recordJson: row.record_json,
  }));
}
