import { type Kysely, sql } from "kysely";
import type { DialectName } from "../database.js";

/**
 * Single sign-on with OpenID Connect (issue 16; src/commands/sso-sign-in.ts).
 *
 * - `oidc_logins`: each sign-in sent to an identity provider and not back yet: its PKCE
 *   verifier and nonce, kept server-side (never in the browser) and shared through the database
 *   so that any instance can take the provider's answer. Found by the sha-256 of its `state`
 *   and bound to the browser that began it (`binding_hash`: the sha-256 of a short-lived
 *   cookie), deleted when used (once) or expired.
 * - `sso_grants`: which memberships a provider gave, with the role it gave: at each sign-in
 *   those follow the member's groups; a membership given (or changed) by hand does not.
 * - `sessions.sso_provider`: the provider a session signed in with (null: not by SSO), for
 *   `team.requireSso`.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable("oidc_logins")
    .addColumn("state_hash", "text", (c) => c.primaryKey())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("binding_hash", "text", (c) => c.notNull())
    .addColumn("code_verifier", "text", (c) => c.notNull())
    .addColumn("nonce", "text", (c) => c.notNull())
    .addColumn("next", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("oidc_logins_expires_at").on("oidc_logins").column("expires_at").execute();

  await db.schema
    .createTable("sso_grants")
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("program", "text", (c) => c.notNull())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('admin', 'responder', 'viewer')`))
    .addColumn("granted_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("sso_grants_pkey", ["user_id", "program"])
    .execute();

  await db.schema.alterTable("sessions").addColumn("sso_provider", "text").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("sessions").dropColumn("sso_provider").execute();
  await db.schema.dropTable("sso_grants").execute();
  await db.schema.dropTable("oidc_logins").execute();
}
