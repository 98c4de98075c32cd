import { type Kysely, sql } from "kysely";

/**
 * The staff side of a case: triage fields, lifecycle timestamps and the `next_due_at` the inbox
 * sorts on, plus tags, followers and the blind index over encrypted titles (see
 * src/store/search-index.ts). SQLite adds one column per ALTER TABLE, so each is its own
 * statement. Existing rows get `next_due_at` here (from plaintext columns); their title terms need
 * the data keys, which a migration does not have: the server fills them in at start
 * (`backfillSearchIndex`), keyed by `cases.search_key_id` being null.
 */
const PRIORITIES = sql`('low', 'medium', 'high')`;
const SEVERITIES = sql`('none', 'low', 'medium', 'high', 'critical')`;
const OUTCOMES = sql`('resolved', 'duplicate', 'informative', 'not-applicable', 'out-of-scope', 'third-party', 'spam', 'no-incident')`;

/** Added to `cases`, in order; all nullable. */
const CASE_COLUMNS = [
  "assignee",
  "priority",
  "due_at",
  "severity",
  "cvss31_vector",
  "cvss31_score",
  "cvss40_vector",
  "cvss40_score",
  "cwe",
  "outcome",
  "duplicate_of",
  "acknowledged_at",
  "first_team_reply_at",
  "detailed_response_at",
  "triaged_at",
  "fixed_at",
  "closed_at",
  "agreement_due_at",
  "next_due_at",
  "search_key_id",
] as const;

const CASE_INDEXES = [
  "cases_program_state_next_due_at",
  "cases_assignee",
  "cases_severity",
  "cases_next_due_at",
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of CASE_COLUMNS) {
    const alter = db.schema.alterTable("cases");
    switch (column) {
      case "priority":
        await alter.addColumn(column, "text", (c) => c.check(sql`priority in ${PRIORITIES}`)).execute();
        break;
      case "severity":
        await alter.addColumn(column, "text", (c) => c.check(sql`severity in ${SEVERITIES}`)).execute();
        break;
      case "outcome":
        await alter.addColumn(column, "text", (c) => c.check(sql`outcome in ${OUTCOMES}`)).execute();
        break;
      case "cvss31_score":
      case "cvss40_score":
        await alter
          .addColumn(column, "double precision", (c) => c.check(sql`${sql.ref(column)} between 0 and 10`))
          .execute();
        break;
      case "cwe":
        // Only the shape is checked here; `CWE-` and digits (the store normalises the case).
        await alter.addColumn(column, "text", (c) => c.check(sql`cwe like 'CWE-%'`)).execute();
        break;
      case "duplicate_of":
        await alter.addColumn(column, "text", (c) => c.references("cases.id")).execute();
        break;
      default:
        await alter.addColumn(column, "text").execute();
    }
  }

  // The inbox (src/store/inbox.ts). Every index ends with its sort key (next_due_at, received_at,
  // id), so whichever one the planner picks, each of its ranges is already in inbox order and a
  // page stops early instead of sorting every match. The first also carries the other scalar
  // filter columns, so a program's inbox with any of them is answered from the index alone.
  await db.schema
    .createIndex("cases_program_state_next_due_at")
    .on("cases")
    .columns([
      "program",
      "state",
      "next_due_at",
      "received_at",
      "id",
      "severity",
      "assignee",
      "asset_id",
      "source",
    ])
    .execute();
  await db.schema
    .createIndex("cases_assignee")
    .on("cases")
    .columns(["assignee", "next_due_at", "received_at", "id"])
    .execute();
  await db.schema
    .createIndex("cases_severity")
    .on("cases")
    .columns(["severity", "next_due_at", "received_at", "id"])
    .execute();
  // Every program at once ("what is due first" across the whole team).
  await db.schema
    .createIndex("cases_next_due_at")
    .on("cases")
    .columns(["next_due_at", "received_at", "id"])
    .execute();

  await db.schema
    .createTable("case_tags")
    .addColumn("case_id", "text", (c) => c.notNull().references("cases.id"))
    .addColumn("tag", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("case_tags_pkey", ["case_id", "tag"])
    .execute();
  await db.schema.createIndex("case_tags_tag").on("case_tags").columns(["tag", "case_id"]).execute();

  await db.schema
    .createTable("case_followers")
    .addColumn("case_id", "text", (c) => c.notNull().references("cases.id"))
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("case_followers_pkey", ["case_id", "user_id"])
    .execute();
  await db.schema.createIndex("case_followers_user_id").on("case_followers").column("user_id").execute();

  // The blind index: one row per distinct normalised title word, as a keyed hash.
  await db.schema
    .createTable("case_title_terms")
    .addColumn("case_id", "text", (c) => c.notNull().references("cases.id"))
    .addColumn("term_hash", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("case_title_terms_pkey", ["case_id", "term_hash"])
    .execute();
  await db.schema
    .createIndex("case_title_terms_term_hash")
    .on("case_title_terms")
    .columns(["term_hash", "case_id"])
    .execute();

  // The blind index's HMAC key: random, encrypted under the data keys (so `keys rotate` re-wraps it).
  await db.schema
    .createTable("search_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("key_ct", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  // Every existing case is new and unacknowledged: its earliest open deadline is the acknowledgement.
  await sql`update cases set next_due_at = acknowledge_by where state <> 'closed'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("search_keys").execute();
  await db.schema.dropTable("case_title_terms").execute();
  await db.schema.dropTable("case_followers").execute();
  await db.schema.dropTable("case_tags").execute();
  for (const index of CASE_INDEXES) await db.schema.dropIndex(index).execute();
  for (const column of [...CASE_COLUMNS].reverse()) {
    await db.schema.alterTable("cases").dropColumn(column).execute();
  }
}
