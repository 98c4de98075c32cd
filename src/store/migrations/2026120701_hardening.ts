import { type Kysely, sql } from "kysely";
import type { DialectName } from "../database.js";

/**
 * Hardening (issue 14):
 *
 * - `rate_counters`: every limit a stranger can push against (reports per address and per
 *   program, reporter follow-ups, mail per sending host, sign-in failures) is one row here, read
 *   and written under a row lock in one transaction (src/store/rate-counters.ts), so concurrent
 *   requests and several instances share one count. `key` is an HMAC of what is limited (an IP
 *   address, an email typed at sign-in): the table does not say who reported. `value` and `at`
 *   mean what the rule using the row says (tokens left and when they were counted, or failures
 *   and the last one); `expires_at` is when the row may be deleted, its state being forgotten.
 * - `inbound_mail.status` gains `too-costly`: a message whose parsing went over its time or
 *   memory budget. It is kept for a person, and never handled again automatically at start.
 */
const OLD_STATUSES = `'received', 'case-opened', 'case-reply', 'duplicate', 'auto-reply', 'needs-attention', 'dismissed'`;
const NEW_STATUSES = `${OLD_STATUSES}, 'too-costly'`;

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable("rate_counters")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "double precision", (c) => c.notNull())
    .addColumn("at", "double precision", (c) => c.notNull())
    .addColumn("expires_at", "double precision", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("rate_counters_expires_at").on("rate_counters").column("expires_at").execute();
  await setInboundStatuses(db, dialect, NEW_STATUSES);
}

export async function down(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await sql`update inbound_mail set status = 'needs-attention' where status = 'too-costly'`.execute(db);
  await setInboundStatuses(db, dialect, OLD_STATUSES);
  await db.schema.dropTable("rate_counters").execute();
}

/**
 * PostgreSQL changes a check constraint in place. SQLite cannot: the table is rebuilt with the
 * new constraint (its documented procedure; nothing references inbound_mail).
 */
async function setInboundStatuses(
  db: Kysely<unknown>,
  dialect: DialectName,
  statuses: string,
): Promise<void> {
  if (dialect === "postgres") {
    // The definition is read in the select list and matched here, not in the where clause:
    // PostgreSQL filters pg_constraint before joining the schema, so in the where clause
    // pg_get_constraintdef ran on the `inbound_mail` of every schema in the database, and failed
    // ("could not open relation with OID …") when another session dropped one of them meanwhile.
    const found = await sql<{ name: string; definition: string }>`
      select con.conname as name, pg_get_constraintdef(con.oid) as definition from pg_constraint con
      join pg_class rel on rel.oid = con.conrelid
      join pg_namespace ns on ns.oid = rel.relnamespace
      where rel.relname = 'inbound_mail' and ns.nspname = current_schema() and con.contype = 'c'`.execute(db);
    for (const { name } of found.rows.filter((row) => row.definition.includes("status"))) {
      await sql`alter table inbound_mail drop constraint ${sql.id(name)}`.execute(db);
    }
    await sql`alter table inbound_mail add constraint inbound_mail_status_check check (status in (${sql.raw(statuses)}))`.execute(
      db,
    );
    return;
  }
  await sql`create table inbound_mail_new (
    id text primary key,
    received_at text not null,
    via text not null check (via in ('smtp', 'imap')),
    program text,
    case_id text references cases(id) on delete set null,
    message_id_hash text,
    raw_ct blob not null,
    size integer not null,
    status text not null check (status in (${sql.raw(statuses)})),
    problem text,
    handled_at text
  )`.execute(db);
  await sql`insert into inbound_mail_new select id, received_at, via, program, case_id, message_id_hash, raw_ct, size, status, problem, handled_at from inbound_mail`.execute(
    db,
  );
  await sql`drop table inbound_mail`.execute(db);
  await sql`alter table inbound_mail_new rename to inbound_mail`.execute(db);
  await sql`create index inbound_mail_status on inbound_mail (status, received_at)`.execute(db);
  await sql`create index inbound_mail_message_id_hash on inbound_mail (message_id_hash)`.execute(db);
}
