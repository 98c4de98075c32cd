import { type Kysely, sql } from "kysely";

/**
 * Staff accounts and sign-in: users, their roles per program, browser sessions, one-time setup
 * links, API tokens and the hash-chained security log. Same portable column types as the first
 * migration (text, integer; booleans are 0/1 integers; timestamps are ISO-8601 UTC text).
 * Secrets are never stored in clear: passwords and recovery codes as argon2id hashes, session
 * ids, setup links and API tokens as sha-256, TOTP secrets encrypted (`_ct`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull().unique().check(sql`email = lower(email)`))
    .addColumn("password_hash", "text")
    .addColumn("totp_secret_ct", "text")
    .addColumn("totp_enabled", "integer", (c) => c.notNull().defaultTo(0).check(sql`totp_enabled in (0, 1)`))
    .addColumn("totp_last_step", "integer")
    .addColumn("recovery_codes_json", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("disabled_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("memberships")
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("program", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('admin', 'responder', 'viewer')`))
    .addPrimaryKeyConstraint("memberships_pkey", ["user_id", "program"])
    .execute();
  await db.schema.createIndex("memberships_program").on("memberships").column("program").execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id_hash", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_seen_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("two_factor_passed", "integer", (c) =>
      c.notNull().defaultTo(0).check(sql`two_factor_passed in (0, 1)`),
    )
    .execute();
  await db.schema.createIndex("sessions_user_id").on("sessions").column("user_id").execute();
  await db.schema.createIndex("sessions_expires_at").on("sessions").column("expires_at").execute();

  await db.schema
    .createTable("setup_tokens")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    // Null for the first administrator's link, printed at the first start: see src/auth/first-admin.ts.
    .addColumn("user_id", "text", (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("purpose", "text", (c) => c.notNull().check(sql`purpose in ('setup', 'reset')`))
    .addColumn("totp_secret_ct", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("used_at", "text")
    .execute();
  await db.schema.createIndex("setup_tokens_user_id").on("setup_tokens").column("user_id").execute();

  await db.schema
    .createTable("api_tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("program", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('admin', 'responder', 'viewer')`))
    .addColumn("created_by", "text", (c) => c.notNull().references("users.id"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_used_at", "text")
    .addColumn("revoked_at", "text")
    .execute();
  await db.schema.createIndex("api_tokens_program").on("api_tokens").column("program").execute();

  await db.schema
    .createTable("security_log")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("seq", "integer", (c) => c.notNull().unique().check(sql`seq >= 1`))
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("subject", "text")
    .addColumn("payload_json", "text", (c) => c.notNull())
    .addColumn("prev_hash", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("security_log_subject").on("security_log").column("subject").execute();
  await db.schema.createIndex("security_log_at").on("security_log").column("at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("security_log").execute();
  await db.schema.dropTable("api_tokens").execute();
  await db.schema.dropTable("setup_tokens").execute();
  await db.schema.dropTable("sessions").execute();
  await db.schema.dropTable("memberships").execute();
  await db.schema.dropTable("users").execute();
}
