import { type Kysely, sql } from "kysely";
import type { DialectName } from "../database.js";

/**
 * Passkeys (WebAuthn, issue 16; src/auth/passkeys.ts, src/auth/passkey-challenges.ts).
 *
 * - `webauthn_credentials`: a member's passkeys and security keys. The id is the credential id
 *   (base64url) the authenticator names itself by at sign-in. The public key is not a secret
 *   (it can only check signatures), so it is stored in clear, base64url. `counter` is the
 *   authenticator's signature counter: an assertion that does not raise it (when it counts at
 *   all) comes from a copy of the key. A bigint: the counter is an unsigned 32-bit number.
 * - `webauthn_challenges`: the challenge of each ceremony begun and not finished, shared through
 *   the database so that any instance can finish what another began. Stored as its sha-256 only,
 *   bound to the browser that asked (`binding_hash`: the session's id hash, or the hash of a
 *   short-lived cookie for a sign-in without a session), deleted when used (once) or expired.
 * - `sessions.pending`: the password was right, the second factor is still to come (until now
 *   only a member with TOTP had one; a member with a passkey has one too).
 * - `sessions.second_factor`: how the session passed it (`totp`, `recovery-code` or `passkey`):
 *   a program with `team.requireTwoFactor: passkey` wants the last.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable("webauthn_credentials")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("public_key", "text", (c) => c.notNull())
    .addColumn("counter", dialect === "postgres" ? "bigint" : "integer", (c) =>
      c.notNull().defaultTo(0).check(sql`counter >= 0`),
    )
    .addColumn("transports", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_used_at", "text")
    .execute();
  await db.schema
    .createIndex("webauthn_credentials_user_id")
    .on("webauthn_credentials")
    .column("user_id")
    .execute();

  await db.schema
    .createTable("webauthn_challenges")
    .addColumn("challenge_hash", "text", (c) => c.primaryKey())
    .addColumn("purpose", "text", (c) =>
      c.notNull().check(sql`purpose in ('register', 'sign-in', 'second-factor')`),
    )
    .addColumn("binding_hash", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("webauthn_challenges_expires_at")
    .on("webauthn_challenges")
    .column("expires_at")
    .execute();

  await db.schema
    .alterTable("sessions")
    .addColumn("pending", "integer", (c) => c.notNull().defaultTo(0).check(sql`pending in (0, 1)`))
    .execute();
  await db.schema
    .alterTable("sessions")
    .addColumn("second_factor", "text", (c) =>
      c.check(sql`second_factor in ('totp', 'recovery-code', 'passkey')`),
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("sessions").dropColumn("second_factor").execute();
  await db.schema.alterTable("sessions").dropColumn("pending").execute();
  await db.schema.dropTable("webauthn_challenges").execute();
  await db.schema.dropTable("webauthn_credentials").execute();
}
